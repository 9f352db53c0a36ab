"""PhotoVFS: the mount as a model of paths, with no host protocol in it.

Reading: the state (vfs/tree.py) is rebuilt only when another process changes
the catalog (SQLite's data_version), checked at most once per `refresh_seconds`.
Listing and stat never touch the network or decode an image; only opening a
thumbnail missing from the cache may wait on a source.

Changing: every action is one SortChange, written to the catalog in one
transaction and applied to the in-memory overlay (DESIGN.md, "What actions in
the mount mean"). Desktop litter and photos being copied in live in the scratch
space (vfs/scratch.py).
"""

from __future__ import annotations

import errno
import functools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photofs.domain.names import hash_of_name, item_of_name
from photofs.domain.sorting import SORTED, TO_DELETE, SortChange, is_desktop_name, is_trash_folder
from photofs.library_folder import LibraryFolder
from photofs.views import by_week
from photofs.vfs.errors import VFSError, not_found
from photofs.vfs.overlay import Overlay
from photofs.vfs.scratch import Scratch, ScratchFile
from photofs.vfs.stat import DIR_MODE, FILE_MODE, Stat
from photofs.vfs.tree import Dir, File, MountState, key_str

log = logging.getLogger(__name__)

ENODATA = getattr(errno, "ENODATA", getattr(errno, "ENOATTR", 61))


@dataclass
class PhotoHandle:
    """An open photo: its bytes are loaded by the first read."""
    item_id: int
    path: str
    data: bytes | None = None


def locked(method):
    """One operation at a time on the state: FUSE serves from several threads, and an
    action changes what a listing iterates. Slow source reads happen outside it."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


def split_path(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def join(parts) -> str:
    return "/" + "/".join(parts)


class PhotoVFS:
    def __init__(self, library: Path | str, refresh_seconds: float = 1.0):
        # Our own connection: data_version only moves for commits made by others.
        self.lib = LibraryFolder(library)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.RLock()
        self._state: MountState | None = None
        self._checked_at = float("-inf")
        self._refresher: threading.Thread | None = None
        self._closed = False
        self._handles: dict[int, object] = {}
        self._next_fh = 1
        self.scratch = Scratch()
        self._vanished: deque[str] = deque(maxlen=4096)  # folders our own actions emptied (for rm -r)

    def close(self, wait: float = 30.0) -> None:
        """`wait`: seconds to let a background build finish writing LIBRARY/index/
        (an unmounting process exits anyway and passes 0)."""
        self._closed = True
        refresher = self._refresher
        if refresher is not None:
            refresher.join(wait)
        if self._state is not None:
            self._state.stop(wait)
        self.lib.close()

    # -- state ---------------------------------------------------------------
    def _current(self) -> MountState:
        """The state to serve. With a refresh interval (a mount), a change another
        process made is worked into the next state on a thread while this one keeps
        serving: listings never wait for it (a second at ten million photos, more
        when the index is rewritten). Without one (tests, jobs), every call waits."""
        now = time.monotonic()
        state = self._state
        if state is not None and now - self._checked_at < self.refresh_seconds:
            return state
        with self._lock:
            version = self.lib.catalog.data_version()
            if self._state is None or (self._state.version != version and not self.refresh_seconds):
                self._rebuild(version)
            elif self._state.version != version and self._refresher is None:
                self._refresher = threading.Thread(target=self._refresh_later, args=(self._state, version),
                                                   daemon=True, name="photofs-refresh")
                self._refresher.start()
            self._checked_at = now
            return self._state

    def _refresh_later(self, served: MountState, version: int) -> None:
        try:
            state = MountState(self.lib, version, background=True, previous=served, supersede=False)
            if served.named():
                state.twins  # made here, off the lock
            with self._lock:
                if self._state is served and not self._closed:
                    state.take_names_from(served)
                    # Actions taken while it was built are in the catalog: read them again.
                    state.overlay = Overlay(*self.lib.catalog.load_sort_state())
                    state.changed()
                    served.superseded = True
                    self._state = state
                else:
                    state.stop(0)
        except Exception:  # noqa: BLE001 - the next look at the catalog tries again
            log.exception("could not bring the mount up to date")
        finally:
            self._refresher = None

    def refresh(self) -> None:
        """Look at the catalog now, and wait for what it says."""
        with self._lock:
            version = self.lib.catalog.data_version()
            if self._state is None or self._state.version != version:
                self._rebuild(version)
            self._checked_at = time.monotonic()

    def _rebuild(self, version: int) -> None:
        """The next state, built here and now (the caller holds the lock)."""
        state = MountState(self.lib, version, background=True, previous=self._state)
        if self._state is not None:
            state.take_names_from(self._state)
        self._state = state

    def _node(self, path: str) -> Dir | File | None:
        return self._current().resolve(split_path(path))

    @locked
    def canonical(self, path: str) -> str:
        """The path as the mount spells it, matching each part without regard to case.

        For hosts whose file systems are case-insensitive (Windows, and macOS by
        default): `D:\\Sorted\\holiday` must find /sorted/Holiday. An exact match
        always wins; a part that does not exist is kept as given (for create/mkdir)."""
        parts = split_path(path)
        out: list[str] = []
        for i, name in enumerate(parts):
            here = join((*out, name))
            if here in self.scratch.files or here in self.scratch.dirs or self._node(here) is not None:
                out.append(name)
                continue
            try:
                names = [n for n, _ in self.listdir(join(out))]
            except VFSError:
                return join((*out, *parts[i:]))
            folded = name.casefold()
            match = next((n for n in names if n.casefold() == folded), None)
            if match is None:
                return join((*out, *parts[i:]))
            out.append(match)
        return join(out)

    def _commit(self, change: SortChange, touched: list[str]) -> None:
        """Write one action, apply it in memory, and note folders it emptied."""
        with self._lock:
            state = self._current()
            self.lib.catalog.apply_sort_change(change)
            state.overlay.apply(change)
            state.changed()
            for folder in touched:
                parts = split_path(folder)
                for depth in range(len(parts), 1, -1):
                    if state.resolve(parts[:depth]) is None:
                        self._vanished.append(join(parts[:depth]))

    # -- reading -------------------------------------------------------------
    @locked
    def stat(self, path: str) -> Stat:
        if path in self.scratch.files:
            f = self.scratch.files[path]
            return Stat(FILE_MODE, len(f.data), f.mtime)
        if path in self.scratch.dirs:
            return Stat(DIR_MODE, 0, self.scratch.dirs[path], nlink=2)
        node = self._node(path)
        if node is None:
            raise not_found(path)
        state = self._current()
        if isinstance(node, File):
            return self._file_stat(state, node.row)
        return Stat(DIR_MODE, 0, state.built_at, nlink=2)

    @locked
    def listdir(self, path: str) -> list[tuple[str, Stat]]:
        """Entries with their attributes (readdir-plus: no stat per file needed)."""
        if path in self.scratch.dirs:
            dirs, files = self.scratch.children(path)
            return ([(d, self.stat(f"{path}/{d}")) for d in dirs] + [(f, self.stat(f"{path}/{f}")) for f in files])
        node = self._node(path)
        if node is None:
            raise not_found(path)
        if isinstance(node, File):
            raise VFSError(errno.ENOTDIR, path)
        state = self._current()
        subdirs, files = state.list_dir(node)
        dir_stat = Stat(DIR_MODE, 0, state.built_at, nlink=2)
        entries = [(name, dir_stat) for name in subdirs]
        entries += zip(files, self._file_stats(state, list(files.values())))
        base = path.rstrip("/")
        s_dirs, s_files = self.scratch.children(base or "/")
        entries += [(d, self.stat(f"{base}/{d}")) for d in s_dirs]
        entries += [(f, self.stat(f"{base}/{f}")) for f in s_files if f not in files]
        return entries

    @staticmethod
    def _file_stat(state: MountState, row: int) -> Stat:
        return PhotoVFS._file_stats(state, [row])[0]

    @staticmethod
    def _file_stats(state: MountState, rows: list[int]) -> list[Stat]:
        """The Stats of these rows (a photo with no capture time shows the index's time):
        one gather per column, since indexing a memory map one element at a time was
        most of what listing a big folder cost."""
        snap, now = state.snap, state.built_at
        sizes, taken = np.asarray(snap.size)[rows].tolist(), np.asarray(snap.taken)[rows].tolist()
        return [Stat(FILE_MODE, size, now if t != t else t) for size, t in zip(sizes, taken)]

    def _new_handle(self, handle) -> int:
        with self._lock:
            fh = self._next_fh
            self._next_fh += 1
            self._handles[fh] = handle
        return fh

    def open(self, path: str, write: bool = False, truncate: bool = False) -> int:
        """Opening reads nothing (Explorer opens every file to show its properties);
        the first read loads the thumbnail's bytes, once per open, so every read of
        one open file is stable."""
        with self._lock:
            if path in self.scratch.files:
                if truncate:
                    self.scratch.files[path].data.clear()
                return self._new_handle(path)
            node = self._photo_file(path)
            item_id = int(self._current().snap.ids[node.row])
            if not write:
                return self._new_handle(PhotoHandle(item_id, path))
        data = self._thumbnail(item_id, path)  # may read a slow source: not under the lock
        with self._lock:
            # Overwriting a photo is only a copy of a known thumbnail onto it.
            self.scratch.files[path] = ScratchFile(bytearray() if truncate else bytearray(data),
                                                   copy_of=hash_of_name(node.name))
            return self._new_handle(path)

    def _photo_file(self, path: str) -> File:
        node = self._node(path)
        if node is None:
            raise not_found(path)
        if isinstance(node, Dir):
            raise VFSError(errno.EISDIR, path)
        return node

    def _thumbnail(self, item_id: int, path: str) -> bytes:
        item = self.lib.catalog.get(item_id)
        if item is None:
            raise not_found(path)
        try:
            return self.lib.thumbs.get_or_make(item)
        except Exception:  # a source that is gone or broken must not take the mount down
            raise VFSError(errno.EIO, path) from None

    def read(self, fh: int, size: int, offset: int) -> bytes:
        handle = self._handles.get(fh)
        if handle is None:
            raise VFSError(errno.EBADF)
        if isinstance(handle, str):
            f = self.scratch.files.get(handle)
            return bytes(f.data[offset:offset + size]) if f else b""
        if handle.data is None:
            handle.data = self._thumbnail(handle.item_id, handle.path)  # outside the lock: may wait on a source
        return handle.data[offset:offset + size]

    def read_file(self, path: str) -> bytes:
        fh = self.open(path)
        try:
            return self.read(fh, 1 << 31, 0)
        finally:
            self.release(fh)

    # -- writing into the scratch space -------------------------------------
    @locked
    def create(self, path: str) -> int:
        parts = split_path(path)
        if not parts:
            raise VFSError(errno.EEXIST, path)
        parent, name = join(parts[:-1]), parts[-1]
        if path in self.scratch.files or self._node(path) is not None:
            return self.open(path, write=True, truncate=True)
        if is_desktop_name(name) or parent in self.scratch.dirs:
            self._require_dir(parent)
            self.scratch.files[path] = ScratchFile()
            return self._new_handle(path)
        self._photo_folder(parent)
        h = hash_of_name(name)
        if h is None or not len(self._rows_with_hash(h)):
            raise VFSError(errno.EPERM, path)  # only thumbnails photofs knows can be put here
        self.scratch.files[path] = ScratchFile(copy_of=h)
        return self._new_handle(path)

    @locked
    def write(self, fh: int, data: bytes, offset: int) -> int:
        handle = self._handles.get(fh)
        if not isinstance(handle, str) or handle not in self.scratch.files:
            raise VFSError(errno.EBADF)
        buf = self.scratch.files[handle].data
        if offset > len(buf):
            buf.extend(b"\0" * (offset - len(buf)))
        buf[offset:offset + len(data)] = data
        self.scratch.files[handle].mtime = time.time()
        return len(data)

    @locked
    def truncate(self, path: str, length: int) -> None:
        if path not in self.scratch.files:
            node = self._photo_file(path)
            item_id = int(self._current().snap.ids[node.row])
            self.scratch.files[path] = ScratchFile(bytearray(self._thumbnail(item_id, path)), copy_of=hash_of_name(node.name))
        data = self.scratch.files[path].data
        del data[length:]
        data.extend(b"\0" * (length - len(data)))

    @locked
    def flush(self, fh: int) -> None:
        """Closing a photo being copied in: it must be a known thumbnail, byte for byte."""
        handle = self._handles.get(fh)
        if isinstance(handle, str) and handle in self.scratch.files and self.scratch.files[handle].copy_of:
            self._finish_copy(handle)

    @locked
    def release(self, fh: int) -> None:
        handle = self._handles.pop(fh, None)
        if isinstance(handle, str) and handle in self.scratch.files and self.scratch.files[handle].copy_of:
            try:
                self._finish_copy(handle)
            except VFSError:
                pass  # flush already said so; release has no one to tell

    @locked
    def abort(self, fh: int) -> None:
        """A write that broke off: the handle is forgotten and what it wrote is dropped
        (a photo written over stays the photo it was; a scratch file goes)."""
        handle = self._handles.pop(fh, None)
        if isinstance(handle, str):
            self.scratch.remove(handle)

    @locked
    def detach(self, fh: int) -> None:
        """Forget a handle and leave its file as it is: an empty photo copy stays
        pending until a later open-for-write fills it. WebDAV clients (davfs2,
        Finder) create a file empty in one request and send its bytes in the next."""
        self._handles.pop(fh, None)

    def _finish_copy(self, path: str) -> None:
        f = self.scratch.files[path]
        state = self._current()
        data = bytes(f.data)
        match = None
        rows = self._rows_with_hash(f.copy_of)
        named = item_of_name(split_path(path)[-1])  # `<phash>~<id>.jpg`: that twin is tried first
        for row in sorted(rows.tolist(), key=lambda r: int(state.snap.ids[r]) != named):
            item = self.lib.catalog.get(int(state.snap.ids[row]))
            if item is not None and item.thumb_size == len(data) and self.lib.thumbs.get_or_make(item) == data:
                match = (int(row), item.id)
                break
        existing = self._node(path)
        del self.scratch.files[path]
        if match is None:
            raise VFSError(errno.EPERM, path)  # unknown content is never stored
        if isinstance(existing, File) and existing.row == match[0]:
            return  # a photo copied onto itself
        target = self._photo_folder(join(split_path(path)[:-1]))
        row, item = match
        change = SortChange()
        if target.view == TO_DELETE:
            change.queue_add.add(item)
        else:
            key = key_str(state.tree(target.view).key_of(target.logical))
            folders = state.current_folders(target.view, item, row) | {key}
            change.pins[(target.view, item)] = self._minimal(state, target.view, row, folders)
        self._commit(change, [])

    def _rows_with_hash(self, h: str) -> np.ndarray:
        snap = self._current().snap
        return np.flatnonzero(snap.phash == np.uint64(int(h, 16)))

    # -- actions ---------------------------------------------------------------
    def _require_dir(self, path: str) -> Dir | None:
        if path in self.scratch.dirs:
            return None
        node = self._node(path)
        if node is None:
            raise not_found(path)
        if not isinstance(node, Dir):
            raise VFSError(errno.ENOTDIR, path)
        return node

    def _photo_folder(self, path: str) -> Dir:
        """The folder a photo may be moved or copied into, or a precise error."""
        node = self._require_dir(path)
        if node is None or node.view is None:
            raise VFSError(errno.EPERM, path)  # the root and desktop folders hold no photos
        if node.logical == () and node.view not in (SORTED, TO_DELETE):
            raise VFSError(errno.EPERM, path)  # a view's top level holds its groups, not photos
        return node

    @staticmethod
    def _minimal(state: MountState, view: str, row: int, folders: set[str]) -> set[str]:
        """Pins that equal the default rule are no pins at all."""
        return set() if folders == state.default_folders(view, row) else folders

    def _in_trash(self, path: str) -> bool:
        return any(is_trash_folder(p) for p in split_path(path)[:-1])

    @locked
    def check_unlink(self, path: str) -> File | None:
        """What unlink would refuse, raised without doing anything (Windows asks
        first: a delete probe must never queue a photo). The photo, if it is one."""
        if path in self.scratch.files:
            return None
        node = self._node(path)
        if node is None:
            raise not_found(path)
        if isinstance(node, Dir):
            raise VFSError(errno.EISDIR, path)
        if node.view == TO_DELETE:
            raise VFSError(errno.EPERM, path)  # already queued: move it out to take it back
        return node

    @locked
    def unlink(self, path: str) -> None:
        node = self.check_unlink(path)
        if node is None:
            self.scratch.remove(path)
            return
        state = self._current()
        self._commit(SortChange(queue_add={int(state.snap.ids[node.row])}), [join(split_path(path)[:-1])])

    @locked
    def remove_tree(self, path: str) -> None:
        """`rm -r` in one action (WebDAV DELETE of a folder): every photo below is
        queued and the user's folders below are dropped, in one transaction."""
        if path in self.scratch.files:
            return self.scratch.remove(path)
        if path in self.scratch.dirs:
            self.scratch.remove_below(path)
            self.scratch.remove(path)
            return
        node = self._node(path)
        if node is None:
            raise not_found(path)
        if isinstance(node, File):
            return self.unlink(path)
        if node.view is None or node.logical == () or node.view == TO_DELETE:
            raise VFSError(errno.EPERM, path)  # the root, a view, and the queue itself stay
        state = self._current()
        rows: list[int] = []
        folders = [path]
        while folders:
            folder = folders.pop()
            subdirs, files = state.list_dir(self._node(folder))
            rows += files.values()
            folders += [f"{folder}/{d}" for d in subdirs]
        key = key_str(node.logical)
        gone = {(node.view, p) for p in state.overlay.user_folders[node.view] if p == key or p.startswith(key + "/")}
        self.scratch.remove_below(path)
        self._commit(SortChange(queue_add={int(state.snap.ids[r]) for r in rows}, folders_remove=gone), [path])

    @locked
    def mkdir(self, path: str) -> None:
        parts = split_path(path)
        if not parts:
            raise VFSError(errno.EEXIST, path)
        if path in self.scratch.dirs or self._node(path) is not None:
            raise VFSError(errno.EEXIST, path)
        parent, name = join(parts[:-1]), parts[-1]
        node = self._require_dir(parent)
        if node is None or is_desktop_name(name):
            self.scratch.dirs[path] = time.time()
            return
        if node.view is None or node.view == TO_DELETE or node.split:
            raise VFSError(errno.EPERM, path)
        self._commit(SortChange(folders_add={(node.view, key_str((*node.logical, name)))}), [])

    @locked
    def check_rmdir(self, path: str) -> Dir | None:
        """What rmdir would refuse, raised without doing anything. The folder, or
        None when there is nothing left to do (scratch, or already emptied)."""
        if path in self.scratch.dirs:
            if self.scratch.has_children(path):
                raise VFSError(errno.ENOTEMPTY, path)
            return None
        node = self._node(path)
        if node is None:
            if path in self._vanished:
                return None  # emptied by the user a moment ago (rm -r): already gone
            raise not_found(path)
        if isinstance(node, File):
            raise VFSError(errno.ENOTDIR, path)
        if node.view is None or node.logical == ():
            raise VFSError(errno.EPERM, path)
        if self.listdir(path):
            raise VFSError(errno.ENOTEMPTY, path)
        return node

    @locked
    def rmdir(self, path: str) -> None:
        node = self.check_rmdir(path)
        if node is None:
            self.scratch.remove(path)  # a scratch folder (nothing, for one already emptied)
            return
        key = key_str(node.logical)
        if key in self._current().overlay.user_folders[node.view]:
            self._commit(SortChange(folders_remove={(node.view, key)}), [path])

    @locked
    def rename(self, old: str, new: str) -> None:
        if old == new:
            return
        if old in self.scratch.files or old in self.scratch.dirs:
            return self._rename_scratch(old, new)
        node = self._node(old)
        if node is None:
            raise not_found(old)
        if isinstance(node, File):
            return self._move_photo(node, old, new)
        return self._move_folder(node, old, new)

    def _rename_scratch(self, old: str, new: str) -> None:
        parent, name = join(split_path(new)[:-1]), split_path(new)[-1]
        self._require_dir(parent)
        f = self.scratch.files.get(old)
        if f is not None and f.copy_of and not (is_desktop_name(name) or parent in self.scratch.dirs):
            # A copy written under a temporary name and renamed into place.
            self.scratch.files[new] = self.scratch.files.pop(old)
            return
        if not (is_desktop_name(name) or parent in self.scratch.dirs):
            raise VFSError(errno.EPERM, new)
        self.scratch.remove(new)
        self.scratch.move(old, new)

    def _move_photo(self, node: File, old: str, new: str) -> None:
        state = self._current()
        item, row = int(state.snap.ids[node.row]), node.row
        parts = split_path(new)
        if not parts:
            raise VFSError(errno.EPERM, new)
        source_dir = join(split_path(old)[:-1])
        if self._in_trash(new):
            self._require_dir(join(parts[:-1]))
            self._commit(SortChange(queue_add={item}), [source_dir])
            return
        target = self._photo_folder(join(parts[:-1]))
        if hash_of_name(parts[-1]) != state.snap.hex(row):
            raise VFSError(errno.EPERM, new)  # a photo's name is its hash
        change = SortChange()
        if target.view == TO_DELETE:
            if node.view != TO_DELETE:
                change.queue_add.add(item)
            self._commit(change, [source_dir])
            return
        if node.view == TO_DELETE:
            change.queue_remove.add(item)
        tree = state.tree(target.view)
        new_key = key_str(tree.key_of(target.logical))
        if node.view == target.view:
            folders = state.current_folders(target.view, item, row)
            folders.discard(key_str(tree.key_of(node.logical)))
            folders.add(new_key)
        else:
            folders = {new_key}
        change.pins[(target.view, item)] = self._minimal(state, target.view, row, folders)
        if target.view == by_week.NAME and (week := self.lib.calendar.moved_into(new_key, float(state.snap.taken[row]))):
            change.weeks[item] = week  # the photo's week, everywhere; the pin shows it until the index catches up
        self._commit(change, [source_dir])

    def _move_folder(self, node: Dir, old: str, new: str) -> None:
        state = self._current()
        if node.view is None or node.logical == () or node.split:
            raise VFSError(errno.EPERM, old)
        parts = split_path(new)
        if self._in_trash(new):
            self._require_dir(join(parts[:-1]))
            ids = {int(state.snap.ids[r]) for r in state.rows_below(node.view, node.logical)}
            key = key_str(node.logical)
            gone = {(node.view, p) for p in state.overlay.user_folders[node.view] if p == key or p.startswith(key + "/")}
            if node.view == TO_DELETE:
                raise VFSError(errno.EPERM, old)
            self._commit(SortChange(queue_add=ids, folders_remove=gone), [old])
            return
        tree = state.tree(node.view)
        if node.logical in tree.subdirs:
            raise VFSError(errno.EPERM, old)  # folders made by a view's rule cannot be renamed
        target = self._require_dir(join(parts[:-1]))
        if target is None or target.view != node.view or target.split:
            raise VFSError(errno.EPERM, new)  # user folders stay in their view (never EXDEV)
        new_logical = (*target.logical, parts[-1])
        if new_logical[:len(node.logical)] == node.logical:
            raise VFSError(errno.EINVAL, new)  # into itself
        existing = self._node(new)
        if existing is not None:
            if isinstance(existing, File) or self.listdir(new):
                raise VFSError(errno.ENOTEMPTY if isinstance(existing, Dir) else errno.ENOTDIR, new)
        change = SortChange(folder_moves=[(node.view, key_str(node.logical), node.view, key_str(new_logical))])
        change.folders_add.add((node.view, key_str(new_logical)))
        self._commit(change, [old])

    def copy(self, src: str, dest: str, recursive: bool = True) -> None:
        """cp (and cp -r) in one call, for front ends whose protocol has a copy (WebDAV
        COPY): a file's bytes are written under the destination name and checked when
        closed, as a copy through the mount is; a folder is made (or merged into, as
        cp -r does) and, when `recursive`, filled."""
        if not self.stat(src).is_dir:
            data = self.read_file(src)
            fh = self.create(dest)
            try:
                self.write(fh, data, 0)
                self.flush(fh)
            finally:
                self.release(fh)
            return
        if split_path(dest)[:len(split_path(src))] == split_path(src):
            raise VFSError(errno.EINVAL, dest)  # into itself (cp: "cannot copy a directory into itself")
        names = [name for name, _ in self.listdir(src)] if recursive else []
        try:
            self.mkdir(dest)
        except VFSError as e:
            if e.errno != errno.EEXIST:
                raise
        for name in names:
            self.copy(f"{src.rstrip('/')}/{name}", f"{dest.rstrip('/')}/{name}", True)

    # -- attributes ------------------------------------------------------------
    def _require(self, path: str) -> None:
        if path not in self.scratch.files and path not in self.scratch.dirs and self._node(path) is None:
            raise not_found(path)

    @locked
    def utimens(self, path: str, mtime: float | None) -> None:
        """Accepted: photos keep their capture time (so `cp -p` and Finder do not fail)."""
        self._require(path)
        if path in self.scratch.files and mtime is not None:
            self.scratch.files[path].mtime = mtime

    @locked
    def chmod(self, path: str, mode: int) -> None:
        self._require(path)

    @locked
    def setxattr(self, path: str, name: str, value: bytes) -> None:
        self._require(path)
        self.scratch.xattrs.setdefault(path, {})[name] = bytes(value)

    @locked
    def getxattr(self, path: str, name: str) -> bytes:
        self._require(path)
        try:
            return self.scratch.xattrs[path][name]
        except KeyError:
            raise VFSError(ENODATA, path) from None

    @locked
    def listxattr(self, path: str) -> list[str]:
        self._require(path)
        return list(self.scratch.xattrs.get(path, {}))

    @locked
    def removexattr(self, path: str, name: str) -> None:
        self._require(path)
        if name not in self.scratch.xattrs.get(path, {}):
            raise VFSError(ENODATA, path)
        del self.scratch.xattrs[path][name]
