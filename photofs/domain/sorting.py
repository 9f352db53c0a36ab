"""Sort state vocabulary: views, queue states, and the names desktops write."""

from __future__ import annotations

from enum import StrEnum

VIEWS = ("by-week", "by-similar", "by-gallery", "by-histogram", "by-resolution", "by-name", "sorted", "to-delete")
TO_DELETE = "to-delete"
SORTED = "sorted"


class QueueState(StrEnum):
    QUEUED = "queued"        # the user deleted it in the mount
    CANCELLED = "cancelled"  # taken back off the queue
    # archive, worksheet and removed come with the archive issue


# What Finder, Explorer and desktop environments write next to photos. They are
# kept in a scratch space for the life of the mount and never count as photos.
DESKTOP_FILES = {".DS_Store", "desktop.ini", "Thumbs.db", ".localized", ".directory", "ehthumbs.db", "Icon\r"}
TRASH_FOLDERS = {".Trashes", "$RECYCLE.BIN", ".Trash", "RECYCLER"}


def is_desktop_name(name: str) -> bool:
    return (name in DESKTOP_FILES or name in TRASH_FOLDERS or name.startswith("._")
            or name.startswith(".Trash-") or name.startswith(".fuse_hidden") or name.startswith(".~lock."))


def is_trash_folder(name: str) -> bool:
    return name in TRASH_FOLDERS or name.startswith(".Trash-")
