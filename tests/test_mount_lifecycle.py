"""Starting and stopping a real mount the way a user does (issue 16, items 3-5):
`umount` touches only photofs mounts; Ctrl-C and SIGTERM are clean unmounts, in
the foreground and the background; the background server cannot be shadowed by a
folder named `photofs` in the current folder; a relative library path holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backends import run_photofs, unmount
from conftest import assert_one_error_line
from photofs.adapters.hosts import is_photofs_mount, mounted_here

pytestmark = pytest.mark.mount
PHOTOFS = str(Path(sys.executable).with_name("photofs"))  # the console script a user runs


def wait_for(check, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def in_mount_table(mnt: Path) -> bool:
    return mounted_here(str(mnt)) is not None


@pytest.fixture
def lib_dir(library_copy, tmp_path):
    """(the folder the user is in, the library's name relative to it, a mountpoint)."""
    (tmp_path / "mnt").mkdir()
    return tmp_path, library_copy.name, tmp_path / "mnt"


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_a_stop_is_a_clean_unmount_in_the_foreground(lib_dir, sig, status):
    cwd, lib, mnt = lib_dir
    # A relative library and mountpoint: libfuse moves the server to /, so both are made absolute first.
    proc = subprocess.Popen([PHOTOFS, "-L", lib, "mount", "mnt", "--foreground"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: os.path.ismount(mnt)), proc.stderr.read() if proc.poll() is not None else ""
        assert "by-week" in os.listdir(mnt)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        unmount(mnt)
    assert proc.returncode == status, err
    assert not in_mount_table(mnt)
    assert err.strip().splitlines() == [f"photofs: {signal.Signals(sig).name}: unmounting {mnt}"]
    log = cwd / lib / "photofs.log"
    assert not log.exists() or "Traceback" not in log.read_text()
    assert not Path("/lib/photofs.log").exists()


def test_sigterm_stops_a_background_mount_cleanly(lib_dir):
    cwd, lib, mnt = lib_dir
    r = subprocess.run([PHOTOFS, "-L", lib, "mount", "mnt"], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    pid = int(r.stdout.split("(pid ")[1].split(")")[0])
    try:
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: not _alive(pid)), "the server did not stop"
        assert wait_for(lambda: not in_mount_table(mnt))
    finally:
        unmount(mnt)
    log = (cwd / lib / "photofs.log").read_text()
    assert "SIGTERM: unmounting" in log
    assert "Traceback" not in log and "internal error" not in log and "fusermount" not in log


def test_a_stop_while_busy_detaches_and_ends_when_the_last_file_closes(lib_dir):
    cwd, lib, mnt = lib_dir
    proc = subprocess.Popen([PHOTOFS, "-L", lib, "mount", "mnt", "--foreground"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: os.path.ismount(mnt))
        week = next(n for n in os.listdir(mnt / "by-week") if n[0].isdigit())
        photo = next(iter(os.listdir(mnt / "by-week" / week)))
        with open(mnt / "by-week" / week / photo, "rb") as f:
            proc.send_signal(signal.SIGTERM)
            assert wait_for(lambda: not in_mount_table(mnt))  # gone from the tree at once
            assert f.read(2) == b"\xff\xd8"                  # and the open file still reads
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        unmount(mnt)
    assert proc.returncode == 0


def test_umount_refuses_anything_that_is_not_photofs(tmp_path, capsys):
    from conftest import CLI
    tmpfs = tmp_path / "tmpfs"
    tmpfs.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(tmpfs)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        (tmpfs / "keep.txt").write_text("the user's file")
        assert_one_error_line(*CLI(capsys, None)("umount", tmpfs)[::2], "not a photofs mount", "tmpfs")
        assert os.path.ismount(tmpfs) and (tmpfs / "keep.txt").read_text() == "the user's file"
    finally:
        subprocess.run(["umount", str(tmpfs)], check=True)
    assert_one_error_line(*CLI(capsys, None)("umount", tmpfs)[::2], "nothing is mounted there")


def test_umount_still_unmounts_photofs(lib_dir):
    cwd, lib, mnt = lib_dir
    assert subprocess.run([PHOTOFS, "-L", lib, "mount", "mnt"], cwd=cwd, capture_output=True).returncode == 0
    try:
        r = subprocess.run([PHOTOFS, "umount", "mnt"], cwd=cwd, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert not os.path.ismount(mnt)
    finally:
        unmount(mnt)


def test_the_mount_table_is_read_as_the_system_writes_it():
    linux = ("photofs /tmp/a\\040b fuse rw,nosuid 0 0\n"
             "//nas/photos /mnt/nas cifs rw 0 0\n"
             "tmpfs /mnt/nas tmpfs rw 0 0\n")
    assert mounted_here("/tmp/a b", "linux", read=lambda: linux) == ("photofs", "fuse")
    assert mounted_here("/mnt/nas", "linux", read=lambda: linux) == ("tmpfs", "tmpfs")  # the top of a stack
    assert mounted_here("/elsewhere", "linux", read=lambda: linux) is None
    mac = ("photofs on /Volumes/photos (macfuse, nodev, nosuid, synchronous, mounted by me)\n"
           "//me@nas/photos on /Volumes/nas (smbfs, nodev, nosuid, mounted by me)\n"
           "fuse-t:/photofs on /Volumes/ft (nfs, nodev, nosuid, mounted by me)\n")
    assert mounted_here("/Volumes/photos", "darwin", read=lambda: mac) == ("photofs", "macfuse")
    assert is_photofs_mount(*mounted_here("/Volumes/ft", "darwin", read=lambda: mac))
    assert not is_photofs_mount(*mounted_here("/Volumes/nas", "darwin", read=lambda: mac))


@pytest.mark.parametrize("command", ["mount", "demo"])
def test_a_folder_named_photofs_in_the_current_folder_cannot_shadow_the_server(lib_dir, command):
    cwd, lib, mnt = lib_dir
    # The README's own layout: a library at ~/photofs used from ~ (or a clone's parent folder).
    (cwd / "photofs").mkdir()
    (cwd / "photofs" / "__init__.py").write_text("raise ImportError('the wrong photofs')\n")
    args = [PHOTOFS, "-L", lib, "mount", "mnt"] if command == "mount" else \
        [PHOTOFS, "-L", str(cwd / "demo-library"), "demo", "mnt"]
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    try:
        assert r.returncode == 0, r.stderr
        assert "by-week" in os.listdir(mnt)
    finally:
        unmount(mnt)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not serving.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False
