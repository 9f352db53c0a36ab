"""The mount tree's contract, run against the VFS directly, a real FUSE mount and
the WebDAV server: the same assertions must hold for all three."""

from __future__ import annotations

import io
import re

import imagehash
import piexif
import pytest
from PIL import Image

from backends import EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, MountBackend, VFSBackend, WebDAVBackend
from photofs.domain.items import ItemState
from photofs.domain.sorting import VIEWS
from photofs.library_folder import LibraryFolder


@pytest.fixture(scope="module")
def built(template):
    lib = LibraryFolder(template)
    yield lib
    lib.close()


@pytest.fixture(scope="module", params=["vfs", pytest.param("mount", marks=pytest.mark.mount), "webdav"])
def tree(request, built, tmp_path_factory):
    if request.param == "vfs":
        backend = VFSBackend(built.path)
    elif request.param == "mount":
        backend = MountBackend(built.path, tmp_path_factory.mktemp("mnt"))
    else:
        backend = WebDAVBackend(built.path)
    yield backend
    backend.close()


def all_files(tree, path="/"):
    for name in tree.listdir(path):
        child = path.rstrip("/") + "/" + name
        if tree.stat(child)[0]:
            yield from all_files(tree, child)
        else:
            yield child


def test_root_shows_the_views(tree):
    assert tree.listdir("/") == sorted(VIEWS)
    assert tree.stat("/")[0] and tree.stat("/by-week")[0]


def test_week_folders_exist_only_for_weeks_with_thumbnails(tree, built):
    weeks = {i.week for i in built.catalog.items(states=[ItemState.THUMBNAILED]) if i.week >= 0}
    cal = built.calendar
    assert tree.listdir("/by-week") == sorted([cal.folder_name(w) for w in weeks] + ["before-birth"])
    assert tree.listdir("/by-week/before-birth") == ["1975"]


def test_files_are_named_by_hash_and_a_twin_by_its_catalog_id(tree, built):
    names = tree.listdir("/by-week/1508_2019-04-08")
    assert all(re.fullmatch(r"[0-9a-f]{16}(~\d+)?\.jpg", n) for n in names)
    twins = [n for n in names if "~" in n]
    assert twins and all(n[:16] + ".jpg" in names for n in twins)
    for n in twins:  # the suffix is the id of a photo with that hash, not the oldest one (it is plain)
        item = built.catalog.get(int(n[17:-4]))
        assert item.phash == n[:16]
        assert min(i.id for i in built.catalog.items() if i.phash == n[:16]) < item.id


def test_every_file_is_a_real_jpeg_named_by_its_own_phash(tree, built):
    names_by_item = {i.original_name for i in built.catalog.items()}
    files = list(all_files(tree))
    visible = len(built.catalog.items(states=[ItemState.THUMBNAILED]))
    per_view = {v: sum(1 for f in files if f.startswith(f"/{v}/")) for v in VIEWS}
    for view in ("by-week", "by-gallery", "by-histogram", "by-resolution", "by-name"):
        assert per_view[view] == visible, view  # every photo, once
    assert 0 < per_view["by-similar"] < visible and per_view["sorted"] == per_view["to-delete"] == 0
    for path in files:
        _, size, _ = tree.stat(path)
        data = tree.read(path)
        assert len(data) == size  # st_size is exact before the read
        assert tree.read(path) == data  # and reads are stable
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG" and max(img.size) == 256
        assert str(imagehash.phash(img)) == path.rsplit("/", 1)[1][:16]
        assert piexif.load(data)["0th"][piexif.ImageIFD.ImageDescription].decode() in names_by_item


def test_mtime_is_capture_time(tree, built):
    wanted = {}
    for item in built.catalog.items(week=1508):
        wanted.setdefault(item.phash, set()).add(item.taken_at)
    for name in tree.listdir("/by-week/1508_2019-04-08"):
        assert tree.stat(f"/by-week/1508_2019-04-08/{name}")[2] in wanted[name[:16]]


@pytest.mark.parametrize("path", ["/nope", "/by-week/nope", "/by-week/1508_2019-04-08/0000000000000000.jpg",
                                  "/by-week/0001_1990-05-21", "/by-week/before-birth/1980"])
def test_unknown_paths(tree, path):
    assert tree.errno_of("stat", path) == ENOENT


def test_kind_errors(tree):
    file = "/by-week/1508_2019-04-08/" + tree.listdir("/by-week/1508_2019-04-08")[0]
    assert tree.errno_of("listdir", file) == ENOTDIR
    assert tree.errno_of("read_file", "/by-week") == EISDIR


def test_changes_that_make_no_sense_are_refused_precisely(tree):
    file = "/by-week/1508_2019-04-08/" + tree.listdir("/by-week/1508_2019-04-08")[0]
    assert tree.errno_of("mkdir", "/new-view") == EPERM
    assert tree.errno_of("rename", file, "/by-week/1509_2019-04-15/not-its-hash.jpg") == EPERM
    assert tree.errno_of("rename", file, "/x.jpg") == EPERM
    assert tree.errno_of("create", "/by-week/1508_2019-04-08/holiday.jpg") == EPERM
    assert tree.errno_of("rmdir", "/by-week/1508_2019-04-08") == ENOTEMPTY
    assert tree.errno_of("rmdir", "/by-week") == EPERM
    assert tree.errno_of("rename", file, "/nowhere/x.jpg") == ENOENT
