"""/by-similar/ group names count the photos they show (issue 16, item 7): a photo
deleted in the mount (queued) is in /to-delete/, not in its group's count; in the
VFS and in a real mount, at once and after a remount."""

from __future__ import annotations

import os
import re

import pytest

from backends import run_photofs, unmount

COUNT = re.compile(r"^([0-9a-f]{16})_(\d+)-photos_")


def groups(listing):
    return {COUNT.match(n).group(1): (n, int(COUNT.match(n).group(2))) for n in listing}


def test_a_group_counts_what_it_lists(fs):
    best, (name, n) = max(groups(n for n, _ in fs.listdir("/by-similar")).items(), key=lambda g: g[1][1])
    assert n >= 3 and len(fs.listdir(f"/by-similar/{name}")) == n
    photo = sorted(f for f, _ in fs.listdir(f"/by-similar/{name}"))[-1]
    fs.unlink(f"/by-similar/{name}/{photo}")
    renamed, shown = groups(n for n, _ in fs.listdir("/by-similar"))[best]
    assert shown == n - 1 and len(fs.listdir(f"/by-similar/{renamed}")) == n - 1
    assert fs.stat(f"/by-similar/{name}").is_dir  # the old name (an open window) still finds the group
    fs.mkdir("/sorted/Keep")
    other = sorted(f for f, _ in fs.listdir(f"/by-similar/{renamed}"))[0]
    fs.rename(f"/by-similar/{renamed}/{other}", f"/sorted/Keep/{other}")  # a move elsewhere: still in the group
    assert groups(n for n, _ in fs.listdir("/by-similar"))[best][1] == n - 1
    fs.rename(f"/to-delete/{photo}", f"/by-similar/{renamed}/{photo}")  # taken back off the queue
    assert groups(n for n, _ in fs.listdir("/by-similar"))[best] == (name, n)


@pytest.mark.mount
def test_in_a_real_mount_and_after_a_remount(library_copy, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    assert run_photofs("-L", str(library_copy), "mount", str(mnt)).returncode == 0
    try:
        best, (name, n) = max(groups(os.listdir(mnt / "by-similar")).items(), key=lambda g: g[1][1])
        os.remove(mnt / "by-similar" / name / sorted(os.listdir(mnt / "by-similar" / name))[0])
        after = groups(os.listdir(mnt / "by-similar"))[best]
        assert after[1] == n - 1 == len(os.listdir(mnt / "by-similar" / after[0]))
        unmount(mnt)
        assert run_photofs("-L", str(library_copy), "mount", str(mnt)).returncode == 0
        again = groups(os.listdir(mnt / "by-similar"))[best]
        assert again == after and len(os.listdir(mnt / "by-similar" / again[0])) == n - 1
    finally:
        unmount(mnt)
