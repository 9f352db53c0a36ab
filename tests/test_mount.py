"""The real FUSE mount, driven by the tools a user would use."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from dataclasses import dataclass
from pathlib import Path

import pytest

from backends import run_photofs, unmount
from conftest import assert_one_error_line
from photofs.jobs.add_folder import add_folder
from photofs.jobs.thumbs import make_thumbs

pytestmark = pytest.mark.mount


@pytest.fixture
def mounted(library, originals, tmp_path):
    add_folder(library, originals, progress=False)
    make_thumbs(library, progress=False)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    result = run_photofs("--library", str(library.path), "mount", str(mnt))
    try:
        assert result.returncode == 0, result.stderr
        assert "mounted" in result.stdout and os.path.ismount(mnt)
        yield Mounted(mnt, int(re.search(r"\(pid (\d+)\)", result.stdout).group(1)))
    finally:
        unmount(mnt)


@dataclass
class Mounted:
    path: Path
    pid: int  # the server's pid, as `photofs mount` reported it


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


def test_ls_find_stat_cat_cp(mounted, tmp_path, library):
    listing = sh("ls", "-lR", str(mounted.path))
    assert "1508_2019-04-08" in listing and "before-birth" in listing
    files = sh("find", str(mounted.path / "by-week"), "-type", "f", "-name", "*.jpg").split()
    assert len(files) == len(library.catalog.items())
    one = files[0]
    size = int(sh("stat", "-c", "%s", one))
    assert len(sh_bytes("cat", one)) == size
    out = tmp_path / "out"
    out.mkdir()
    sh("cp", "-p", *files, str(out))  # Explorer-style "copy everything out"
    copied = sorted(os.listdir(out))
    assert len(copied) == len(set(os.path.basename(f) for f in files))
    assert (out / os.path.basename(one)).read_bytes() == sh_bytes("cat", one)
    assert os.stat(out / os.path.basename(one)).st_mtime == os.stat(one).st_mtime  # capture time survives cp -p


def sh_bytes(*cmd: str) -> bytes:
    return subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout


def test_the_mount_sees_new_photos_without_remounting(mounted, library, originals, tmp_path):
    from images import jpeg_bytes
    import datetime as dt
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "new.jpg").write_bytes(jpeg_bytes(seed=500, when=dt.datetime(2021, 3, 3, 10)))
    add_folder(library, extra, progress=False)
    make_thumbs(library, progress=False)
    folder = library.calendar.folder_name(library.calendar.week_of_date(dt.date(2021, 3, 3)))
    for _ in range(50):
        if folder in os.listdir(mounted.path / "by-week"):
            break
        time.sleep(0.1)
    assert len(os.listdir(mounted.path / "by-week" / folder)) == 1


def test_unknown_content_is_refused_and_the_mount_stays(mounted):
    with pytest.raises(OSError) as e:
        (mounted.path / "sorted" / "holiday.jpg").write_bytes(b"not one of ours")
    assert e.value.errno == 1  # EPERM
    assert os.path.ismount(mounted.path)


def test_killed_mount_leaves_no_stale_mountpoint(mounted):
    os.kill(mounted.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30  # fusermount3 notices the dead server; on a loaded machine that can take seconds
    while os.path.ismount(mounted.path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.ismount(mounted.path)
    assert os.listdir(mounted.path) == []  # usable again, no "Transport endpoint is not connected"


def test_umount_command(mounted, library):
    result = run_photofs("--library", str(library.path), "umount", str(mounted.path))
    assert result.returncode == 0, result.stderr
    assert not os.path.ismount(mounted.path)


def test_mount_errors_are_one_line(library, tmp_path):
    lib = ["--library", str(library.path)]
    r = run_photofs(*lib, "mount", str(tmp_path / "missing"))
    assert_one_error_line(r.returncode, r.stderr, "mountpoint does not exist")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    r = run_photofs(*lib, "mount", str(full))
    assert_one_error_line(r.returncode, r.stderr, "not empty")
    r = run_photofs(*lib, "mount", str(full / "x"))
    assert_one_error_line(r.returncode, r.stderr, "not a folder")
    r = run_photofs("--library", str(tmp_path / "nolib"), "mount", str(tmp_path))
    assert_one_error_line(r.returncode, r.stderr, "not a photofs library")
    r = run_photofs(*lib, "umount", str(full))
    assert_one_error_line(r.returncode, r.stderr, "nothing is mounted")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_photofs(*lib, "mount", str(empty), "--backend", "winfsp")
    assert_one_error_line(r.returncode, r.stderr, "--backend winfsp", "winfspy", "only on Windows")
    r = subprocess.run([sys.executable, "-m", "photofs", *lib, "mount", str(empty)], capture_output=True, text=True,
                       env={**os.environ, "FUSE_LIBRARY_PATH": "/nowhere/libfuse3.so"})
    assert_one_error_line(r.returncode, r.stderr, "FUSE_LIBRARY_PATH=/nowhere/libfuse3.so: no such file")
    assert not os.path.ismount(empty)


def test_mounting_twice_is_refused(mounted, library):
    r = run_photofs("--library", str(library.path), "mount", str(mounted.path))
    assert_one_error_line(r.returncode, r.stderr, "already mounted")


def test_foreground_mount_serves_until_unmounted(library, originals, tmp_path):
    add_folder(library, originals, progress=False)
    make_thumbs(library, progress=False)
    mnt = tmp_path / "fg"
    mnt.mkdir()
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "photofs", "--library", str(library.path), "mount", str(mnt),
                             "--foreground"], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            if os.path.ismount(mnt):
                break
            time.sleep(0.05)
        assert "by-week" in os.listdir(mnt)
        unmount(mnt)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
