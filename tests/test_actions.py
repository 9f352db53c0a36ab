"""Every action a user can take in a file manager, on the VFS directly."""

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


def one(fs, folder=W2):
    """A photo in a folder that has no twin, so its hash names it alone."""
    names = files(fs, folder)
    return next(n for n in names if "~" not in n and sum(m.startswith(n[:16]) for m in names) == 1)


def queued(fs):
    return {i for i in fs.lib.catalog.load_sort_state()[2]}


# -- delete and the queue ------------------------------------------------------

def test_delete_queues_and_the_photo_leaves_every_view(fs):
    name = one(fs)
    assert len(everywhere(fs, name[:16])) >= 5
    fs.unlink(f"{W2}/{name}")
    assert everywhere(fs, name[:16]) == [f"/to-delete/{name}"]
    assert len(queued(fs)) == 1


def test_moving_out_of_to_delete_takes_it_back(fs):
    name = one(fs)
    before = everywhere(fs, name[:16])
    fs.unlink(f"{W2}/{name}")
    fs.rename(f"/to-delete/{name}", f"{W2}/{name}")
    assert everywhere(fs, name[:16]) == before
    assert queued(fs) == set()
    assert fs.lib.catalog.load_sort_state()[0] == []  # back where the rule puts it: no pin left


def test_deleting_in_to_delete_is_refused(fs):
    name = one(fs)
    fs.unlink(f"{W2}/{name}")
    assert err(fs.unlink, f"/to-delete/{name}") == errno.EPERM


def test_move_into_to_delete_is_a_delete(fs):
    name = one(fs)
    fs.rename(f"{W2}/{name}", f"/to-delete/{name}")
    assert everywhere(fs, name[:16]) == [f"/to-delete/{name}"]


# -- moving between folders ------------------------------------------------------

def test_move_between_weeks_corrects_the_week(fs):
    name = one(fs)
    mtime = fs.stat(f"{W2}/{name}").mtime
    fs.rename(f"{W2}/{name}", f"{W1}/{name}")
    assert name not in files(fs, W2) and name in files(fs, W1)
    assert fs.stat(f"{W1}/{name}").mtime == mtime  # still sorts by when it was taken
    assert f"/by-gallery/2019-04 trip 2/{name}" in everywhere(fs, name[:16])  # other views keep their rule
    fs.rename(f"{W1}/{name}", f"{W2}/{name}")
    assert fs.lib.catalog.load_sort_state()[0] == []


def test_sorted_folders_nest_and_refile(fs):
    name = one(fs)
    fs.mkdir("/sorted/Trips")
    fs.mkdir("/sorted/Trips/Italy")
    fs.mkdir("/sorted/Best")
    assert dirs(fs, "/sorted") == ["Best", "Trips"] and dirs(fs, "/sorted/Trips") == ["Italy"]
    fs.rename(f"{W2}/{name}", f"/sorted/Trips/Italy/{name}")
    assert files(fs, "/sorted/Trips/Italy") == [name]
    assert name in files(fs, W2)  # filing it does not take it out of its week
    fs.rename(f"/sorted/Trips/Italy/{name}", f"/sorted/Best/{name}")  # re-filed
    assert files(fs, "/sorted/Trips/Italy") == [] and files(fs, "/sorted/Best") == [name]
    fs.rename(f"{W2}/{name}", f"/sorted/{name}")  # from another view: filed there instead
    assert files(fs, "/sorted/Best") == [] and files(fs, "/sorted") == [name]


def test_renaming_a_user_folder_takes_its_photos_along(fs):
    name = one(fs)
    fs.mkdir("/sorted/untitled folder")
    fs.mkdir("/sorted/untitled folder/inner")
    fs.rename(f"{W2}/{name}", f"/sorted/untitled folder/inner/{name}")
    fs.rename("/sorted/untitled folder", "/sorted/Holidays")
    assert dirs(fs, "/sorted") == ["Holidays"]
    assert files(fs, "/sorted/Holidays/inner") == [name]
    fresh = PhotoVFS(fs.lib.path, refresh_seconds=0)  # and so it stays after a remount
    assert files(fresh, "/sorted/Holidays/inner") == [name]


def test_user_folders_in_any_view(fs):
    name = one(fs)
    fs.mkdir("/by-week/keep")
    fs.rename(f"{W2}/{name}", f"/by-week/keep/{name}")
    assert files(fs, "/by-week/keep") == [name] and name not in files(fs, W2)
    assert err(fs.rmdir, "/by-week/keep") == errno.ENOTEMPTY
    fs.rename(f"/by-week/keep/{name}", f"{W2}/{name}")
    fs.rmdir("/by-week/keep")
    assert "keep" not in dirs(fs, "/by-week")


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


def test_rm_r_of_a_user_folder(fs):
    fs.mkdir("/sorted/Trash me")
    names = files(fs, W2)[:3]
    for n in names:
        fs.rename(f"{W2}/{n}", f"/sorted/Trash me/{n}")
    for n in files(fs, "/sorted/Trash me"):
        fs.unlink(f"/sorted/Trash me/{n}")
    fs.rmdir("/sorted/Trash me")
    assert dirs(fs, "/sorted") == [] and len(queued(fs)) == 3


# -- copying ----------------------------------------------------------------------

def copy(fs, src, dst):
    data = fs.read_file(src)
    fh = fs.create(dst)
    for i in range(0, len(data), 4096):  # the kernel writes in pieces
        fs.write(fh, data[i:i + 4096], i)
    fs.flush(fh)
    fs.release(fh)


def test_copy_of_a_known_thumbnail_pins_and_keeps_the_source(fs):
    name = one(fs)
    fs.mkdir("/sorted/A")
    fs.mkdir("/sorted/B")
    fs.rename(f"{W2}/{name}", f"/sorted/A/{name}")
    copy(fs, f"/sorted/A/{name}", f"/sorted/B/{name}")
    assert files(fs, "/sorted/A") == [name] and files(fs, "/sorted/B") == [name]
    copy(fs, f"{W2}/{name}", f"{W1}/{name}")  # copy into another week: shown in both
    assert name in files(fs, W1) and name in files(fs, W2)


def test_copy_under_a_file_manager_name_is_accepted(fs):
    name = one(fs)
    copy(fs, f"{W2}/{name}", f"/sorted/{name[:16]} copy.jpg")
    assert files(fs, "/sorted") == [name]


def test_unknown_content_is_refused(fs):
    name = one(fs)
    fh = fs.create(f"/sorted/{name}")
    fs.write(fh, b"this is not the thumbnail", 0)
    assert err(fs.flush, fh) == errno.EPERM
    fs.release(fh)
    assert files(fs, "/sorted") == [] and fs.lib.catalog.load_sort_state() == ([], [], [])
    assert err(fs.create, "/sorted/my-holiday.jpg") == errno.EPERM
    assert err(fs.create, "/sorted/ffffffffffffffff.jpg") == errno.EPERM  # no such photo


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


def test_a_photo_keeps_its_hash_name(fs):
    name = one(fs)
    assert err(fs.rename, f"{W2}/{name}", f"{W2}/beach.jpg") == errno.EPERM
    assert err(fs.rename, f"{W2}/{name}", f"/by-week/{name}") == errno.EPERM  # a view's top level
    assert err(fs.rename, f"{W2}/{name}", f"/{name}") == errno.EPERM


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
