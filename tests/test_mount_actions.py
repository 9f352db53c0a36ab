"""Actions through a real FUSE mount, with the tools and call sequences a person's
file manager uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from backends import MountBackend
from photofs.library_folder import LibraryFolder

pytestmark = pytest.mark.mount


@pytest.fixture
def mnt(library_copy, tmp_path, request):
    options = ["--xattrs"] if "finder" in request.node.name else []  # as on macOS
    backend = MountBackend(library_copy, tmp_path / "mnt", *options)
    yield backend.root
    backend.close()


def sh(*cmd, ok=True):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def photos(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".jpg") and not n.startswith(("._", "$")))







def test_changes_show_in_an_open_listing_within_a_second(mnt, library_copy):
    lib = library_copy
    os.listdir(mnt / "sorted")
    other = LibraryFolder(lib)
    from photofs.domain.sorting import SortChange
    other.catalog.apply_sort_change(SortChange(folders_add={("sorted", "Made elsewhere")}))
    deadline = time.monotonic() + 1.5
    while "Made elsewhere" not in os.listdir(mnt / "sorted"):
        assert time.monotonic() < deadline, "not visible within a second"
        time.sleep(0.05)


def test_finder_call_sequence(mnt):
    """What Finder does on a FUSE volume: .DS_Store, AppleDouble files, xattrs,
    a new folder renamed in place, a drag-copy, and Move to Trash."""
    w2 = mnt / "by-week/1509_2019-04-15"
    name = photos(w2)[0]
    (mnt / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (w2 / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    os.setxattr(w2 / name, "user.com.apple.FinderInfo", b"\0" * 32)
    assert os.getxattr(w2 / name, "user.com.apple.FinderInfo") == b"\0" * 32
    os.mkdir(mnt / "sorted/untitled folder")
    os.rename(mnt / "sorted/untitled folder", mnt / "sorted/Summer")
    (mnt / "sorted/Summer" / f"._{name}").write_bytes(b"\0\5\26\7AppleDouble")
    shutil.copyfile(w2 / name, mnt / "sorted/Summer" / name)
    assert photos(mnt / "sorted/Summer") == [name]
    assert (mnt / "sorted/Summer" / f"._{name}").read_bytes().endswith(b"AppleDouble")
    os.makedirs(mnt / ".Trashes/501", exist_ok=True)
    os.rename(w2 / name, mnt / ".Trashes/501" / name)
    assert name in photos(mnt / "to-delete")
    assert photos(mnt / "sorted/Summer") == []  # queued photos leave every view


def test_xattrs_are_off_by_default_on_linux(mnt):
    w2 = mnt / "by-week/1509_2019-04-15"
    with pytest.raises(OSError) as e:
        os.setxattr(w2 / photos(w2)[0], "user.x", b"1")
    assert e.value.errno == 95  # EOPNOTSUPP: the kernel asks once, not per file


def test_explorer_call_sequence(mnt):
    """What Explorer does: desktop.ini and Thumbs.db, 'New folder' renamed, and
    Delete to the Recycle Bin ($R file moved in, $I info file written)."""
    w2 = mnt / "by-week/1509_2019-04-15"
    name = photos(w2)[0]
    (w2 / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (w2 / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    os.mkdir(mnt / "sorted/New folder")
    os.rename(mnt / "sorted/New folder", mnt / "sorted/Family")
    os.rename(w2 / name, mnt / "sorted/Family" / name)
    assert photos(mnt / "sorted/Family") == [name]
    recycle = mnt / "$RECYCLE.BIN/S-1-5-21-1004336348-1177238915-682003330-1001"
    os.makedirs(recycle)
    os.rename(mnt / "sorted/Family" / name, recycle / "$RA1B2C3.jpg")
    (recycle / "$IA1B2C3.jpg").write_bytes(b"\2\0\0\0info")
    assert photos(mnt / "to-delete") == [name]
    assert sorted(os.listdir(recycle)) == ["$IA1B2C3.jpg"]


@pytest.fixture
def twins_mnt(library, tmp_path):
    """A real mount of four exact copies of one photo (one hash) and one other photo."""
    import datetime as dt
    from images import jpeg_bytes
    from photofs.jobs.add_folder import add_folder
    from photofs.jobs.thumbs import make_thumbs
    photos = tmp_path / "photos"
    copy = jpeg_bytes(seed=5, when=dt.datetime(2019, 4, 9, 12))
    for folder in ("a", "b", "c", "d"):
        (photos / folder).mkdir(parents=True)
        (photos / folder / "IMG_0001.jpg").write_bytes(copy)
    (photos / "other.jpg").write_bytes(jpeg_bytes(seed=6, when=dt.datetime(2019, 4, 10, 12)))
    add_folder(library, photos, progress=False)
    make_thumbs(library, progress=False)
    backend = MountBackend(library.path, tmp_path / "mnt")
    yield backend.root, library
    backend.close()


def test_rm_of_two_twins_removes_exactly_those_two(twins_mnt):
    mnt, lib = twins_mnt
    week = mnt / "by-week/1508_2019-04-08"
    before = photos(week)
    twins = [n for n in before if "~" in n]
    assert len(twins) == 3 and len(before) == 5  # the plain one, three twins, the other photo
    plain = twins[0][:16] + ".jpg"
    assert plain in before
    gone = twins[:2]
    sh("rm", *(week / n for n in gone))  # one command, the second name read before the first delete
    assert photos(week) == sorted(set(before) - set(gone))  # nobody else was renamed
    assert photos(mnt / "to-delete") == sorted(gone)
    queued = set(lib.catalog.load_sort_state()[2])
    assert queued == {int(n.split("~")[1][:-4]) for n in gone}  # the suffix is the catalog id
    r = sh("rm", week / gone[0], ok=False)  # a stale window: the name is gone, and names no other
    assert "No such file" in r.stderr
    assert set(lib.catalog.load_sort_state()[2]) == queued


def test_a_plain_name_is_not_handed_on_when_a_job_changes_the_catalog_under_the_mount(twins_mnt):
    """The copy that is `<phash>.jpg` goes missing (add-folder found its file gone) while
    the mount runs: its name names nobody, and every other copy keeps its own."""
    mnt, lib = twins_mnt
    week = mnt / "by-week/1508_2019-04-08"
    before = photos(week)
    plain = next(n for n in before if "~" not in n and any(m.startswith(n[:16] + "~") for m in before))
    holder = min(i.id for i in lib.catalog.items() if i.phash == plain[:16])
    lib.catalog.mark_missing([holder])
    deadline = time.monotonic() + 10
    while plain in photos(week):  # the mount looks at the catalog each second, and builds the next state aside
        assert time.monotonic() < deadline, "the change never showed"
        time.sleep(0.1)
    assert photos(week) == sorted(set(before) - {plain})  # nobody renamed, nobody took the name
    r = sh("rm", week / plain, ok=False)  # a stale window deletes it: it names no other copy
    assert "No such file" in r.stderr and set(lib.catalog.load_sort_state()[2]) == set()
    time.sleep(1.1)  # the kernel's entry_timeout: it forgets the name, and asks again
    assert not (week / plain).exists()
