"""The scratch space: what desktops write next to photos (`.DS_Store`, `._*`,
`desktop.ini`, trash folders), photos being copied in, and extended attributes.

It lives in memory for the life of the mount: none of it is a photo, and none
of it is worth keeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class ScratchFile:
    data: bytearray = field(default_factory=bytearray)
    mtime: float = field(default_factory=time.time)
    copy_of: str | None = None  # for a photo being copied in: the phash its name claims


class Scratch:
    def __init__(self):
        self.files: dict[str, ScratchFile] = {}
        self.dirs: dict[str, float] = {}
        self.xattrs: dict[str, dict[str, bytes]] = {}

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        """(dir names, file names) directly in `folder`."""
        prefix = folder.rstrip("/") + "/"
        def direct(paths):
            return [p[len(prefix):] for p in paths if p.startswith(prefix) and "/" not in p[len(prefix):]]
        return direct(self.dirs), direct(self.files)

    def has_children(self, folder: str) -> bool:
        prefix = folder.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in (*self.dirs, *self.files))

    def move(self, old: str, new: str) -> None:
        if old in self.files:
            self.files[new] = self.files.pop(old)
        else:
            prefix = old + "/"
            self.dirs[new] = self.dirs.pop(old)
            for table in (self.dirs, self.files):
                for p in [p for p in table if p.startswith(prefix)]:
                    table[new + p[len(old):]] = table.pop(p)
        if old in self.xattrs:
            self.xattrs[new] = self.xattrs.pop(old)

    def remove_below(self, folder: str) -> None:
        """Everything inside a folder (the folder itself stays)."""
        prefix = folder.rstrip("/") + "/"
        for p in [p for p in (*self.dirs, *self.files) if p.startswith(prefix)]:
            self.remove(p)

    def remove(self, path: str) -> None:
        self.files.pop(path, None)
        self.dirs.pop(path, None)
        self.xattrs.pop(path, None)
