"""A folder of originals on disk or on the NAS, walked recursively.

The walk never follows directory symlinks (no loops) and skips the files that
desktops leave behind. Problems are yielded, not raised, so one unreadable
folder never stops the job.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from photofs.imaging.decode import PHOTO_EXTENSIONS

# Desktop and NAS litter: never photos, never worth a line in the summary.
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini", ".Trashes", "$RECYCLE.BIN", "@eaDir",
                 ".photofs-trash", ".Spotlight-V100", ".fseventsd", "#recycle", ".thumbnails"}


@dataclass
class FileFound:
    path: str
    size: int
    mtime_ns: int


@dataclass
class OtherFile:
    """A file that is not a photo type we index (yet): counted in the summary."""
    path: str


@dataclass
class Unreadable:
    path: str
    reason: str


def is_ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith("._")


def walk(root: str) -> Iterator[FileFound | OtherFile | Unreadable]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            yield Unreadable(folder, e.strerror or str(e))
            continue
        subfolders = []
        for entry in entries:
            if is_ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
                    continue
                if not entry.is_file():
                    continue
                if os.path.splitext(entry.name)[1].lower() not in PHOTO_EXTENSIONS:
                    yield OtherFile(entry.path)
                    continue
                st = entry.stat()
            except OSError as e:
                yield Unreadable(entry.path, e.strerror or str(e))
                continue
            yield FileFound(entry.path, st.st_size, st.st_mtime_ns)
        stack.extend(reversed(subfolders))  # depth-first, in name order


def read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
