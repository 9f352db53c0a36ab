"""One interface over the two ways to look at the tree: the VFS in-process, or a
real FUSE mount through the operating system. Contract tests run against both."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

from photofs.vfs import PhotoVFS, VFSError


class VFSBackend:
    kind = "vfs"

    def __init__(self, library: Path):
        self.vfs = PhotoVFS(library, refresh_seconds=0)

    def close(self):
        self.vfs.close()

    def listdir(self, path: str) -> list[str]:
        return sorted(name for name, _ in self.vfs.listdir(path))

    def stat(self, path: str) -> tuple[bool, int, float]:
        st = self.vfs.stat(path)
        return st.is_dir, st.size, st.mtime

    def read(self, path: str) -> bytes:
        return self.vfs.read_file(path)

    def errno_of(self, op: str, path: str, *args) -> int:
        try:
            getattr(self.vfs, op)(path, *args)
        except VFSError as e:
            return e.errno
        return 0


class MountBackend:
    kind = "mount"

    def __init__(self, library: Path, mountpoint: Path):
        self.root = mountpoint
        mountpoint.mkdir(exist_ok=True)
        run_photofs("--library", str(library), "mount", str(mountpoint), check=True)

    def close(self):
        unmount(self.root)

    def _p(self, path: str) -> str:
        return str(self.root) + path

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(self._p(path)))

    def stat(self, path: str) -> tuple[bool, int, float]:
        st = os.stat(self._p(path))
        return (st.st_mode & 0o170000) == 0o040000, st.st_size, st.st_mtime_ns / 1e9

    def read(self, path: str) -> bytes:
        with open(self._p(path), "rb") as f:
            return f.read()

    def errno_of(self, op: str, path: str, *args) -> int:
        p = self._p(path)
        calls = {
            "stat": lambda: os.stat(p),
            "listdir": lambda: os.listdir(p),
            "read_file": lambda: open(p, "rb").read(),
            "mkdir": lambda: os.mkdir(p),
            "rmdir": lambda: os.rmdir(p),
            "unlink": lambda: os.unlink(p),
            "rename": lambda: os.rename(p, self._p(args[0])),
            "create": lambda: open(p, "xb").close(),
        }
        try:
            calls[op]()
        except OSError as e:
            return e.errno
        return 0


def run_photofs(*args: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real console entry point, in a subprocess."""
    result = subprocess.run([sys.executable, "-m", "photofs", *args], capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"photofs {' '.join(args)} failed: {result.stderr}")
    return result


def unmount(mountpoint: Path) -> None:
    if not os.path.ismount(mountpoint):
        return
    for _ in range(50):  # a file manager (or a test) may still hold a file open for a moment
        if subprocess.run(["fusermount3", "-u", str(mountpoint)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["fusermount3", "-uz", str(mountpoint)], capture_output=True)


ENOENT, ENOTDIR, EISDIR, EPERM, ENOTEMPTY = errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EPERM, errno.ENOTEMPTY
