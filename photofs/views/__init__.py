"""Views: each turns the catalog's snapshot into a folder tree by its default rule."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from photofs.domain.sorting import SORTED, TO_DELETE, VIEWS
from photofs.index.snapshot import Snapshot
from photofs.settings import Settings
from photofs.views import by_gallery, by_metadata, by_similar, by_week
from photofs.views.folders import FolderTree


def builders(snap: Snapshot, settings: Settings) -> dict[str, Callable[[], FolderTree]]:
    """How to build every view's default tree, in the order the mount's root lists them."""
    cal = settings.calendar()
    out = {
        by_week.NAME: lambda rows=None: by_week.build(snap, cal, rows),
        by_similar.NAME: lambda: by_similar.build(snap, settings.similarity_threshold, settings.similar_flips),
        by_gallery.NAME: lambda: by_gallery.build(snap, cal),
        "by-histogram": lambda rows=None: by_metadata.by_histogram(snap, rows),
        "by-resolution": lambda rows=None: by_metadata.by_resolution(snap, rows),
        "by-name": lambda rows=None: by_metadata.by_name(snap, rows),
        SORTED: FolderTree,     # only the user's folders
        TO_DELETE: FolderTree,  # only the queue
    }
    assert tuple(out) == VIEWS
    return out


# Views where a photo's folder follows from the photo alone: after a change only the
# changed photos need placing. (Galleries depend on their neighbours, groups on pairs.)
LOCAL = (by_week.NAME, "by-histogram", "by-resolution", "by-name")


class Trees(Mapping):
    """Every view's tree, each built the first time it is asked for: a mount lists
    its root at once, and a view nobody opens costs nothing."""

    def __init__(self, snap: Snapshot, settings: Settings):
        self._build = builders(snap, settings)
        self._trees: dict[str, FolderTree] = {}
        self._locks = {view: threading.Lock() for view in self._build}  # one each: a slow view holds up no other

    def __getitem__(self, view: str) -> FolderTree:
        tree = self._trees.get(view)
        if tree is None:
            with self._locks[view]:  # KeyError for a name that is no view
                tree = self._trees.get(view)
                if tree is None:
                    tree = self._trees[view] = self._build[view]()
        return tree

    def carry(self, old: "Trees", remap: Callable, rows) -> None:
        """After a change to the snapshot: each LOCAL view `old` had built is updated
        with the changed `rows` (see Snapshot.changes_from) rather than built again:
        milliseconds for ten thousand new photos, where a build reads every row."""
        for view in LOCAL:
            tree = old._trees.get(view)
            if tree is not None and view not in self._trees:
                self._trees[view] = tree.updated(remap, self._build[view](rows))

    def built(self, view: str) -> FolderTree | None:
        """The view's tree if it has been built, without building it."""
        return self._trees.get(view)

    def replace(self, view: str, build: Callable[[], FolderTree]) -> None:
        """Build a view another way (from a saved result, say) before it is first asked for."""
        self._build[view] = build

    def __iter__(self):
        return iter(self._build)

    def __len__(self) -> int:
        return len(self._build)

