"""The VFS driven directly: breadth and speed, on synthetic catalogs."""

from __future__ import annotations

import datetime as dt
import errno

import pytest

from conftest import utc
from images import jpeg_bytes
from photofs.domain.items import Item, ItemState, TimeSource
from photofs.jobs.add_folder import add_folder
from photofs.jobs.thumbs import make_thumbs
from photofs.domain.sorting import VIEWS
from photofs.settings import Settings
from photofs.vfs import PhotoVFS, VFSError


def put(lib, n: int, taken: float | None, phash: str | None = None, state=ItemState.THUMBNAILED) -> Item:
    """A catalog row as the jobs would leave it, without making a real thumbnail."""
    week = None if taken is None else lib.calendar.week_of_timestamp(taken)
    item = Item(source="folder", source_id=f"/p/{n}.jpg", original_name=f"{n}.jpg", taken_at=taken, week=week,
                time_source=TimeSource.EXIF if taken else TimeSource.NONE, state=state,
                phash=phash or f"{n:016x}", thumb_size=1000 + n, sha256=f"{n:064x}")
    lib.catalog.upsert(item)
    return item


@pytest.fixture
def vfs(library):
    v = PhotoVFS(library.path, refresh_seconds=0)
    yield v
    v.close()


def names(vfs, path):
    return [n for n, _ in vfs.listdir(path)]


def test_empty_library_has_empty_views(vfs):
    assert names(vfs, "/") == list(VIEWS)
    for view in VIEWS:
        assert names(vfs, f"/{view}") == []


def test_undated_and_before_birth_folders(library, vfs):
    put(library, 1, None)
    put(library, 2, utc(1975, 7, 14, 12))
    put(library, 3, utc(1988, 1, 1, 12))
    put(library, 4, utc(1990, 5, 13, 12))  # the Sunday before the birth week
    put(library, 5, utc(1990, 5, 14, 12))  # week 0
    assert names(vfs, "/by-week") == ["undated", "before-birth", "0000_1990-05-14"]
    assert names(vfs, "/by-week/before-birth") == ["1975", "1988", "1990"]
    assert names(vfs, "/by-week/undated") == [f"{1:016x}.jpg"]
    assert vfs.stat(f"/by-week/undated/{1:016x}.jpg").size == 1001


def test_only_thumbnailed_items_are_shown(library, vfs):
    put(library, 1, utc(2019, 4, 8, 12))
    for n, state in [(2, ItemState.INDEXED), (3, ItemState.MISSING), (4, ItemState.ERROR)]:
        put(library, n, utc(2019, 4, 8, 12), state=state)
    assert names(vfs, "/by-week/1508_2019-04-08") == [f"{1:016x}.jpg"]


def test_files_keep_capture_order_and_twins_are_named_by_their_catalog_id(library, vfs):
    h = "abcdefabcdef0000"
    first = put(library, 1, utc(2019, 4, 9, 12), phash=h)
    later = put(library, 2, utc(2019, 4, 8, 12), phash=h)
    put(library, 3, utc(2019, 4, 10, 12), phash="0000000000000001")
    ids = {i.source_id: i.id for i in library.catalog.items()}
    entries = vfs.listdir("/by-week/1508_2019-04-08")
    # The older item (first indexed) is plain; the other carries its own id, whatever the order.
    assert [n for n, _ in entries] == [f"{h}~{ids[later.source_id]}.jpg", f"{h}.jpg", "0000000000000001.jpg"]
    assert ids[first.source_id] < ids[later.source_id]
    assert [st.mtime for _, st in entries] == [utc(2019, 4, 8, 12), utc(2019, 4, 9, 12), utc(2019, 4, 10, 12)]


def test_a_twin_has_one_name_in_every_folder_and_keeps_it_when_the_plain_one_goes(library, vfs):
    h = "abcdefabcdef0000"
    for n in range(3):
        put(library, n + 1, utc(2019, 4, 8 + 7 * n, 12), phash=h)  # one a week, three weeks
    a, b, c = sorted(i.id for i in library.catalog.items())
    assert names(vfs, "/by-week/1508_2019-04-08") == [f"{h}.jpg"]
    assert names(vfs, "/by-week/1509_2019-04-15") == [f"{h}~{b}.jpg"]  # alone, yet not plain: one name everywhere
    vfs.rename(f"/by-week/1510_2019-04-22/{h}~{c}.jpg", f"/by-week/1509_2019-04-15/{h}~{c}.jpg")
    assert names(vfs, "/by-week/1509_2019-04-15") == [f"{h}~{b}.jpg", f"{h}~{c}.jpg"]
    vfs.unlink(f"/by-week/1508_2019-04-08/{h}.jpg")
    vfs.unlink(f"/by-week/1509_2019-04-15/{h}~{b}.jpg")
    assert names(vfs, "/by-week/1509_2019-04-15") == [f"{h}~{c}.jpg"]  # the others took no name of the gone
    assert sorted(names(vfs, "/to-delete")) == sorted([f"{h}.jpg", f"{h}~{b}.jpg"])
    again = PhotoVFS(library.path, refresh_seconds=0)  # a remount: the same names
    try:
        assert names(again, "/by-week/1509_2019-04-15") == [f"{h}~{c}.jpg"]
    finally:
        again.close()


def test_a_plain_name_never_passes_to_another_photo_while_mounted(library, vfs):
    """The catalog changes under the mount: the plain name's holder stops being visible,
    and an older item gets the same hash. Nobody else is ever called `<phash>.jpg`."""
    h = "abcdefabcdef0000"
    week = "/by-week/1508_2019-04-08"
    older = put(library, 1, utc(2019, 4, 8, 9), phash="1111111111111111")
    holder = put(library, 2, utc(2019, 4, 8, 10), phash=h)
    put(library, 3, utc(2019, 4, 8, 11), phash=h)
    ids = {i.source_id: i.id for i in library.catalog.items()}
    twin = ids["/p/3.jpg"]
    assert sorted(names(vfs, week)) == sorted(["1111111111111111.jpg", f"{h}.jpg", f"{h}~{twin}.jpg"])
    # An older item is thumbnailed again and now has the same hash: it does not take the name.
    put(library, 1, older.taken_at, phash=h)
    assert sorted(names(vfs, week)) == sorted([f"{h}.jpg", f"{h}~{ids['/p/1.jpg']}.jpg", f"{h}~{twin}.jpg"])
    assert vfs.stat(f"{week}/{h}.jpg").size == holder.thumb_size
    # The holder's original goes missing: its name is not handed on.
    put(library, 2, holder.taken_at, phash=h, state=ItemState.MISSING)
    assert sorted(names(vfs, week)) == sorted([f"{h}~{ids['/p/1.jpg']}.jpg", f"{h}~{twin}.jpg"])


def test_big_weeks_split_by_day_then_into_parts(tmp_path):
    from photofs.library_folder import LibraryFolder
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date="1990-05-17", time_zone="UTC", folder_limit=10))
    for n in range(8):  # Monday: fits
        put(lib, n, utc(2019, 4, 8, 8, n))
    for n in range(8, 33):  # Tuesday: 25 photos, more than a folder may hold
        put(lib, n, utc(2019, 4, 9, 8, n))
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    week = "/by-week/1508_2019-04-08"
    assert names(vfs, week) == ["2019-04-08", "2019-04-09"]
    assert names(vfs, "/by-week") == ["1508_2019-04-08"]
    assert len(names(vfs, week + "/2019-04-08")) == 8
    assert names(vfs, week + "/2019-04-09") == ["part-01", "part-02", "part-03"]
    assert [len(names(vfs, f"{week}/2019-04-09/part-0{i}")) for i in (1, 2, 3)] == [10, 10, 5]

    def walk(path):
        entries = vfs.listdir(path)
        assert len(entries) <= 10
        for name, st in entries:
            if st.is_dir:
                yield from walk(f"{path}/{name}")
            else:
                yield name
    assert len(list(walk("/by-week"))) == 33
    assert len(list(walk("/by-name"))) == 33  # every view splits, by parts where it has no rule of its own


def test_new_items_appear_when_the_catalog_changes(library):
    vfs = PhotoVFS(library.path, refresh_seconds=3600)
    assert names(vfs, "/by-week") == []
    put(library, 1, utc(2019, 4, 8, 12))
    assert names(vfs, "/by-week") == []  # within the refresh interval: the same picture
    vfs.refresh()
    assert names(vfs, "/by-week") == ["1508_2019-04-08"]


def test_listing_and_stat_never_read_a_source(library, vfs, monkeypatch):
    put(library, 1, utc(2019, 4, 8, 12))
    import photofs.sources.registry as registry
    for source in registry.SOURCES.values():
        monkeypatch.setattr(source, "open", lambda *a: pytest.fail("listing touched a source"))
    for name, st in vfs.listdir("/by-week/1508_2019-04-08"):
        assert vfs.stat(f"/by-week/1508_2019-04-08/{name}") == st


@pytest.fixture
def real(library, tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    (d / "a.jpg").write_bytes(jpeg_bytes(seed=11, when=dt.datetime(2019, 4, 8, 12)))
    add_folder(library, d, progress=False)
    make_thumbs(library, progress=False)
    return d


def test_evicted_thumbnail_is_remade_identically_on_open(library, real, vfs):
    path = "/by-week/1508_2019-04-08/" + names(vfs, "/by-week/1508_2019-04-08")[0]
    before = vfs.read_file(path)
    library.thumbs.cache.clear()
    assert vfs.read_file(path) == before and len(before) == vfs.stat(path).size


def test_a_vanished_source_gives_eio_not_a_crash(library, real, vfs):
    path = "/by-week/1508_2019-04-08/" + names(vfs, "/by-week/1508_2019-04-08")[0]
    library.thumbs.cache.clear()
    (real / "a.jpg").unlink()
    fh = vfs.open(path)  # opening reads nothing (Explorer opens files for their properties)
    with pytest.raises(VFSError) as e:
        vfs.read(fh, 4096, 0)
    assert e.value.errno == errno.EIO
    vfs.release(fh)
    assert vfs.stat(path).size > 0  # still listed until add-folder marks it missing


def test_reads_at_offsets_and_past_the_end(library, real, vfs):
    path = "/by-week/1508_2019-04-08/" + names(vfs, "/by-week/1508_2019-04-08")[0]
    whole = vfs.read_file(path)
    fh = vfs.open(path)
    assert vfs.read(fh, 100, 10) == whole[10:110]
    assert vfs.read(fh, 100, len(whole) + 5) == b""
    vfs.release(fh)
    with pytest.raises(VFSError) as e:
        vfs.read(fh, 1, 0)
    assert e.value.errno == errno.EBADF
