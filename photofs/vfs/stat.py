"""A file's or folder's attributes, as the VFS reports them to every front end."""

from __future__ import annotations

import stat as stat_mode
from dataclasses import dataclass

DIR_MODE = stat_mode.S_IFDIR | 0o755
FILE_MODE = stat_mode.S_IFREG | 0o644  # writable so file managers move and delete without asking; content is checked


@dataclass(frozen=True)
class Stat:
    mode: int
    size: int
    mtime: float
    nlink: int = 1

    @property
    def is_dir(self) -> bool:
        return stat_mode.S_ISDIR(self.mode)
