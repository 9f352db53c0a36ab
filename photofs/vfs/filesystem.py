"""PhotoVFS: the mount as a model of paths, with no host protocol in it.

State (the snapshot and every view's folder tree) is rebuilt only when the
catalog changes (SQLite's data_version), checked at most once per
`refresh_seconds`. Listing and stat use that state only: they never touch the
network or decode an image. Only opening a thumbnail that is not in the cache
may wait on a source.
"""

from __future__ import annotations

import errno
import stat as stat_mode
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from photofs.domain.names import phash_names
from photofs.index.snapshot import Snapshot
from photofs.library_folder import LibraryFolder
from photofs.views import by_week
from photofs.views.folders import FolderTree
from photofs.vfs.errors import VFSError, not_found, read_only

DIR_MODE = stat_mode.S_IFDIR | 0o755
FILE_MODE = stat_mode.S_IFREG | 0o444


@dataclass(frozen=True)
class Stat:
    mode: int
    size: int
    mtime: float
    nlink: int = 1

    @property
    def is_dir(self) -> bool:
        return stat_mode.S_ISDIR(self.mode)


class _State:
    """One consistent picture of the catalog: the snapshot and each view's tree."""

    def __init__(self, lib: LibraryFolder, version: int):
        self.version = version
        self.built_at = time.time()
        self.snap = Snapshot.from_catalog(lib.catalog)
        limit = lib.settings.folder_limit
        self.views: dict[str, FolderTree] = {by_week.NAME: by_week.build(self.snap, lib.calendar, limit)}
        self.names = lru_cache(maxsize=1024)(self._names)

    def _names(self, view: str, path: tuple[str, ...]) -> dict[str, int]:
        """name -> snapshot row, for the files of one leaf folder."""
        rows = self.views[view].leaves.get(path)
        if rows is None:
            return {}
        return dict(zip(phash_names(self.snap.hex(r) for r in rows), (int(r) for r in rows)))


class PhotoVFS:
    def __init__(self, library: Path | str, refresh_seconds: float = 1.0):
        # Our own connection: data_version only moves for commits made by others.
        self.lib = LibraryFolder(library)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._checked_at = float("-inf")
        self._handles: dict[int, bytes] = {}
        self._next_fh = 1

    def close(self) -> None:
        self.lib.close()

    # -- state ---------------------------------------------------------------
    def _current(self) -> _State:
        now = time.monotonic()
        state = self._state
        if state is not None and now - self._checked_at < self.refresh_seconds:
            return state
        with self._lock:
            version = self.lib.catalog.data_version()
            if self._state is None or self._state.version != version:
                self._state = _State(self.lib, version)
            self._checked_at = now
            return self._state

    def refresh(self) -> None:
        """Look at the catalog now, not after the refresh interval."""
        self._checked_at = float("-inf")
        self._current()

    # -- paths ---------------------------------------------------------------
    @staticmethod
    def _split(path: str) -> tuple[str, ...]:
        return tuple(p for p in path.split("/") if p)

    def _resolve(self, path: str):
        """('root',) | ('dir', view, subpath) | ('file', row); raises ENOENT."""
        parts = self._split(path)
        state = self._current()
        if not parts:
            return state, ("root",)
        view, rest = parts[0], parts[1:]
        tree = state.views.get(view)
        if tree is None:
            raise not_found(path)
        if tree.is_dir(rest):
            return state, ("dir", view, rest)
        if rest:
            row = state.names(view, rest[:-1]).get(rest[-1])
            if row is not None:
                return state, ("file", row)
        raise not_found(path)

    # -- reading -------------------------------------------------------------
    def stat(self, path: str) -> Stat:
        state, node = self._resolve(path)
        if node[0] == "file":
            return self._file_stat(state, node[1])
        return Stat(DIR_MODE, 0, state.built_at, nlink=2)

    def listdir(self, path: str) -> list[tuple[str, Stat]]:
        """Entries with their attributes (readdir-plus: no stat per file needed)."""
        state, node = self._resolve(path)
        if node[0] == "file":
            raise VFSError(errno.ENOTDIR, path)
        dir_stat = Stat(DIR_MODE, 0, state.built_at, nlink=2)
        if node[0] == "root":
            return [(name, dir_stat) for name in state.views]
        _, view, sub = node
        entries = [(name, dir_stat) for name in state.views[view].subdirs[sub]]
        entries += [(name, self._file_stat(state, row)) for name, row in state.names(view, sub).items()]
        return entries

    @staticmethod
    def _file_stat(state: _State, row: int) -> Stat:
        snap = state.snap
        taken = snap.taken[row]
        return Stat(FILE_MODE, int(snap.size[row]), state.built_at if taken != taken else float(taken))

    def open(self, path: str) -> int:
        """Load the thumbnail's bytes once per open, so every read of it is stable."""
        state, node = self._resolve(path)
        if node[0] != "file":
            raise VFSError(errno.EISDIR, path)
        item = self.lib.catalog.get(int(state.snap.ids[node[1]]))
        if item is None:
            raise not_found(path)
        try:
            data = self.lib.thumbs.get_or_make(item)
        except Exception:  # a source that is gone or broken must not take the mount down
            raise VFSError(errno.EIO, path) from None
        with self._lock:
            fh = self._next_fh
            self._next_fh += 1
            self._handles[fh] = data
        return fh

    def read(self, fh: int, size: int, offset: int) -> bytes:
        data = self._handles.get(fh)
        if data is None:
            raise VFSError(errno.EBADF)
        return data[offset:offset + size]

    def release(self, fh: int) -> None:
        with self._lock:
            self._handles.pop(fh, None)

    def read_file(self, path: str) -> bytes:
        fh = self.open(path)
        try:
            return self.read(fh, 1 << 31, 0)
        finally:
            self.release(fh)

    # -- changing (views that accept changes come with sort state) -----------
    def rename(self, old: str, new: str) -> None:
        self._resolve(old)
        raise read_only(old)

    def unlink(self, path: str) -> None:
        self._resolve(path)
        raise read_only(path)

    def mkdir(self, path: str) -> None:
        raise read_only(path)

    def rmdir(self, path: str) -> None:
        self._resolve(path)
        raise read_only(path)

    def create(self, path: str) -> int:
        raise read_only(path)

    def write(self, fh: int, data: bytes, offset: int) -> int:
        raise VFSError(errno.EBADF)

    def truncate(self, path: str, length: int) -> None:
        self._resolve(path)
        raise read_only(path)
