"""Sort state vocabulary: views, queue states, and the names desktops write."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

VIEWS = ("by-week", "by-similar", "by-gallery", "by-histogram", "by-resolution", "by-name", "sorted", "to-delete")
TO_DELETE = "to-delete"
SORTED = "sorted"


class QueueState(StrEnum):
    """queued -> archived (NAS copy verified) -> worksheet -> removed, or cancelled."""
    QUEUED = "queued"        # the user deleted it in the mount
    ARCHIVED = "archived"    # its original has a verified copy on the NAS: safe to offer
    WORKSHEET = "worksheet"  # offered on a removal worksheet
    REMOVED = "removed"      # the user confirmed it is gone from the cloud
    CANCELLED = "cancelled"  # taken back off the queue


# Still waiting to leave the cloud: shown in /to-delete/, hidden from every other view.
PENDING = (QueueState.QUEUED, QueueState.ARCHIVED, QueueState.WORKSHEET)


@dataclass
class SortChange:
    """Everything one user action changes, written together or not at all."""

    pins: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (view, item) -> its folders now; empty = default
    queue_add: set[int] = field(default_factory=set)
    queue_remove: set[int] = field(default_factory=set)
    folders_add: set[tuple[str, str]] = field(default_factory=set)        # (view, path)
    folders_remove: set[tuple[str, str]] = field(default_factory=set)
    folder_moves: list[tuple[str, str, str, str]] = field(default_factory=list)  # (view, old, new_view, new)
    weeks: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # item -> (effective week, week source)

    def __bool__(self) -> bool:
        return any((self.pins, self.queue_add, self.queue_remove, self.folders_add, self.folders_remove,
                    self.folder_moves, self.weeks))


# What Finder, Explorer and desktop environments write next to photos. They are
# kept in a scratch space for the life of the mount and never count as photos.
DESKTOP_FILES = {".DS_Store", "desktop.ini", "Thumbs.db", ".localized", ".directory", "ehthumbs.db", "Icon\r"}
TRASH_FOLDERS = {".Trashes", "$RECYCLE.BIN", ".Trash", "RECYCLER"}


def is_desktop_name(name: str) -> bool:
    return (name in DESKTOP_FILES or name in TRASH_FOLDERS or name.startswith("._")
            or name.startswith(".Trash-") or name.startswith(".fuse_hidden") or name.startswith(".~lock."))


def is_trash_folder(name: str) -> bool:
    return name in TRASH_FOLDERS or name.startswith(".Trash-")
