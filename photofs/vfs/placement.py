"""Where each photo is in every view, as folder keys ("a/b"; "" is a view's top
level): what `sort export`, `sort import` and `rebuild --from-thumbs` need to know
of the mount, without its internals. Keys are the ones pins store; a folder the
rule makes and a folder the user made are told apart here, the one place that
knows the views' trees."""

from __future__ import annotations

from photofs.domain.sorting import SortChange
from photofs.library_folder import LibraryFolder
from photofs.views import by_week
from photofs.vfs.tree import Dir, MountState, key_path, key_str


class Placement:
    def __init__(self, lib: LibraryFolder):
        self._catalog = lib.catalog
        self._calendar = lib.calendar
        self._state = MountState(lib, lib.catalog.data_version())
        self._row_of = {int(i): r for r, i in enumerate(self._state.snap.ids.tolist())}

    @property
    def item_ids(self) -> list[int]:
        """Every photo the views show (or would, once off the queue), in the snapshot's order."""
        return list(self._row_of)

    def user_folders(self, view: str) -> list[str]:
        return sorted(self._state.overlay.user_folders[view])

    def is_queued(self, item_id: int) -> bool:
        return item_id in self._state.overlay.queued

    def folders_of(self, view: str, item_id: int) -> list[str]:
        """The folders a photo is in (or returns to, when queued), by the rule or by the user's hand."""
        tree = self._state.trees[view]
        keys = self._state.overlay.pins[view].get(item_id) or self._state.default_folders(view, self._row_of[item_id])
        return sorted(key_str(tree.resolve_key(key_path(k))) for k in keys)

    def place(self, change: SortChange, view: str, item_id: int, folders: set[str]) -> bool:
        """Add to `change` what puts a photo in `folders` of a view, as a move in the mount
        would: one week's folder of /by-week/ is the photo's week, anything else a pin
        (none when it is the rule's own place). False when the photo is not in the views."""
        row = self._row_of.get(item_id)
        if row is None:
            return False
        if view == by_week.NAME and len(folders) == 1:
            week = self._calendar.moved_into(next(iter(folders)), float(self._state.snap.taken[row]))
            if week is not None:
                change.weeks[item_id] = week
                change.pins[(view, item_id)] = set()
                return True
        tree = self._state.trees[view]
        keys = {key_str(tree.key_of(key_path(f))) for f in folders}
        change.pins[(view, item_id)] = set() if keys == self._state.default_folders(view, row) else keys
        return True

    def exists(self, view: str, sub: tuple[str, ...]) -> bool:
        return self._state.resolve((view, *sub)) is not None

    def rule_folder(self, view: str, sub: tuple[str, ...]) -> str | None:
        """The key of `/view/sub` when the view's rule makes that folder, else None."""
        node = self._state.resolve((view, *sub))
        tree = self._state.trees[view]
        if isinstance(node, Dir) and (node.logical in tree.subdirs or node.logical in tree.leaves):
            return key_str(tree.key_of(node.logical))
        return None

    def apply(self, change: SortChange) -> None:
        """Write a change to the catalog and see it here at once (later questions count it)."""
        self._catalog.apply_sort_change(change)
        self._state.overlay.apply(change)
        self._state.changed()
