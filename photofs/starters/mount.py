"""`photofs mount` / `umount`: serve the mount here until it is unmounted or
stopped, or start that server as a background process and wait until the mount
answers (or report why it did not); unmount photofs' own mounts only.

A stop (Ctrl-C, SIGTERM, SIGHUP) is a clean unmount: the FUSE loop runs on a
thread, so the signal reaches Python here, which unmounts; the loop then ends as
after `photofs umount`. Exit status 0, or 130 after Ctrl-C. A second signal stops
at once (libfuse's auto_unmount helper still unmounts).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from photofs.errors import PhotofsError

log = logging.getLogger(__name__)
STOP_SIGNALS = [s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None]


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
    # -P: the current folder is not on sys.path, so a folder named `photofs` there
    # (a library at ~/photofs used from ~, a clone's parent) cannot stand in for the
    # package. From /, so the server keeps no folder of the user's busy.
    cmd = [sys.executable, "-P", "-m", "photofs", "--library", str(library), "mount", str(mountpoint),
           "--foreground", *options]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                cwd=Path(library).anchor or None)
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
    """Unmount a photofs mount; anything else mounted there (a NAS share, a tmpfs) is refused."""
    if not os.path.ismount(mountpoint):
        raise PhotofsError(f"{mountpoint}: nothing is mounted there")
    from photofs.adapters.hosts import is_photofs_mount, mounted_here
    found = mounted_here(str(mountpoint))
    if found is not None and not is_photofs_mount(*found):
        raise PhotofsError(f"{mountpoint}: not a photofs mount ({found[0]}, type {found[1]}, is mounted there); "
                           f"photofs umount unmounts only photofs mounts")
    _unmount(mountpoint)


def _unmount(mountpoint: Path, lazy: bool = False) -> None:
    for tool in ("fusermount3", "fusermount", "umount"):
        exe = shutil.which(tool)
        if exe is None:
            continue
        if tool == "umount":
            args = [exe, *(["-l"] if lazy and sys.platform.startswith("linux") else ["-f"] if lazy else []), str(mountpoint)]
        else:
            args = [exe, "-uz" if lazy else "-u", str(mountpoint)]
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


def serve_fuse(vfs, mountpoint: Path, volume_name: str, xattrs: bool | None) -> int:
    """Serve here until unmounted or stopped; the exit status (0, or 130 after Ctrl-C)."""
    from photofs.adapters.fuse import serve
    if sys.platform == "win32":  # WinFsp's FUSE layer stops on Ctrl-C by itself
        serve(vfs, str(mountpoint), volume_name, xattrs=xattrs)
        return 0
    stopped: list[int] = []
    failed: list[BaseException] = []

    def run():
        try:
            serve(vfs, str(mountpoint), volume_name, xattrs=xattrs)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            failed.append(e)

    def stop(signum, _frame):
        if stopped:
            os._exit(128 + signum)  # asked twice: stop now
        stopped.append(signum)
        print(f"photofs: {signal.Signals(signum).name}: unmounting {mountpoint}", file=sys.stderr, flush=True)
        threading.Thread(target=_unmount_for_stop, args=(mountpoint, server), daemon=True).start()

    server = threading.Thread(target=run, name="fuse")
    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}  # libfuse then leaves them to us
    try:
        with _without_helper_noise():
            server.start()
            while server.is_alive():
                server.join(0.2)  # returns now and then, so a signal's handler runs here
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if failed and not stopped:
        raise failed[0]
    if failed:
        log.info("after the stop: %s", failed[0])
    return 130 if stopped and stopped[0] == signal.SIGINT else 0


def _unmount_for_stop(mountpoint: Path, server: threading.Thread) -> None:
    """Unmount once the mount is up; busy (a shell inside, a file open) means detach:
    the mount leaves now, and the server ends when the last file is closed."""
    deadline = time.monotonic() + 30
    while server.is_alive() and not os.path.ismount(mountpoint) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.is_alive() or not os.path.ismount(mountpoint):
        return
    try:
        _unmount(mountpoint)
    except PhotofsError:
        log.warning("%s is busy: detached; the server ends when the last file open in it is closed", mountpoint)
        try:
            _unmount(mountpoint, lazy=True)
        except PhotofsError as e:
            log.warning("%s", e)


_HELPER_NOISE = re.compile(rb"^fusermount3?: .* not mounted\r?\n?$")


@contextmanager
def _without_helper_noise():
    """libfuse's auto_unmount helper (a fusermount3 that outlives the mount, so that a
    killed server leaves no stale mountpoint) shares our stderr, and after a clean
    unmount it says `fusermount3: ... not mounted`. Every other line passes through."""
    if not sys.platform.startswith("linux"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump():
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if not _HELPER_NOISE.match(line):
                    os.write(saved, line)

    threading.Thread(target=pump, name="stderr", daemon=True).start()
    try:
        yield
    finally:
        sys.stderr.flush()
        time.sleep(0.2)  # the helper speaks as the server lets go of the mount
        os.dup2(saved, 2)
