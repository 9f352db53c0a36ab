"""The sort state in memory: the user's overrides on top of the views' default rules.

It mirrors what the catalog stores (catalog/sort_state.py) and changes by the
same SortChange, so an action is one catalog transaction plus one in-memory
update, never an index rebuild.
"""

from __future__ import annotations

from collections import defaultdict

from photofs.domain.sorting import SortChange


class Overlay:
    def __init__(self, pins=(), folders=(), queued=()):
        self.pins: dict[str, dict[int, set[str]]] = defaultdict(dict)          # view -> item -> folder keys
        self.pinned_in: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.user_folders: dict[str, set[str]] = defaultdict(set)
        self.queued: set[int] = set(queued)
        for view, item, folder in pins:
            self._pin(view, item, folder)
        for view, path in folders:
            self.user_folders[view].add(path)

    def _pin(self, view: str, item: int, folder: str) -> None:
        self.pins[view].setdefault(item, set()).add(folder)
        self.pinned_in[view][folder].add(item)

    def _unpin_all(self, view: str, item: int) -> None:
        for folder in self.pins[view].pop(item, set()):
            self.pinned_in[view][folder].discard(item)
            if not self.pinned_in[view][folder]:
                del self.pinned_in[view][folder]

    def apply(self, change: SortChange) -> None:
        for view, old, new_view, new in change.folder_moves:
            self._move_folder(view, old, new_view, new)
        for (view, item), folders in change.pins.items():
            self._unpin_all(view, item)
            for f in folders:
                self._pin(view, item, f)
        self.queued |= change.queue_add
        self.queued -= change.queue_remove
        for view, path in change.folders_add:
            self.user_folders[view].add(path)
        for view, path in change.folders_remove:
            self.user_folders[view].discard(path)

    def _move_folder(self, view: str, old: str, new_view: str, new: str) -> None:
        def moved(path: str) -> str | None:
            if path == old:
                return new
            if path.startswith(old + "/"):
                return new + path[len(old):]
            return None
        for path in list(self.user_folders[view]):
            if (target := moved(path)) is not None:
                self.user_folders[view].discard(path)
                self.user_folders[new_view].add(target)
        for folder in list(self.pinned_in[view]):
            if (target := moved(folder)) is not None:
                for item in list(self.pinned_in[view][folder]):
                    self.pins[view][item].discard(folder)
                    if not self.pins[view][item]:
                        del self.pins[view][item]
                    self._pin(new_view, item, target)
                del self.pinned_in[view][folder]
