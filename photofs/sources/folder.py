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

from photofs.domain.media import extension, kind_of

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
    """A file that is not media (or not a regular file): skipped, and said why."""
    path: str
    reason: str = "not media"


@dataclass
class Unreadable:
    path: str
    reason: str


def is_ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith("._")


NAS_MARKER = ".photofs-nas"  # written by `archive` into the NAS folder (jobs/archive_copy.py)
NAS_FOLDER = "the NAS folder photofs archives into: its copies are not new photos"


def nas_holding(path: str) -> str | None:
    """The NAS folder photofs archives into that `path` is, or is inside of, if any."""
    here = os.path.realpath(path)
    while True:
        if os.path.exists(os.path.join(here, NAS_MARKER)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def walk(root: str, everything: bool = False) -> Iterator[FileFound | OtherFile | Unreadable]:
    """Media files below `root` (and the others, as OtherFile). With `everything`, desktop
    litter is yielded too (as OtherFile), for the ledger; photofs's own trash never is."""
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
                if everything and entry.name != ".photofs-trash" and not entry.is_dir(follow_symlinks=False):
                    yield OtherFile(entry.path, "desktop metadata")
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if os.path.exists(os.path.join(entry.path, NAS_MARKER)):  # photofs's own copies
                        yield OtherFile(entry.path, NAS_FOLDER)
                    else:
                        subfolders.append(entry.path)
                    continue
                if not entry.is_file():  # a FIFO, a device, a dangling link: never read
                    yield OtherFile(entry.path, "not a regular file")
                    continue
                if kind_of(entry.name) is None:
                    yield OtherFile(entry.path, f"not media ({extension(entry.name) or 'no extension'})")
                    continue
                st = entry.stat()
            except OSError as e:
                yield Unreadable(entry.path, e.strerror or str(e))
                continue
            yield FileFound(entry.path, st.st_size, st.st_mtime_ns)
        stack.extend(reversed(subfolders))  # depth-first, in name order


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
