"""`photofs mount` / `umount`: start the FUSE server as a background process and
wait until the mount answers, or report why it did not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from photofs.errors import PhotofsError


def check_mountpoint(mountpoint: Path) -> None:
    from photofs.adapters.hosts import check_mountpoint as check_for
    check_for(sys.platform, str(mountpoint))


def check_fuse_available() -> None:
    """A FUSE library for this system, or one line saying which driver to install and where."""
    if sys.platform.startswith("linux") and not os.path.exists("/dev/fuse"):
        raise PhotofsError("/dev/fuse is missing: load the fuse kernel module (modprobe fuse) or use `photofs serve --webdav`")
    from photofs.adapters.hosts import find_fuse_library
    find_fuse_library(sys.platform)
    try:
        import photofs.adapters.fuse  # noqa: F401  (loads the library)
    except ImportError as e:
        raise PhotofsError(str(e)) from None


def choose_backend(asked: str, platform: str = sys.platform) -> str:
    """`auto` is WinFsp's native API where winfspy is installed (Windows), else FUSE."""
    if asked == "winfsp" or (asked == "auto" and platform == "win32"):
        try:
            import photofs.adapters.winfsp  # noqa: F401
            return "winfsp"
        except ImportError as e:
            if asked == "winfsp":
                where = "" if platform == "win32" else " (it runs only on Windows; use --backend fuse)"
                raise PhotofsError(f"--backend winfsp: {e}{where}") from None
    return "fuse"


def mount_in_background(library: Path, mountpoint: Path, log_path: Path, options: list[str] = (),
                        timeout: float = 30.0) -> int:
    """Start `photofs mount --foreground` detached; return its pid once the mount answers."""
    check_mountpoint(mountpoint)
    if "winfsp" not in options:
        check_fuse_available()
    cmd = [sys.executable, "-m", "photofs", "--library", str(library), "mount", str(mountpoint), "--foreground", *options]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.ismount(mountpoint):
            return proc.pid
        if proc.poll() is not None:
            raise PhotofsError(f"mount failed: {_last_line(log_path)}")
        time.sleep(0.05)
    proc.terminate()
    raise PhotofsError(f"mount did not come up within {timeout:.0f}s; see {log_path}")


def unmount(mountpoint: Path) -> None:
    if not os.path.ismount(mountpoint):
        raise PhotofsError(f"{mountpoint}: nothing is mounted there")
    for tool in ("fusermount3", "fusermount", "umount"):
        exe = shutil.which(tool)
        if exe is None:
            continue
        args = [exe, str(mountpoint)] if tool == "umount" else [exe, "-u", str(mountpoint)]
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode == 0:
            return
        last = (result.stderr or result.stdout).strip().splitlines()
        raise PhotofsError(f"cannot unmount {mountpoint}: {last[-1] if last else 'unknown error'} (close files open in it and try again)")
    raise PhotofsError("no unmount tool found (fusermount3, fusermount or umount)")


def _last_line(path: Path) -> str:
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return "unknown error"
    return lines[-1] if lines else "unknown error"
