"""What every action in the mount means, run as one suite against the VFS, a real
FUSE mount and the WebDAV server (tests/backends.py), as rclone's vfstest runs one
suite on every front end: move, delete, copy, mkdir, rmdir, renaming a folder,
taking a photo back out of /to-delete/, and what is refused.

The checks read the catalog itself (the sort state and the queue), so a front end
cannot pass by showing one thing and recording another."""

from __future__ import annotations

import errno

import pytest

from backends import make_backend
from photofs.library_folder import LibraryFolder
from vfs_helpers import W1, W2, dirs, everywhere, files, one


@pytest.fixture(params=["vfs", pytest.param("mount", marks=pytest.mark.mount), "webdav"])
def fe(request, library_copy, tmp_path):
    """A front end over a private copy of the sample library."""
    backend = make_backend(request.param, library_copy, tmp_path)
    backend.library = library_copy
    yield backend
    backend.close()


def sort_state(fe):
    lib = LibraryFolder(fe.library)
    try:
        pins, folders, queued = lib.catalog.load_sort_state()
        return pins, folders, set(queued)
    finally:
        lib.close()


def refused(fn, *args) -> int:
    with pytest.raises(OSError) as e:
        fn(*args)
    return e.value.errno


# -- moving ----------------------------------------------------------------------

def test_a_move_between_weeks_corrects_the_week_and_only_that(fe):
    name = one(fe)
    mtime = fe.stat(f"{W2}/{name}")[2]
    fe.move(f"{W2}/{name}", f"{W1}/{name}")
    assert name not in files(fe, W2) and name in files(fe, W1)
    assert fe.stat(f"{W1}/{name}")[2] == mtime  # still sorts by when it was taken
    assert f"/by-gallery/2019-04 trip 2/{name}" in everywhere(fe, name[:16])  # other views keep their rule
    assert len(sort_state(fe)[0]) == 1
    fe.move(f"{W1}/{name}", f"{W2}/{name}")
    assert name in files(fe, W2) and sort_state(fe)[0] == []  # back where the rule puts it: no pin left


def test_sorted_folders_nest_and_a_photo_is_filed_and_refiled(fe):
    name = one(fe)
    fe.mkdir("/sorted/Trips")
    fe.mkdir("/sorted/Trips/Italy")
    fe.mkdir("/sorted/Best")
    assert dirs(fe, "/sorted") == ["Best", "Trips"] and dirs(fe, "/sorted/Trips") == ["Italy"]
    fe.move(f"{W2}/{name}", f"/sorted/Trips/Italy/{name}")
    assert files(fe, "/sorted/Trips/Italy") == [name]
    assert name in files(fe, W2)  # filing it does not take it out of its week
    fe.move(f"/sorted/Trips/Italy/{name}", f"/sorted/Best/{name}")  # re-filed
    assert files(fe, "/sorted/Trips/Italy") == [] and files(fe, "/sorted/Best") == [name]
    fe.move(f"{W2}/{name}", f"/sorted/{name}")  # from another view: filed there instead
    assert files(fe, "/sorted/Best") == [] and files(fe, "/sorted") == [name]


def test_a_user_folder_in_a_default_view_holds_what_is_moved_in(fe):
    name = one(fe)
    fe.mkdir("/by-week/keep")
    fe.move(f"{W2}/{name}", f"/by-week/keep/{name}")
    assert files(fe, "/by-week/keep") == [name] and name not in files(fe, W2)
    if fe.kind != "webdav":  # WebDAV has no rmdir: its DELETE of a folder is rm -r
        assert refused(fe.rmdir, "/by-week/keep") == errno.ENOTEMPTY
        assert refused(fe.rmdir, W1) == errno.ENOTEMPTY
    fe.move(f"/by-week/keep/{name}", f"{W2}/{name}")
    fe.rmdir("/by-week/keep")
    assert "keep" not in dirs(fe, "/by-week") and sort_state(fe)[:2] == ([], [])


def test_renaming_a_user_folder_takes_its_photos_along(fe):
    name = one(fe)
    fe.mkdir("/sorted/untitled folder")
    fe.mkdir("/sorted/untitled folder/inner")
    fe.move(f"{W2}/{name}", f"/sorted/untitled folder/inner/{name}")
    fe.move("/sorted/untitled folder", "/sorted/Holidays")
    assert dirs(fe, "/sorted") == ["Holidays"]
    assert files(fe, "/sorted/Holidays/inner") == [name]
    pins, folders, _ = sort_state(fe)  # and so it stays, for the next mount
    assert {p for _, p in folders} == {"Holidays", "Holidays/inner"}
    assert [(v, f) for v, _, f in pins] == [("sorted", "Holidays/inner")]


# -- deleting and the queue -----------------------------------------------------------

def test_a_delete_queues_the_photo_and_it_leaves_every_view(fe):
    name = one(fe)
    assert len(everywhere(fe, name[:16])) >= 5
    fe.delete(f"{W2}/{name}")
    assert everywhere(fe, name[:16]) == [f"/to-delete/{name}"]
    assert len(sort_state(fe)[2]) == 1


def test_moving_out_of_to_delete_takes_it_back(fe):
    name = one(fe)
    before = everywhere(fe, name[:16])
    fe.move(f"{W2}/{name}", f"/to-delete/{name}")  # a move into the queue is a delete
    assert everywhere(fe, name[:16]) == [f"/to-delete/{name}"]
    assert refused(fe.delete, f"/to-delete/{name}") == errno.EPERM  # already queued: move it out instead
    fe.move(f"/to-delete/{name}", f"{W2}/{name}")
    assert everywhere(fe, name[:16]) == before
    assert sort_state(fe) == ([], [], set())


def test_deleting_a_folder_queues_every_photo_in_it_twins_included(fe):
    inside = files(fe, W1)
    assert any("~" in n for n in inside)
    fe.delete_tree(W1)
    assert W1.rsplit("/", 1)[1] not in dirs(fe, "/by-week")
    assert sorted(files(fe, "/to-delete")) == sorted(inside)  # the same names: nobody renamed


def test_two_photos_with_one_hash_deleted_from_one_listing_are_those_two(fe):
    names = files(fe, W1)
    twin = next(n for n in names if "~" in n)
    plain = twin[:16] + ".jpg"
    fe.delete(f"{W1}/{plain}")
    fe.delete(f"{W1}/{twin}")  # still its own name after the other went
    assert sorted(files(fe, "/to-delete")) == sorted([plain, twin])
    assert refused(fe.delete, f"{W1}/{plain}") == errno.ENOENT  # a stale window names nobody else


def test_rm_r_of_a_user_folder(fe):
    fe.mkdir("/sorted/Trash me")
    names = [n for n in files(fe, W2) if "~" not in n][:3]
    for n in names:
        fe.move(f"{W2}/{n}", f"/sorted/Trash me/{n}")
    fe.delete_tree("/sorted/Trash me")
    assert dirs(fe, "/sorted") == [] and len(sort_state(fe)[2]) == 3


# -- copying --------------------------------------------------------------------------

def test_a_copy_of_a_known_thumbnail_files_it_and_the_source_stays(fe):
    name = one(fe)
    fe.mkdir("/sorted/A")
    fe.copy(f"{W2}/{name}", f"/sorted/A/{name}")
    assert files(fe, "/sorted/A") == [name] and name in files(fe, W2)
    assert fe.read(f"/sorted/A/{name}") == fe.read(f"{W2}/{name}")
    fe.copy(f"{W2}/{name}", f"{W1}/{name}")  # into another week: shown in both
    assert name in files(fe, W1) and name in files(fe, W2)


def test_a_copy_of_a_folder_files_every_photo_in_it(fe):
    names = files(fe, W2)
    fe.copy_tree(W2, "/sorted/Week copy")
    assert files(fe, "/sorted/Week copy") == names and files(fe, W2) == names


def test_content_that_is_no_known_thumbnail_is_refused_and_nothing_changes(fe):
    name = one(fe)
    assert refused(fe.put, f"/sorted/{name}", b"\xff\xd8 this is not the thumbnail") == errno.EPERM
    assert refused(fe.put, "/sorted/0123456789abcdef.jpg", b"\xff\xd8 no such photo") == errno.EPERM
    assert refused(fe.put, "/sorted/my-holiday.jpg", b"\xff\xd8 not a hash name") == errno.EPERM
    assert files(fe, "/sorted") == [] and sort_state(fe) == ([], [], set())


# -- folders and what is refused ---------------------------------------------------------

def test_mkdir_and_rmdir(fe):
    fe.mkdir("/sorted/Empty")
    assert dirs(fe, "/sorted") == ["Empty"]
    fe.rmdir("/sorted/Empty")
    assert dirs(fe, "/sorted") == [] and sort_state(fe) == ([], [], set())
    assert refused(fe.mkdir, "/new-view") == errno.EPERM
    assert refused(fe.mkdir, "/to-delete/x") == errno.EPERM
    assert refused(fe.mkdir, W1) == errno.EEXIST


def test_refusals_change_nothing(fe):
    name = one(fe)
    before = everywhere(fe, name[:16])
    fe.mkdir("/sorted/Mine")
    assert refused(fe.move, f"{W2}/{name}", f"{W2}/beach.jpg") == errno.EPERM  # a photo's name is its hash
    assert refused(fe.move, f"{W2}/{name}", f"/by-week/{name}") == errno.EPERM  # a view's top level
    assert refused(fe.move, W1, "/by-week/renamed") == errno.EPERM  # folders made by a rule
    assert refused(fe.move, "/sorted/Mine", "/by-week/Mine") == errno.EPERM  # user folders stay in their view
    assert everywhere(fe, name[:16]) == before and dirs(fe, "/sorted") == ["Mine"]
    assert sort_state(fe)[0] == [] and sort_state(fe)[2] == set()
