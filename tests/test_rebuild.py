"""export-thumbs, then a lost catalog, then rebuild --from-thumbs: the same library."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import CLI, assert_one_error_line
from photofs.library_folder import LibraryFolder
from photofs.vfs import PhotoVFS
from vfs_helpers import W1, W2, files


def snapshot_of(lib):
    items = {(i.source, i.source_id): (i.phash, i.original_name, i.taken_at, i.sha256, i.width, i.height, i.make,
                                       i.gps_lat, tuple(i.albums), i.week, str(i.week_source))
             for i in lib.catalog.items()}
    pins, folders, queued = lib.catalog.load_sort_state()
    by_id = {i.id: (i.source, i.source_id) for i in lib.catalog.items()}
    return items, sorted((v, by_id[i], f) for v, i, f in pins), sorted(folders), sorted(by_id[i] for i in queued)


def test_round_trip(fs, tmp_path, capsys):
    name = files(fs, W2)[0]
    fs.mkdir("/sorted/Trips")
    fs.mkdir("/sorted/Trips/Italy")
    fs.mkdir("/sorted/Empty")
    fs.rename(f"{W2}/{name}", f"/sorted/Trips/Italy/{name}")
    fs.rename(f"{W2}/{name}", f"{W1}/{name}")
    fs.unlink(f"{W2}/{files(fs, W2)[0]}")
    before = snapshot_of(fs.lib)
    shown_before = fs.read_file(f"{W1}/{name}")
    out = tmp_path / "thumbs"
    cli = CLI(capsys, fs.lib.path)
    exported = cli.json("export-thumbs", out)
    assert exported["counts"]["written"] > 50
    assert (out / "sorted" / "Empty").is_dir()
    assert os.stat(out / "by-week" / W1.split("/")[-1] / name).st_mtime == fs.stat(f"{W1}/{name}").mtime
    # The catalog and the cache are lost.
    library = fs.lib.path
    fs.close()
    for p in list(library.glob("catalog.sqlite*")) + [library / "cache"]:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    (library / "cache").mkdir()
    rebuilt = CLI(capsys, library).json("rebuild", "--from-thumbs", out)
    assert rebuilt["counts"]["items restored"] == len(before[0])
    lib = LibraryFolder(library)
    after = snapshot_of(lib)
    assert after[0] == before[0]           # items, hashes, metadata, the week you chose
    assert [i.week for i in lib.catalog.items() if i.week_source == "user"] == [int(W1.split("/")[-1][:4])]
    assert after[1] == [p for p in before[1] if p[0] != "by-week"]  # pins (the week is the item's, not a pin)
    assert after[3] == before[3]           # the queue
    assert after[2] == before[2]           # your folders, the empty one too
    vfs = PhotoVFS(library, refresh_seconds=0)
    assert vfs.read_file(f"{W1}/{name}") == shown_before  # the very same bytes are served


def test_bad_input(cli, tmp_path):
    assert_one_error_line(*cli("rebuild", "--from-thumbs", tmp_path / "nope")[::2], "not a folder of thumbnails")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "holiday.jpg").write_bytes(b"\xff\xd8 not ours")
    result = cli.json("rebuild", "--from-thumbs", tmp_path / "t")
    assert result["counts"]["not photofs thumbnails"] == 1
    assert_one_error_line(*cli("export-thumbs", tmp_path / "x", "--view", "by-mood")[::2], "unknown view")


def test_reconcile_originals_with_the_catalog(nas_lib, tmp_path, capsys):
    import datetime as dt
    from PIL import Image, ImageEnhance
    from images import jpeg_bytes
    from photofs.jobs.archive import archive
    from photofs.jobs.thumbs import make_thumbs
    lib, nas = nas_lib
    make_thumbs(lib, progress=False)
    archive(lib, progress=False)
    items = lib.catalog.items()
    # The catalog forgets its NAS copies (a restored backup), the NAS gains and loses files.
    lib.catalog._db.execute("UPDATE items SET nas_path=NULL, nas_sha256=NULL, nas_size=NULL")
    lib.catalog._db.execute("UPDATE files SET nas_path=NULL, nas_sha256=NULL, nas_size=NULL, verified_at=NULL")
    gone = next(i for i in items if i.original_name == "portrait.jpg")
    os.unlink(gone.nas_path)
    edited_src = next(i for i in items if i.original_name == "IMG_20190415_1004.jpg")
    img = Image.open(edited_src.nas_path)
    ImageEnhance.Brightness(img).enhance(1.05).save(edited_src.nas_path + ".tmp.jpg", quality=80)
    os.replace(edited_src.nas_path + ".tmp.jpg", edited_src.nas_path)  # edited in place: other bytes
    (nas / "stranger.jpg").write_bytes(jpeg_bytes(seed=777, when=dt.datetime(2001, 1, 1)))
    result = CLI(capsys, lib.path).json("rebuild", "--originals", nas)
    counts = result["counts"]
    assert counts["matched by checksum"] == len(items) - 2 - 1  # files: minus the gone, the edited; twins share one
    assert counts.get("matched by name and time", 0) + counts.get("matched by perceptual hash", 0) == 1
    assert counts["on the NAS only"] == 1 and counts["in the catalog only"] == 1
    assert any("stranger.jpg: not in the catalog" in p for p in result["problems"])
    restored = [i for i in lib.catalog.items() if i.nas_sha256]
    assert len(restored) == len(items) - 2  # only byte-identical files count as verified copies


def test_reconcile_records_every_file_of_an_item_and_hashes_originals_never_hashed(tmp_path, capsys):
    """A camera folder copied to the NAS by hand, then indexed by add-folder, which reads
    headers only. rebuild --originals records each file's copy on its own (a Live Photo's
    video, a RAW twin too), comparing it with its original hashed where it lies; a file
    left out of the copy is reported by name and keeps its item from counting as archived."""
    from conftest import BIRTH, ZONE
    from photofs.jobs.add_folder import add_folder
    from photofs.settings import Settings
    from images import jpeg_bytes
    from test_nothing_left_behind import camera_folder, sha
    taken = camera_folder(tmp_path / "DCIM")
    nas = tmp_path / "nas"
    shutil.copytree(tmp_path / "DCIM", nas / "2019")
    (nas / "2019" / "IMG_1234.MOV").unlink()  # one video half never copied
    (nas / "stranger.jpg").write_bytes(jpeg_bytes(seed=777))  # and nothing has a thumbnail to compare it with
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    add_folder(lib, tmp_path / "DCIM", progress=False)
    catalog = {i.original_name: (i, lib.catalog.files(i.id)) for i in lib.catalog.items()}
    assert len(catalog) > 5 and any(len(fs) > 1 for _, fs in catalog.values())
    assert not any(f.sha256 for _, fs in catalog.values() for f in fs)  # headers only: nothing hashed yet
    result = CLI(capsys, lib.path).json("rebuild", "--originals", nas)
    counts = result["counts"]
    assert counts["files in the catalog only"] == 1 and counts["on the NAS only"] == 1
    assert any("stranger.jpg: not in the catalog" in p for p in result["problems"])
    assert any("IMG_1234.MOV: the motion file of item" in p for p in result["problems"])
    for name, (item, _) in catalog.items():
        now = lib.catalog.files(item.id)
        for f in now:
            if f.name == "IMG_1234.MOV":
                assert f.nas_sha256 is None
            else:
                assert f.nas_sha256 == f.sha256 == sha(taken[f.name]) and Path(f.nas_path) == nas / "2019" / f.name
        archived = lib.catalog.get(item.id).nas_sha256 is not None
        assert archived == (name != "IMG_1234.HEIC"), name
    lib.close()
