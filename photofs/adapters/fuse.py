"""FUSE adapter through mfusepy (fusepy's maintained successor; fusepy as fallback).

Only translation lives here: paths and handles in, VFS calls, errno out.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys
import threading

from photofs.adapters import hosts
from photofs.errors import PhotofsError

# Choose the library before mfusepy loads one: libfuse 3 on Linux (readdir-plus),
# macFUSE or FUSE-T on macOS, WinFsp's FUSE layer on Windows.
try:
    LIBRARY = hosts.find_fuse_library(sys.platform)
except PhotofsError as e:
    raise ImportError(str(e)) from None
os.environ["FUSE_LIBRARY_PATH"] = LIBRARY.path

try:
    import mfusepy as fusepy
except ImportError:  # pragma: no cover - only when just fusepy is installed
    import fuse as fusepy  # type: ignore[no-redef]
except OSError as e:  # the library would not load: say so, not a traceback
    raise ImportError(f"{LIBRARY.path} would not load ({e}): {hosts.INSTALL_HINTS.get(hosts.system_name(sys.platform))}") from e

from photofs.vfs import VFS, Stat, VFSError

log = logging.getLogger(__name__)


FUSE_READDIR_PLUS, FUSE_FILL_DIR_PLUS = 1, 2  # libfuse 3 readdir flags
FUSE_CAP_READDIRPLUS_AUTO = 1 << 14             # fuse_common.h


class PlusFUSE(fusepy.FUSE):
    """mfusepy's FUSE, with readdir-plus on libfuse 3: each entry carries its full
    attributes, so listing a folder with details (ls -l, Explorer, Finder) costs no
    lookup per file. mfusepy passes only the file type, and libfuse's high-level
    API forwards attributes only when entries come with offsets, so this serves
    the folder's listing (snapshotted at opendir) from the kernel's offset on.

    It is the hot loop of `ls -lR`: one reused stat buffer, filled from the VFS's
    Stat field by field, instead of a dict per entry run through mfusepy's
    generic set_st_attrs (that took a third of the server's time)."""

    def readdir_fuse_3(self, path, buf, filler, offset, fip, flags):
        if not flags & FUSE_READDIR_PLUS:
            return super().readdir_fuse_3(path, buf, filler, offset, fip, flags)
        entries = self.operations.listing(path.decode(self.encoding, self.errors), fip.contents.fh)
        st = fusepy.c_stat()
        ref = ctypes.byref(st)  # made once: converting st on every call costs more than filling it
        st.st_uid, st.st_gid = self.operations.uid, self.operations.gid
        times = (st.st_atimespec, st.st_mtimespec, st.st_ctimespec)
        encoding, errors = self.encoding, self.errors
        for index in range(offset, len(entries)):
            name, attrs = entries[index]
            if attrs is None:  # . and ..: the kernel knows them
                full = filler(buf, name.encode(encoding, errors), None, index + 1, 0)
            else:
                st.st_mode, st.st_size, st.st_nlink = attrs.mode, attrs.size, attrs.nlink
                sec, nsec = divmod(int(attrs.mtime * 1e9), 10**9)
                for t in times:
                    t.tv_sec, t.tv_nsec = sec, nsec
                full = filler(buf, name.encode(encoding, errors), ref, index + 1, FUSE_FILL_DIR_PLUS)
            if full:
                break  # the kernel's buffer is full; it asks again from this offset
        return 0


class FuseAdapter(fusepy.Operations):
    use_ns = True  # mfusepy: times in nanoseconds

    def __init__(self, vfs: VFS, xattrs: bool = sys.platform == "darwin", library: hosts.FuseLibrary = LIBRARY):
        self.vfs = vfs
        self.capabilities = hosts.wanted_capabilities(library)
        # Explorer and Finder may ask for /Sorted/holiday when the folder is /sorted/Holiday.
        self._p = vfs.canonical if hosts.case_insensitive(library) else (lambda path: path)
        self.uid, self.gid = os.getuid(), os.getgid()
        self._dirs: dict[int, list] = {}
        self._dirs_lock = threading.Lock()
        self._next_dir = 0
        if not xattrs:
            # Only Finder needs xattrs (else it writes ._ files). Elsewhere, leaving them out
            # tells the kernel once (ENOSYS) instead of asking twice per file on every ls -l.
            for name in ("setxattr", "getxattr", "listxattr", "removexattr"):
                setattr(self, name, None)

    def init_with_config(self, conn_info, config_3):
        if conn_info is None:
            return
        # Readdir-plus for every chunk of a folder, not only the first: a 2000-photo
        # folder then lists with details in a handful of calls instead of 2000 lookups.
        if fusepy.fuse_version_major == 3:
            conn_info.want &= ~FUSE_CAP_READDIRPLUS_AUTO
        conn_info.want |= conn_info.capable & self.capabilities

    def _attrs(self, st: Stat) -> dict:
        ns = int(st.mtime * 1e9)
        return {"st_mode": st.mode, "st_size": st.size, "st_nlink": st.nlink, "st_uid": self.uid,
                "st_gid": self.gid, "st_mtime": ns, "st_ctime": ns, "st_atime": ns}

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except VFSError as e:
            raise fusepy.FuseOSError(e.errno) from None
        except Exception:  # never let a bug take the mount down; the log has the details
            log.exception("%s%r failed", fn.__name__, args)
            raise fusepy.FuseOSError(errno.EIO) from None

    def getattr(self, path, fh=None):
        return self._attrs(self._call(self.vfs.stat, self._p(path)))

    def opendir(self, path):
        # A directory stream: one listing, read in pieces by offset.
        entries = self._listing(path)
        with self._dirs_lock:
            self._next_dir += 1
            self._dirs[self._next_dir] = entries
            return self._next_dir

    def _listing(self, path) -> list[tuple[str, Stat | None]]:
        return [(".", None), ("..", None), *self._call(self.vfs.listdir, self._p(path))]

    def listing(self, path, fh) -> list[tuple[str, Stat | None]]:
        """The stream's names and Stats, . and .. first (PlusFUSE reads them by offset)."""
        entries = self._dirs.get(fh)
        return self._listing(path) if entries is None else entries

    def readdir(self, path, fh):
        return [name if st is None else (name, self._attrs(st), 0) for name, st in self.listing(path, fh)]

    def releasedir(self, path, fh):
        with self._dirs_lock:
            self._dirs.pop(fh, None)
        return 0

    def open(self, path, flags):
        write = bool(flags & (os.O_WRONLY | os.O_RDWR))
        return self._call(self.vfs.open, self._p(path), write, bool(flags & os.O_TRUNC))

    def create(self, path, mode, fi=None):
        return self._call(self.vfs.create, self._p(path))

    def read(self, path, size, offset, fh):
        return self._call(self.vfs.read, fh, size, offset)

    def write(self, path, data, offset, fh):
        return self._call(self.vfs.write, fh, data, offset)

    def truncate(self, path, length, fh=None):
        return self._call(self.vfs.truncate, self._p(path), length)

    def flush(self, path, fh):
        return self._call(self.vfs.flush, fh)

    def release(self, path, fh):
        self.vfs.release(fh)
        return 0

    def statfs(self, path):
        return {"f_bsize": 4096, "f_frsize": 4096, "f_blocks": 0, "f_bfree": 0, "f_bavail": 0,
                "f_files": 0, "f_ffree": 0, "f_namemax": 255}

    def rename(self, old, new):
        return self._call(self.vfs.rename, self._p(old), self._p(new))

    def unlink(self, path):
        return self._call(self.vfs.unlink, self._p(path))

    def mkdir(self, path, mode):
        return self._call(self.vfs.mkdir, self._p(path))

    def rmdir(self, path):
        return self._call(self.vfs.rmdir, self._p(path))

    def utimens(self, path, times=None):
        mtime = None if times is None else times[1] / 1e9
        return self._call(self.vfs.utimens, self._p(path), mtime)

    def chmod(self, path, mode):
        return self._call(self.vfs.chmod, self._p(path), mode)

    def chown(self, path, uid, gid):
        return self._call(self.vfs.chmod, self._p(path), 0)  # accepted, like chmod: nothing to change

    def setxattr(self, path, name, value, options, position=0):
        return self._call(self.vfs.setxattr, self._p(path), name, value)

    def getxattr(self, path, name, position=0):
        return self._call(self.vfs.getxattr, self._p(path), name)

    def listxattr(self, path):
        return self._call(self.vfs.listxattr, self._p(path))

    def removexattr(self, path, name):
        return self._call(self.vfs.removexattr, self._p(path), name)

    def destroy(self, path):
        self.vfs.close(wait=2.0)  # a grouping cut short loses only its own work


def serve(vfs: VFS, mountpoint: str, volume_name: str = "photofs", xattrs: bool | None = None) -> None:
    """Serve in the foreground until unmounted (auto_unmount on Linux: a killed
    mount leaves no stale mountpoint)."""
    adapter = FuseAdapter(vfs) if xattrs is None else FuseAdapter(vfs, xattrs)
    fuse = PlusFUSE if fusepy.fuse_version_major == 3 else fusepy.FUSE
    fuse(adapter, mountpoint, **hosts.mount_options(LIBRARY, volume_name))
