"""FUSE adapter through mfusepy (fusepy's maintained successor; fusepy as fallback).

Only translation lives here: paths and handles in, VFS calls, errno out.
"""

from __future__ import annotations

import errno
import logging
import os

try:
    import mfusepy as fusepy
except ImportError:  # pragma: no cover - only when just fusepy is installed
    import fuse as fusepy  # type: ignore[no-redef]
except OSError as e:  # libfuse itself is missing: say what to install, not a traceback
    raise ImportError(f"libfuse is not installed ({e})") from e

from photofs.vfs import PhotoVFS, Stat, VFSError

log = logging.getLogger(__name__)


class FuseAdapter(fusepy.Operations):
    use_ns = True  # mfusepy: times in nanoseconds

    def __init__(self, vfs: PhotoVFS):
        self.vfs = vfs
        self.uid, self.gid = os.getuid(), os.getgid()

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
        return self._attrs(self._call(self.vfs.stat, path))

    def readdir(self, path, fh):
        entries = self._call(self.vfs.listdir, path)
        return [".", ".."] + [(name, self._attrs(st), 0) for name, st in entries]

    def open(self, path, flags):
        write = bool(flags & (os.O_WRONLY | os.O_RDWR))
        return self._call(self.vfs.open, path, write, bool(flags & os.O_TRUNC))

    def create(self, path, mode, fi=None):
        return self._call(self.vfs.create, path)

    def read(self, path, size, offset, fh):
        return self._call(self.vfs.read, fh, size, offset)

    def write(self, path, data, offset, fh):
        return self._call(self.vfs.write, fh, data, offset)

    def truncate(self, path, length, fh=None):
        return self._call(self.vfs.truncate, path, length)

    def flush(self, path, fh):
        return self._call(self.vfs.flush, fh)

    def release(self, path, fh):
        self.vfs.release(fh)
        return 0

    def statfs(self, path):
        return {"f_bsize": 4096, "f_frsize": 4096, "f_blocks": 0, "f_bfree": 0, "f_bavail": 0,
                "f_files": 0, "f_ffree": 0, "f_namemax": 255}

    def rename(self, old, new):
        return self._call(self.vfs.rename, old, new)

    def unlink(self, path):
        return self._call(self.vfs.unlink, path)

    def mkdir(self, path, mode):
        return self._call(self.vfs.mkdir, path)

    def rmdir(self, path):
        return self._call(self.vfs.rmdir, path)

    def utimens(self, path, times=None):
        mtime = None if times is None else times[1] / 1e9
        return self._call(self.vfs.utimens, path, mtime)

    def chmod(self, path, mode):
        return self._call(self.vfs.chmod, path, mode)

    def chown(self, path, uid, gid):
        return self._call(self.vfs.chmod, path, 0)  # accepted, like chmod: nothing to change

    def setxattr(self, path, name, value, options, position=0):
        return self._call(self.vfs.setxattr, path, name, value)

    def getxattr(self, path, name, position=0):
        return self._call(self.vfs.getxattr, path, name)

    def listxattr(self, path):
        return self._call(self.vfs.listxattr, path)

    def removexattr(self, path, name):
        return self._call(self.vfs.removexattr, path, name)

    def destroy(self, path):
        self.vfs.close()


def serve(vfs: PhotoVFS, mountpoint: str, volume_name: str = "photofs") -> None:
    """Serve in the foreground until unmounted. auto_unmount: a killed mount leaves no stale mountpoint."""
    # Short entry/attr timeouts: a change made by another process (or a job adding
    # photos) shows in an open listing within a second.
    fusepy.FUSE(FuseAdapter(vfs), mountpoint, foreground=True, fsname=volume_name, auto_unmount=True,
                default_permissions=True, entry_timeout=1.0, attr_timeout=1.0, negative_timeout=0.0)
