"""Actions on the VFS directly, for breadth: what only the VFS can be asked (the
scratch space, xattrs, trash folders, every refusal, threads). What each action
means is one suite run on the VFS, a real mount and WebDAV: test_write_contract.py."""

from __future__ import annotations

import errno

import pytest

from photofs.domain.sorting import VIEWS
from photofs.vfs import PhotoVFS, VFSError
from vfs_helpers import W1, W2, dirs, everywhere, files, one


def err(fn, *args) -> int:
    with pytest.raises(VFSError) as e:
        fn(*args)
    return e.value.errno


def queued(fs):
    return {i for i in fs.lib.catalog.load_sort_state()[2]}


# -- moving and deleting -----------------------------------------------------------

def test_a_photo_can_be_pinned_into_a_similar_group(fs):
    group = next(d for d in dirs(fs, "/by-similar") if "_4-photos_" in d)
    name = one(fs)
    fs.rename(f"{W2}/{name}", f"/by-similar/{group}/{name}")
    assert name in files(fs, f"/by-similar/{group}")


def test_emptied_default_folders_disappear_and_rm_r_completes(fs):
    for name in files(fs, W2):
        fs.unlink(f"{W2}/{name}")
    assert "1509_2019-04-15" not in dirs(fs, "/by-week")
    fs.rmdir(W2)  # rm -r's last step on a folder that emptied under it
    assert err(fs.rmdir, "/by-week/0001_1990-05-21") == errno.ENOENT


# -- copying ----------------------------------------------------------------------

def copy(fs, src, dst):
    data = fs.read_file(src)
    fh = fs.create(dst)
    for i in range(0, len(data), 4096):  # the kernel writes in pieces
        fs.write(fh, data[i:i + 4096], i)
    fs.flush(fh)
    fs.release(fh)


def test_copy_of_a_folder_into_itself_is_refused(fs):
    fs.mkdir("/sorted/A")
    name = one(fs)
    fs.rename(f"{W2}/{name}", f"/sorted/A/{name}")
    assert err(fs.copy, "/sorted/A", "/sorted/A/B") == errno.EINVAL
    assert dirs(fs, "/sorted/A") == [] and files(fs, "/sorted/A") == [name]
    fs.copy("/sorted/A", "/sorted/A2", recursive=False)  # Depth 0: the folder alone
    assert files(fs, "/sorted/A2") == [] and "A2" in dirs(fs, "/sorted")


def test_copy_under_a_file_manager_name_is_accepted(fs):
    name = one(fs)
    copy(fs, f"{W2}/{name}", f"/sorted/{name[:16]} copy.jpg")
    assert files(fs, "/sorted") == [name]



def test_writing_over_a_photo_is_refused_and_it_is_unchanged(fs):
    name = one(fs)
    before = fs.read_file(f"{W2}/{name}")
    fh = fs.open(f"{W2}/{name}", write=True, truncate=True)
    fs.write(fh, b"edited!", 0)
    assert err(fs.flush, fh) == errno.EPERM
    fs.release(fh)
    assert fs.read_file(f"{W2}/{name}") == before


# -- desktops ----------------------------------------------------------------------

def test_desktop_files_live_in_scratch_and_never_count_as_photos(fs):
    for path in ["/.DS_Store", f"{W2}/.DS_Store", f"{W2}/._x.jpg", "/sorted/desktop.ini", f"{W2}/Thumbs.db"]:
        fh = fs.create(path)
        fs.write(fh, b"desktop says hi", 0)
        fs.release(fh)
        assert fs.read_file(path) == b"desktop says hi"
    assert ".DS_Store" in [n for n, _ in fs.listdir(W2)]
    assert fs.lib.catalog.load_sort_state() == ([], [], [])
    fs.unlink(f"{W2}/.DS_Store")
    assert ".DS_Store" not in [n for n, _ in fs.listdir(W2)]


@pytest.mark.parametrize("trash", ["/.Trashes/501", "/$RECYCLE.BIN/S-1-5-21-1004", "/.Trash-1000/files"])
def test_a_move_into_a_trash_folder_is_a_delete(fs, trash):
    parts = trash.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        fs.mkdir("/" + "/".join(parts[:i]))
    name = one(fs)
    fs.rename(f"{W2}/{name}", f"{trash}/$R{name}")
    assert everywhere(fs, name[:16]) == [f"/to-delete/{name}"]


def test_recycling_a_user_folder_queues_everything_in_it(fs):
    fs.mkdir("/$RECYCLE.BIN")
    fs.mkdir("/sorted/Old")
    for n in files(fs, W2)[:2]:
        fs.rename(f"{W2}/{n}", f"/sorted/Old/{n}")
    fs.rename("/sorted/Old", "/$RECYCLE.BIN/$RXYZ")
    assert dirs(fs, "/sorted") == [] and len(queued(fs)) == 2


def test_xattrs_are_kept_in_memory(fs):
    path = f"{W2}/{one(fs)}"
    fs.setxattr(path, "com.apple.FinderInfo", b"\0" * 32)
    assert fs.getxattr(path, "com.apple.FinderInfo") == b"\0" * 32
    assert fs.listxattr(path) == ["com.apple.FinderInfo"]
    fs.removexattr(path, "com.apple.FinderInfo")
    assert err(fs.getxattr, path, "com.apple.FinderInfo") == 61
    assert err(fs.setxattr, "/nope", "a", b"") == errno.ENOENT


# -- what is refused, precisely ---------------------------------------------------

@pytest.mark.parametrize("op, args, code", [
    ("mkdir", ("/by-week/1508_2019-04-08",), errno.EEXIST),
    ("mkdir", ("/my-view",), errno.EPERM),
    ("mkdir", ("/to-delete/x",), errno.EPERM),
    ("mkdir", ("/sorted/a/b",), errno.ENOENT),
    ("rmdir", ("/sorted",), errno.EPERM),
    ("rmdir", ("/",), errno.EPERM),
    ("rename", (W1, "/by-week/renamed"), errno.EPERM),
    ("rename", ("/by-week/1508_2019-04-08", "/sorted/x"), errno.EPERM),
    ("unlink", (W1,), errno.EISDIR),
    ("unlink", ("/sorted/nothing.jpg",), errno.ENOENT),
    ("rename", ("/.DS_Store-nope", "/x"), errno.ENOENT),
])
def test_refusals(fs, op, args, code):
    assert err(getattr(fs, op), *args) == code


def test_a_user_folder_cannot_move_to_another_view(fs):
    fs.mkdir("/sorted/Mine")
    assert err(fs.rename, "/sorted/Mine", "/by-week/Mine") == errno.EPERM
    assert err(fs.rename, "/sorted/Mine", "/sorted/Mine/inside") == errno.EINVAL



def test_another_process_changing_the_catalog_shows_up(fs):
    other = PhotoVFS(fs.lib.path, refresh_seconds=0)
    other.mkdir("/sorted/From elsewhere")
    assert "From elsewhere" in dirs(fs, "/sorted")


def test_views_list_every_view():
    assert VIEWS[0] == "by-week" and VIEWS[-2:] == ("sorted", "to-delete")


def test_listing_while_another_thread_moves_photos(fs):
    import threading
    names = files(fs, W2)
    fs.mkdir("/sorted/Busy")
    errors, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                for path in ("/by-week", W1, W2, "/sorted/Busy", "/to-delete", "/by-similar"):
                    fs.listdir(path) if fs.stat(path).is_dir else None
            except VFSError as e:
                if e.errno != errno.ENOENT:  # a folder may empty and vanish between stat and list
                    errors.append(e)
            except Exception as e:  # noqa: BLE001 - anything else is the bug this test is for
                errors.append(e)

    import sys
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(15):
            for n in names:
                fs.rename(f"{W2}/{n}", f"/sorted/Busy/{n}")
                fs.unlink(f"/sorted/Busy/{n}")
                fs.rename(f"/to-delete/{n}", f"{W2}/{n}")
    finally:
        stop.set()
        for t in threads:
            t.join()
        sys.setswitchinterval(interval)
    assert errors == []
    assert files(fs, W2) == names
