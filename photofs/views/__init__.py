"""Views: each turns the catalog's snapshot into a folder tree by its default rule."""

from __future__ import annotations

from photofs.domain.sorting import SORTED, TO_DELETE, VIEWS
from photofs.index.snapshot import Snapshot
from photofs.settings import Settings
from photofs.views import by_gallery, by_metadata, by_similar, by_week
from photofs.views.folders import FolderTree


def build_all(snap: Snapshot, settings: Settings) -> dict[str, FolderTree]:
    """Every view's default tree, in the order the mount's root lists them."""
    cal = settings.calendar()
    trees = {
        by_week.NAME: by_week.build(snap, cal),
        by_similar.NAME: by_similar.build(snap, settings.similarity_threshold, settings.similar_flips),
        by_gallery.NAME: by_gallery.build(snap, cal),
        "by-histogram": by_metadata.by_histogram(snap),
        "by-resolution": by_metadata.by_resolution(snap),
        "by-name": by_metadata.by_name(snap),
        SORTED: FolderTree(),     # only the user's folders
        TO_DELETE: FolderTree(),  # only the queue
    }
    assert tuple(trees) == VIEWS
    return trees
