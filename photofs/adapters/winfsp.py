"""Native WinFsp adapter through winfspy (`pip install photofs[windows]`).

Only translation lives here: Windows paths in, VFS calls, NTSTATUS out. It exists
beside WinFsp's FUSE layer for one reason, Explorer's delete protocol:

- Explorer asks before it deletes: it opens the file, sets the delete
  disposition (WinFsp calls can_delete, or set_delete), and may unset it again.
  Those are probes and never queue anything.
- Only the cleanup of the last handle with the delete flag set deletes, and a
  deleted photo is queued for removal from the cloud.
- A move into `$RECYCLE.BIN` counts as a delete (the VFS knows trash folders).

Opening a file for its properties reads nothing: the thumbnail is loaded on the
first read.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from dataclasses import dataclass

try:
    from winfspy import (CREATE_FILE_CREATE_OPTIONS, FILE_ATTRIBUTE, BaseFileSystemOperations, FileSystem,
                         NTStatusAccessDenied, NTStatusDirectoryNotEmpty, NTStatusEndOfFile, NTStatusError,
                         NTStatusNotADirectory, NTStatusObjectNameCollision, NTStatusObjectNameNotFound)
    from winfspy.plumbing.winstuff import SecurityDescriptor
except ImportError as e:  # not on Windows, or the extra is not installed
    raise ImportError("the native WinFsp adapter needs WinFsp (https://winfsp.dev) and winfspy "
                      "(pip install 'photofs[windows]')") from e

from photofs.vfs import VFS, Stat, VFSError

log = logging.getLogger(__name__)

FSP_CLEANUP_DELETE = 0x01  # WinFsp's FspCleanupDelete: the last handle closed with delete set
STATUS_FILE_IS_A_DIRECTORY = 0xC00000BA
STATUS_UNEXPECTED_IO_ERROR = 0xC00000E9
# Everyone may read and change: the mount belongs to the user who started it.
SDDL = "O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)"
EPOCH_AS_FILETIME = 116444736000000000  # 1970-01-01 in 100 ns ticks since 1601


def filetime(seconds: float) -> int:
    return int(seconds * 10_000_000) + EPOCH_AS_FILETIME


def unix_time(ft: int) -> float:
    return (ft - EPOCH_AS_FILETIME) / 10_000_000


def nt_error(e: VFSError) -> Exception:
    return {errno.ENOENT: NTStatusObjectNameNotFound, errno.EEXIST: NTStatusObjectNameCollision,
            errno.ENOTDIR: NTStatusNotADirectory, errno.ENOTEMPTY: NTStatusDirectoryNotEmpty,
            errno.EPERM: NTStatusAccessDenied, errno.EACCES: NTStatusAccessDenied,
            errno.EINVAL: NTStatusAccessDenied}.get(e.errno, None) or NTStatusError(
        STATUS_FILE_IS_A_DIRECTORY if e.errno == errno.EISDIR else STATUS_UNEXPECTED_IO_ERROR)


@dataclass
class Handle:
    """One open file or folder. `fh` reads, `wfh` writes; both are opened on first use."""
    path: str
    is_dir: bool
    fh: int | None = None
    wfh: int | None = None


class WinFspAdapter(BaseFileSystemOperations):
    def __init__(self, vfs: VFS, volume_label: str = "photofs"):
        super().__init__()
        self.vfs = vfs
        self.label = volume_label[:31]
        self.security = SecurityDescriptor.from_string(SDDL)
        self._lock = threading.Lock()  # WinFsp calls from several threads; handles are ours

    # -- translation -----------------------------------------------------------
    def _path(self, file_name: str) -> str:
        """`\\By-Week\\X.JPG` -> the VFS path as the tree spells it."""
        return self.vfs.canonical("/" + str(file_name).replace("\\", "/").strip("/"))

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except VFSError as e:
            raise nt_error(e) from None

    def _info(self, st: Stat) -> dict:
        t = filetime(st.mtime)
        attrs = FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY if st.is_dir else FILE_ATTRIBUTE.FILE_ATTRIBUTE_ARCHIVE
        return {"file_attributes": attrs, "allocation_size": (st.size + 4095) // 4096 * 4096, "file_size": st.size,
                "creation_time": t, "last_access_time": t, "last_write_time": t, "change_time": t, "index_number": 0}

    # -- volume ----------------------------------------------------------------
    def get_volume_info(self):
        return {"total_size": 0, "free_size": 0, "volume_label": self.label}

    def set_volume_label(self, volume_label):
        self.label = str(volume_label)[:31]

    # -- names, security ---------------------------------------------------------
    def get_security_by_name(self, file_name):
        st = self._call(self.vfs.stat, self._path(file_name))
        return self._info(st)["file_attributes"], self.security.handle, self.security.size

    def get_security(self, file_context):
        return self.security

    def set_security(self, file_context, security_information, modification_descriptor):
        pass  # accepted and ignored, like chmod on the FUSE mount

    # -- open, create, close -------------------------------------------------------
    def open(self, file_name, create_options, granted_access):
        path = self._path(file_name)
        st = self._call(self.vfs.stat, path)  # cheap: no thumbnail is read to open a file
        return Handle(path, st.is_dir)

    def create(self, file_name, create_options, granted_access, file_attributes, security_descriptor,
               allocation_size):
        path = self._path(file_name)
        if create_options & CREATE_FILE_CREATE_OPTIONS.FILE_DIRECTORY_FILE:
            self._call(self.vfs.mkdir, path)  # Explorer's "New folder", renamed right after
            return Handle(path, True)
        return Handle(path, False, wfh=self._call(self.vfs.create, path))

    def overwrite(self, file_context, file_attributes, replace_file_attributes, allocation_size):
        self._call(self.vfs.truncate, file_context.path, 0)

    def cleanup(self, file_context, file_name, flags):
        """The last handle is closing: finish a copy, and delete only if asked now."""
        h = file_context
        with self._lock:
            if h.wfh is not None:
                try:
                    self.vfs.flush(h.wfh)
                except VFSError as e:
                    log.info("copy into %s refused: %s", h.path, e)  # cleanup cannot report errors
            if flags & FSP_CLEANUP_DELETE:
                self._release(h)
                try:
                    (self.vfs.rmdir if h.is_dir else self.vfs.unlink)(h.path)
                except VFSError as e:
                    log.warning("delete of %s failed: %s", h.path, e)

    def close(self, file_context):
        with self._lock:
            self._release(file_context)

    def _release(self, h: Handle) -> None:
        for attr in ("fh", "wfh"):
            fh = getattr(h, attr)
            if fh is not None:
                self.vfs.release(fh)
                setattr(h, attr, None)

    # -- delete probes: never change anything ------------------------------------------
    def can_delete(self, file_context, file_name):
        h = file_context
        self._call(self.vfs.check_rmdir if h.is_dir else self.vfs.check_unlink, h.path)

    def set_delete(self, file_context, file_name, delete_file):
        if delete_file:
            self.can_delete(file_context, file_name)

    # -- attributes ----------------------------------------------------------------
    def get_file_info(self, file_context):
        return self._info(self._call(self.vfs.stat, file_context.path))

    def set_basic_info(self, file_context, file_attributes, creation_time, last_access_time, last_write_time,
                       change_time, file_info):
        if last_write_time:
            self._call(self.vfs.utimens, file_context.path, unix_time(last_write_time))
        return self.get_file_info(file_context)

    def set_file_size(self, file_context, new_size, set_allocation_size):
        if not set_allocation_size:  # allocation is only a hint
            self._call(self.vfs.truncate, file_context.path, new_size)

    # -- data ----------------------------------------------------------------------
    def read(self, file_context, offset, length):
        h = file_context
        with self._lock:
            if h.fh is None and h.wfh is None:
                h.fh = self._call(self.vfs.open, h.path)
            handle = h.wfh if h.wfh is not None else h.fh
        data = self._call(self.vfs.read, handle, length, offset)
        if not data and length:
            raise NTStatusEndOfFile()
        return data

    def write(self, file_context, buffer, offset, write_to_end_of_file, constrained_io):
        h = file_context
        with self._lock:
            if h.wfh is None:
                h.wfh = self._call(self.vfs.open, h.path, True, False)
        size = self._call(self.vfs.stat, h.path).size
        data = bytes(buffer)
        if write_to_end_of_file:
            offset = size
        if constrained_io:  # paging I/O may not grow the file
            data = data[:max(0, size - offset)]
        return self._call(self.vfs.write, h.wfh, data, offset)

    def flush(self, file_context):
        pass  # a copy is checked when its last handle closes (cleanup)

    # -- folders -------------------------------------------------------------------
    def read_directory(self, file_context, marker):
        h = file_context
        if not h.is_dir:
            raise NTStatusNotADirectory()
        entries = [{"file_name": name, **self._info(st)} for name, st in self._call(self.vfs.listdir, h.path)]
        entries.sort(key=lambda e: e["file_name"])
        if h.path != "/":
            here = self._info(self._call(self.vfs.stat, h.path))
            entries = [{"file_name": ".", **here}, {"file_name": "..", **here}] + entries
        if marker is None:
            return entries
        # Resume after the marker, even if it has gone in the meantime.
        return [e for e in entries if e["file_name"] not in (".", "..") and e["file_name"] > marker]

    def get_dir_info_by_name(self, file_context, file_name):
        path = self._path(f"{file_context.path}/{file_name}")
        st = self._call(self.vfs.stat, path)
        return {"file_name": path.rsplit("/", 1)[1], **self._info(st)}

    def rename(self, file_context, file_name, new_file_name, replace_if_exists):
        old, new = self._path(file_name), self._path(new_file_name)
        if not replace_if_exists and old.casefold() != new.casefold():
            try:
                self.vfs.stat(new)
                raise NTStatusObjectNameCollision()
            except VFSError:
                pass
        self._call(self.vfs.rename, old, new)
        file_context.path = new


def volume_params(mountpoint: str, label: str) -> dict:
    """How the volume presents itself: case-insensitive like NTFS, names kept as
    spelled, attribute caches of one second like the FUSE mount."""
    is_drive = len(mountpoint.rstrip("\\")) == 2 and mountpoint[1] == ":"
    return {"sector_size": 512, "sectors_per_allocation_unit": 1, "volume_creation_time": filetime(time.time()),
            "volume_serial_number": 0, "file_info_timeout": 1000, "case_sensitive_search": 0,
            "case_preserved_names": 1, "unicode_on_disk": 1, "persistent_acls": 1,
            "post_cleanup_when_modified_only": 1, "um_file_context_is_user_context2": 1,
            "file_system_name": "photofs", "prefix": "", "reject_irp_prior_to_transact0": not is_drive}


def serve(vfs: VFS, mountpoint: str, volume_label: str = "photofs", stop: threading.Event | None = None) -> None:
    """Mount at a drive letter (P:) or a new folder and serve until `stop` is set or Ctrl-C."""
    adapter = WinFspAdapter(vfs, volume_label)
    fs = FileSystem(mountpoint, adapter, **volume_params(mountpoint, adapter.label))
    fs.start()
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.5):  # a timed wait, so Ctrl-C is seen on Windows
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fs.stop()
        vfs.close(wait=2.0)
