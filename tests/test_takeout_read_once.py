"""import-takeout reads each member once: the hash, the header and a photo's thumbnail come
from one streamed read on the worker pool, so `thumbs` has nothing left to read for a photo."""

from __future__ import annotations

import dataclasses
import io
import shutil
import zipfile

import pytest

from conftest import BIRTH, ZONE
from images import jpeg_bytes
from photofs.jobs.bytes_read import process_rchar
from photofs.jobs.import_takeout import import_takeout
from photofs.jobs.sample_photos import scene
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from takeout_builder import ROOT, Takeout, full_takeout, sidecar, ts


def new_library(path) -> LibraryFolder:
    return LibraryFolder.create(path, Settings(birth_date=BIRTH, time_zone=ZONE))


def snapshot(lib: LibraryFolder) -> list[tuple]:
    """Every item, its files and places, and its stored thumbnail's bytes."""
    return [(dataclasses.asdict(i), lib.catalog.files(i.id), lib.thumbs.get(i))
            for i in sorted(lib.catalog.items(), key=lambda i: i.id)]


def test_thumbnails_exist_after_import_alone_and_are_what_thumbs_makes(library, tmp_path):
    part = full_takeout().zip(tmp_path / "takeout-001.zip")
    summary = import_takeout(library, [part], progress=False, workers=1)
    items = library.catalog.items()
    assert {i.kind for i in items} == {"photo", "video"} and summary.counts["thumbnails made"] >= len(items)
    assert all(i.state == "thumbnailed" and i.dihedral and library.thumbs.has(i) for i in items)
    library.close()
    # The same library with its thumbnails taken away: `thumbs` makes them again, from the part.
    shutil.copytree(library.path, tmp_path / "again")
    again = LibraryFolder(tmp_path / "again")
    again.thumbs.cache.clear()
    made = make_thumbs(again, progress=False, workers=1)
    assert made.counts["made"] == len(again.catalog.items())
    library = LibraryFolder(library.path)
    for mine, theirs in zip(snapshot(library), snapshot(again), strict=True):
        assert mine == theirs, mine[0]["original_name"]  # the same record, hashes and thumbnail bytes
    # Over the imported library itself, thumbs finds everything done.
    assert make_thumbs(library, progress=False, workers=1).counts == {"already done": len(items)}
    library.close()
    again.close()


@pytest.mark.parametrize("form", ["zip", "tgz"])
def test_one_worker_and_two_give_the_same_catalog_and_thumbnails(tmp_path, form):
    t = full_takeout()
    part = t.zip(tmp_path / "t.zip") if form == "zip" else t.tgz(tmp_path / "t.tgz")
    out = []
    for workers in (1, 2):
        lib = new_library(tmp_path / f"lib{workers}")
        summary = import_takeout(lib, [part], progress=False, workers=workers)
        assert summary.counts["new"] > 20 and not summary.counts["errors"]
        out.append(snapshot(lib))
        lib.close()
    assert out[0] == out[1]
    # Every item has its thumbnail, but a tgz's video: a tar cannot seek to its frames.
    assert [i["original_name"] for i, _, thumb in out[0] if not thumb] == ([] if form == "zip" else ["VID_0007.mp4"])


def test_a_corrupt_member_is_one_error_and_the_rest_are_imported(library, tmp_path):
    t = Takeout()
    for n in range(4):
        t.photo(f"Photos from 2019/fine_{n}.jpg")
        t.add(f"Photos from 2019/fine_{n}.jpg.json", sidecar(f"fine_{n}.jpg", ts(2019, 5, 1 + n, 10)))
    whole = jpeg_bytes(seed=9, size=(800, 600))
    t.add("Photos from 2019/cut.jpg", whole[: len(whole) // 2])  # its header reads, its picture does not
    t.add("Photos from 2019/damaged.jpg", jpeg_bytes(seed=10))
    part = t.zip(tmp_path / "t.zip")
    raw = bytearray(part.read_bytes())  # zero bytes inside damaged.jpg's deflate data: it cannot be read
    with zipfile.ZipFile(part) as z:
        info = z.getinfo(f"{ROOT}/Photos from 2019/damaged.jpg")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 40: start + 60] = bytes(20)
    part.write_bytes(bytes(raw))
    summary = import_takeout(library, [part], progress=False, workers=2)
    assert len([p for p in summary.problems if "cut.jpg" in p]) == 1
    assert len([p for p in summary.problems if "damaged.jpg" in p]) == 1
    assert summary.counts["errors"] == 1 and summary.counts["unreadable members"] == 1
    by = {i.original_name: i for i in library.catalog.items()}
    assert by["cut.jpg"].state == "error" and "truncated" in by["cut.jpg"].error
    assert "damaged.jpg" not in by
    fine = [by[f"fine_{n}.jpg"] for n in range(4)]
    assert all(i.state == "thumbnailed" and library.thumbs.has(i) for i in fine)
    what, _, detail = library.catalog.ledger_in(str(part))[f"{ROOT}/Photos from 2019/damaged.jpg"]
    assert what == "error" and "cannot be read" in detail


def read_by_import_and_thumbs(tmp_path, photos: dict[str, bytes], name: str) -> int:
    """rchar of import-takeout on two workers, then `thumbs`: this process's count, which
    includes its pool's workers once they have exited (spawned children, reaped: the
    kernel adds their counts to ours) and what came back through the pipes."""
    part = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as z:  # Google stores JPEGs as they are
        for member, data in photos.items():
            z.writestr(f"{ROOT}/Photos from 2019/{member}", data)
    lib = new_library(tmp_path / f"lib-{name}")
    before = process_rchar()
    summary = import_takeout(lib, [part], progress=False, workers=2)
    make_thumbs(lib, progress=False, workers=1)  # finds every photo done: reads none of them
    total = process_rchar() - before
    assert summary.bytes_read >= sum(map(len, photos.values()))  # the tasks' own counts saw every photo
    assert summary.counts["thumbnails made"] == len(photos)
    lib.close()
    return total


@pytest.mark.skipif(process_rchar() is None, reason="the system keeps no rchar count (not Linux)")
def test_import_then_thumbs_reads_each_photo_once(tmp_path):
    def photo(seed):
        buf = io.BytesIO()
        scene(seed, (1024, 768)).save(buf, "JPEG", quality=95)  # about 300 kB
        return buf.getvalue()
    photos = {f"IMG_{n:04d}.jpg": photo(n) for n in range(16)}
    half = dict(list(photos.items())[:8])
    # Per photo: the full set less the half set, so imports, start-up and the catalog's own pages cancel.
    read = read_by_import_and_thumbs(tmp_path, photos, "full") - read_by_import_and_thumbs(tmp_path, half, "half")
    size = sum(map(len, photos.values())) - sum(map(len, half.values()))
    assert read <= 1.05 * size, f"read {read:,} bytes for {size:,} bytes of photos: {read / size:.3f}x"


def test_on_a_dask_cluster_the_catalog_is_the_same(tmp_path):
    import distributed  # in the test extra: missing, this must fail, not skip
    part = full_takeout().zip(tmp_path / "t.zip")
    out = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for name, how in (("here", {"workers": 1}), ("dask", {"cluster": cluster.scheduler_address})):
            lib = new_library(tmp_path / name)
            import_takeout(lib, [part], progress=False, **how)
            out.append(snapshot(lib))
            lib.close()
    assert out[0] == out[1]


def test_cli_workers(cli, tmp_path):
    part = full_takeout().zip(tmp_path / "t.zip")
    with pytest.raises(SystemExit) as e:  # a usage error: one line from the parser, exit 2
        cli("import-takeout", part, "--workers", "0")
    assert e.value.code == 2
    data = cli.json("import-takeout", part, "--workers", "2")
    assert data["counts"]["new"] > 20 and data["counts"]["thumbnails made"] > 20
    if process_rchar() is not None:  # every photo's bytes, counted in the workers
        with zipfile.ZipFile(part) as z:
            photos = sum(i.compress_size for i in z.infolist() if i.filename.endswith(".jpg"))
        assert data["bytes_read"] >= photos


def test_a_later_part_that_adds_an_album_restamps_the_thumbnail_and_its_size(tmp_path):
    """A .tgz's video is thumbnailed by `thumbs`; a later part puts it in an album. The
    cached thumbnail's record takes the album, and the size the mount shows follows it."""
    from images import clip_bytes
    from photofs.imaging.exif_record import read_record
    video = clip_bytes(seed=3, seconds=2.0)
    first, second = Takeout(), Takeout()
    first.add("Photos from 2019/VID_1.mp4", video)
    first.add("Photos from 2019/VID_1.mp4.json", sidecar("VID_1.mp4", ts(2019, 4, 9, 10)))
    second.add("Holiday/VID_1.mp4", video)
    second.add("Holiday/VID_1.mp4.json", sidecar("VID_1.mp4", ts(2019, 4, 9, 10)))
    lib = new_library(tmp_path / "lib")
    import_takeout(lib, [first.tgz(tmp_path / "a.tgz")], progress=False, workers=1)
    make_thumbs(lib, progress=False, workers=1)
    import_takeout(lib, [second.tgz(tmp_path / "b.tgz")], progress=False, workers=1)
    (item,) = lib.catalog.items()
    assert "Holiday" in item.albums and item.state == "thumbnailed"
    data = lib.thumbs.get(item)
    assert len(data) == item.thumb_size
    assert "Holiday" in read_record(data)["albums"]
    lib.close()
