"""add-folder and thumbs: indexing, resuming, changes, and every kind of bad input."""

import datetime as dt
import os
import shutil

import pytest

from conftest import assert_one_error_line
from images import jpeg_bytes, png_bomb_header
from photofs.domain.items import ItemState, TimeSource
from photofs.jobs.add_folder import add_folder
from photofs.jobs.thumbs import make_thumbs


def by_name(lib):
    return {i.original_name: i for i in lib.catalog.items()}


def test_index_reads_metadata(library, originals):
    summary = add_folder(library, originals, progress=False)
    items = by_name(library)
    assert summary.counts["new"] == len(library.catalog.items()) == 18
    first = items["IMG_20190408_1001.jpg"]
    assert first.time_source == TimeSource.EXIF and (first.make, first.model) == ("Apple", "iPhone 13")
    assert first.week == 1508 and first.size == (originals / "2019-04 trip 1" / first.original_name).stat().st_size
    assert first.sha256 is None and (first.width, first.height) == (1600, 1200)  # hashed at its first full read
    assert first.gps_lat == pytest.approx(48.137, abs=1e-4)
    assert items["IMG_20190409_1002.jpg"].tz_offset_min == 120
    assert items["portrait.jpg"].height == 1600  # upright dimensions
    shot = next(i for n, i in items.items() if n.startswith("Screenshot_"))
    assert shot.time_source == TimeSource.FILENAME and shot.mime == "image/png"  # the name, before the mtime
    assert items["scan_grandparents.jpg"].week < 0
    assert items["IMG_4242.heic"].mime in ("image/heif", "image/heic")


def test_rerun_does_nothing_new(library, originals):
    add_folder(library, originals, progress=False)
    before = [(i.id, i.sha256) for i in library.catalog.items()]
    summary = add_folder(library, originals, progress=False)
    assert set(summary.counts) == {"unchanged"}
    assert [(i.id, i.sha256) for i in library.catalog.items()] == before


def test_changed_files_are_reindexed_and_vanished_marked_missing(library, originals):
    add_folder(library, originals, progress=False)
    make_thumbs(library, progress=False)
    changed = originals / "2019-04 trip 1" / "IMG_20190408_1001.jpg"
    changed.write_bytes(jpeg_bytes(seed=77, when=dt.datetime(2019, 6, 3, 12, 0)))
    (originals / "portrait.jpg").unlink()
    summary = add_folder(library, originals, progress=False)
    assert summary.counts["re-indexed"] == 1 and summary.counts["missing"] == 1
    items = by_name(library)
    assert items["portrait.jpg"].state == ItemState.MISSING  # kept, never dropped
    ids = {i.source_id: i for i in library.catalog.items()}
    redone = ids[str(changed)]
    assert redone.state == ItemState.INDEXED and redone.week == 1516 and redone.phash is None
    # A file that comes back is found again.
    shutil.copy(originals / "copies" / "IMG_20190408_1001.jpg", originals / "portrait.jpg")
    assert add_folder(library, originals, progress=False).counts["re-indexed"] == 1


@pytest.fixture
def bad_folder(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    good = jpeg_bytes(seed=3, size=(800, 600), when=dt.datetime(2020, 1, 2, 3, 4, 5))
    (d / "good.jpg").write_bytes(good)
    (d / "zero.jpg").write_bytes(b"")
    (d / "text.jpg").write_text("I am a shopping list, not a photo\n")
    (d / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))
    (d / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (d / "bomb.png").write_bytes(png_bomb_header())
    (d / "notes.txt").write_text("not a photo type at all")
    (d / "ctrl\x1b[31m\nname.jpg").write_bytes(jpeg_bytes(seed=4, size=(400, 300)))
    os.mkdir(os.fsencode(d) + b"/latin1-\xe9t\xe9")
    with open(os.fsencode(d) + b"/latin1-\xe9t\xe9/caf\xe9.jpg", "wb") as f:
        f.write(jpeg_bytes(seed=5, size=(400, 300)))
    (d / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (d / "._good.jpg").write_bytes(b"\x00\x05\x16\x07")
    return d


def test_bad_input_is_one_clear_line_and_the_job_goes_on(library, bad_folder):
    summary = add_folder(library, bad_folder, progress=False)
    thumbs = make_thumbs(library, progress=False)
    problems = "\n".join(summary.problems + thumbs.problems)
    items = {i.original_name: i for i in library.catalog.items()}
    expected = {
        "zero.jpg": "empty file (0 bytes)",
        "text.jpg": "not an image",
        "corrupt.jpg": "",
        "truncated.jpg": "truncated",
        "bomb.png": "decompression bomb",
        "caf\\xe9.jpg": "not valid UTF-8",
    }
    for name, reason in expected.items():
        item = items[name]
        assert item.state == ItemState.ERROR and reason in item.error, (name, item.error)
        lines = [l for l in problems.splitlines() if name in l]
        assert len(lines) == 1, (name, problems)
    assert items["good.jpg"].state == ItemState.THUMBNAILED
    ctrl = items["ctrl\x1b[31m\nname.jpg"]
    assert ctrl.state == ItemState.THUMBNAILED and "control characters" in ctrl.warnings[0]
    assert "ctrl\\x1b[31m\\nname.jpg: file name has control characters" in problems
    assert "\x1b" not in summary.as_text() and "\x1b" not in thumbs.as_text()
    assert summary.counts["skipped (not media)"] == 1
    assert not any("DS_Store" in i.source_id or "._good" in i.source_id for i in items.values())
    assert summary.as_text().count("\n") == len(summary.problems)  # one line each


def test_bad_input_in_items_json(cli, bad_folder):
    cli("add-folder", bad_folder)
    cli("thumbs", "--all")
    rows = {r["original_name"]: r for r in cli.json("items")}
    assert rows["truncated.jpg"]["state"] == "error" and "truncated" in rows["truncated.jpg"]["error"]
    assert rows["bomb.png"]["state"] == "error"
    assert rows["good.jpg"]["state"] == "thumbnailed" and rows["good.jpg"]["error"] is None


def test_unreadable_folder_is_reported_and_its_photos_not_marked_missing(library, originals, monkeypatch):
    add_folder(library, originals, progress=False)
    blocked = str(originals / "2019-04 trip 2")
    if os.geteuid() == 0:  # root reads everything: make the folder refuse us the way a NAS share would
        real_scandir = os.scandir

        def scandir(path="."):
            if os.fspath(path) == blocked:
                raise PermissionError(13, "Permission denied", path)
            return real_scandir(path)
        monkeypatch.setattr(os, "scandir", scandir)
    else:
        os.chmod(blocked, 0)
    try:
        summary = add_folder(library, originals, progress=False)
    finally:
        os.chmod(blocked, 0o755)
    assert summary.counts["unreadable"] == 1 and summary.counts["missing"] == 0
    assert [l for l in summary.problems if "trip 2: cannot read: Permission denied" in l]
    assert ItemState.MISSING not in {i.state for i in library.catalog.items()}


def test_thumbs_resume_and_regenerate_identically(library, originals):
    add_folder(library, originals, progress=False)
    first = make_thumbs(library, (1508, 1508), progress=False)
    assert first.counts["made"] == 7  # 3 photos, a near-duplicate, a mirrored one, the portrait, an exact copy
    again = make_thumbs(library, (1508, 1508), progress=False)
    assert again.counts == {"already done": first.counts["made"]}
    everything = make_thumbs(library, progress=False)
    assert everything.counts["already done"] == first.counts["made"]
    item = library.catalog.items(week=1508, states=[ItemState.THUMBNAILED])[0]
    data = library.thumbs.get(item)
    assert len(data) == item.thumb_size
    library.thumbs.cache.clear()  # cache/ lost: nothing is
    assert make_thumbs(library, progress=False).counts["made"] == len(library.catalog.items())
    assert library.thumbs.get(item) == data


def test_thumbs_leave_unreachable_originals_for_the_next_run(library, originals):
    add_folder(library, originals, progress=False)
    shutil.rmtree(originals)  # the NAS went away between index and thumbs
    summary = make_thumbs(library, progress=False)
    assert summary.counts["not reachable"] == len(library.catalog.items())
    assert {i.state for i in library.catalog.items()} == {ItemState.INDEXED}


def test_add_folder_errors(cli, tmp_path):
    assert_one_error_line(*cli("add-folder", tmp_path / "nope")[::2], "no such folder")
    (tmp_path / "f.jpg").write_bytes(b"x")
    assert_one_error_line(*cli("add-folder", tmp_path / "f.jpg")[::2], "not a folder")
