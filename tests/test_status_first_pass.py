"""`photofs status`: how far the first pass has got over the whole library, in counts,
percentages and the originals' bytes still to read, with an ETA at the last run's rate."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import BIRTH, ZONE, CLI
from images import clip_bytes, dng_bytes, jpeg_bytes
from photofs.catalog.progress import FIRST_PASS_SQL, RATE_KEY
from photofs.domain.items import Item
from photofs.domain.progress import Rate, Stage
from photofs.domain.sorting import QueueState, SortChange
from photofs.domain.wording import duration, gigabytes, speed
from photofs.jobs.add_folder import add_folder
from photofs.jobs.archive import archive
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings

WHEN = dt.datetime(2021, 6, 5, 14, 30)


@pytest.fixture
def mixed(tmp_path):
    """A real library over a folder of every kind: a JPEG, a motion photo (still + video),
    a RAW + JPEG pair, a lone RAW, a video, a file that is not an image, and one that
    goes missing. Returns (library, folder, nas)."""
    folder, nas = tmp_path / "originals", tmp_path / "nas"
    folder.mkdir()
    nas.mkdir()
    files = {"plain.jpg": jpeg_bytes(1, when=WHEN), "live.jpg": jpeg_bytes(2, when=WHEN), "live.mp4": clip_bytes(2, 1.0),
             "pair.jpg": jpeg_bytes(3, when=WHEN), "pair.dng": dng_bytes(), "lone.dng": dng_bytes(size=(320, 240)),
             "clip.mp4": clip_bytes(4, 1.0), "broken.jpg": b"\xff\xd8\xff\xe0 not a JPEG at all" * 50,
             "gone.jpg": jpeg_bytes(5, when=WHEN)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    add_folder(lib, folder, progress=False)
    (folder / "gone.jpg").unlink()
    add_folder(lib, folder, progress=False)  # the rescan marks it missing
    yield lib, folder, nas
    lib.close()


def size(folder, *names) -> int:
    return sum((folder / n).stat().st_size for n in names)


def status(capsys, lib) -> tuple[dict, str]:
    cli = CLI(capsys, lib.path)
    code, out, err = cli("status")
    assert code == 0, err
    return cli.json("status"), out


def test_the_first_pass_in_exact_numbers_before_thumbs_after_thumbs_after_archive(mixed, capsys):
    lib, folder, nas = mixed
    shown = ("plain.jpg", "live.jpg", "pair.jpg", "lone.dng", "clip.mp4")  # the file each item shows (and thumbs reads)
    every_file = shown + ("live.mp4", "pair.dng")                         # what archive copies
    assert sorted(i.original_name for i in lib.catalog.items()) == sorted(shown + ("broken.jpg", "gone.jpg"))

    data, out = status(capsys, lib)
    fp = data["first_pass"]
    assert fp["items"] == 5 and fp["by_kind"] == {"photo": 3, "video": 1, "raw": 1}
    # The broken file is an error from indexing on: not still to read, like the missing one.
    assert fp["left_out"] == {"error": 1, "missing": 1, "trashed": 0, "removed": 0}
    thumbs, archived = fp["thumbnailed"], fp["archived"]
    assert (thumbs["done"], thumbs["of"], thumbs["left"], thumbs["percent"]) == (0, 5, 5, 0.0)
    assert thumbs["bytes_left"] == size(folder, *shown)
    assert (archived["done"], archived["of"], archived["left"], archived["percent"]) == (0, 5, 5, 0.0)
    assert archived["bytes_left"] == size(folder, *every_file)  # companions count: archive reads them again
    assert thumbs["last_rate"] is None and thumbs["eta_seconds"] is None and thumbs["unknown_sizes"] == 0
    lines = out.splitlines()
    assert "  thumbnailed  0 of 5    0.0%  under 0.1 GB still to read" in lines
    assert "  archived     0 of 5    0.0%  under 0.1 GB still to read (every file of each item)" in lines

    make_thumbs(lib, progress=False)
    data, out = status(capsys, lib)
    fp = data["first_pass"]
    assert fp["items"] == 5 and fp["by_kind"] == {"photo": 3, "video": 1, "raw": 1}
    assert fp["left_out"] == {"error": 1, "missing": 1, "trashed": 0, "removed": 0}
    rate = fp["thumbnailed"].pop("last_rate")  # thumbs recorded how fast it went (catalog.record_rate)
    assert rate["photos_per_s"] > 0 and rate["mb_per_s"] > 0
    assert fp["thumbnailed"] == {"done": 5, "of": 5, "percent": 100.0, "left": 0, "bytes_left": 0, "gb_left": 0.0,
                                 "unknown_sizes": 0, "eta_seconds": 0}
    assert fp["archived"]["bytes_left"] == size(folder, *every_file)
    lines = out.splitlines()
    assert "first pass over 5 items (3 photos, 1 video, 1 RAW)" in lines
    assert "  thumbnailed  5 of 5  100.0%" in lines
    assert "  archived     0 of 5    0.0%  under 0.1 GB still to read (every file of each item)" in lines
    assert "  not in the pass: 1 in error, 1 missing from their source" in lines

    archive(lib, progress=False)
    data, out = status(capsys, lib)
    fp = data["first_pass"]
    assert fp["archived"]["done"] == 5 and fp["archived"]["percent"] == 100.0 and fp["archived"]["bytes_left"] == 0
    assert "  archived     5 of 5  100.0%" in out.splitlines()
    # The existing figures are all still there, under their old keys.
    assert {"library", "items", "states", "weeks", "photos_on_nas", "gb_freed_in_cloud", "streak_days"} <= set(data)
    # archive copies the file in error too (its bytes are the user's), though it is not in the pass
    assert data["items"] == 7 and data["states"]["error"] == 1 and data["photos_on_nas"] == 6


def test_a_half_archived_item_has_only_its_unverified_files_left_to_read(mixed, capsys):
    lib, folder, nas = mixed
    make_thumbs(lib, progress=False)
    live = next(i for i in lib.catalog.items() if i.original_name == "live.jpg")
    still = next(f for f in lib.catalog.files(live.id) if f.name == "live.jpg")
    lib.catalog.set_file_archived(live.id, still.role, still.name, str(nas / "x.jpg"), "0" * 64, still.size)
    fp = lib.catalog.first_pass()
    assert fp.archive.done == 0
    assert fp.archive.bytes_left == size(folder, "plain.jpg", "live.mp4", "pair.jpg", "pair.dng", "lone.dng", "clip.mp4")


def test_trashed_and_removed_items_are_left_out_and_sizes_unknown_are_counted(library):
    cat = library.catalog
    cat.upsert_many([Item(source="folder", source_id=f"/p/{n}.jpg", original_name=n, size=size_, trashed=n == "t")
                     for n, size_ in (("a", 1000), ("t", 2000), ("r", 4000), ("u", None))])
    ids = {i.original_name: i.id for i in cat.items()}
    cat.apply_sort_change(SortChange(queue_add={ids["r"]}))  # deleted in the mount, then confirmed gone
    assert cat.set_queue_state([ids["r"]], QueueState.REMOVED, only_from=(QueueState.QUEUED,)) == 1
    fp = cat.first_pass()
    assert fp.items == 2 and fp.left_out == {"error": 0, "missing": 0, "trashed": 1, "removed": 1}
    assert fp.thumbs == Stage(done=0, of=2, bytes_left=1000, unknown_sizes=1)
    assert fp.archive == Stage(done=0, of=2, bytes_left=1000, unknown_sizes=1)


def test_record_rate_stores_the_last_run_and_a_run_that_did_nothing_keeps_it(library):
    cat = library.catalog
    assert cat.last_rate("thumbs") is None
    cat.record_rate("thumbs", photos=120, nbytes=480_000_000, seconds=12.0)
    rate = cat.last_rate("thumbs")
    assert rate.photos_per_s == pytest.approx(10.0) and rate.bytes_per_s == pytest.approx(40e6)
    stored = json.loads(cat.job_get(RATE_KEY.format(job="thumbs")))
    assert stored["photos"] == 120 and stored["bytes"] == 480_000_000 and stored["seconds"] == 12.0
    cat.record_rate("thumbs", photos=0, nbytes=0, seconds=0.2)  # a re-run with nothing to do
    assert cat.last_rate("thumbs") == rate
    cat.record_rate("archive", photos=3, nbytes=0, seconds=1.5)  # a run that read nothing it counted: by photo count
    assert cat.last_rate("archive").photos_per_s == pytest.approx(2.0) and cat.last_rate("archive").bytes_per_s == 0
    for bad in ("not json", "5", '{"photos_per_s": 0, "bytes_per_s": 1, "at": 0}', '{"photos_per_s": 1}'):
        cat.job_set(RATE_KEY.format(job="archive"), bad)  # an old or hand-edited value: no ETA, no crash
        assert cat.last_rate("archive") is None, bad


def test_an_empty_library_says_there_is_nothing_to_do_yet(library, capsys):
    data, out = status(capsys, library)
    assert "first pass: nothing to do yet" in out.splitlines()
    fp = data["first_pass"]
    assert fp["items"] == 0 and fp["thumbnailed"]["percent"] == 100.0 and fp["archived"]["bytes_left"] == 0


def test_status_shows_the_eta_at_the_last_runs_rate(mixed, capsys):
    lib, folder, nas = mixed
    make_thumbs(lib, progress=False)
    left = lib.catalog.first_pass().archive.bytes_left
    lib.catalog.record_rate("archive", photos=5, nbytes=left, seconds=3 * 3600 + 10 * 60)
    data, out = status(capsys, lib)
    archived = data["first_pass"]["archived"]
    assert archived["eta_seconds"] == 11400
    assert archived["last_rate"]["mb_per_s"] == round(left / 11400 / 1e6, 2)
    line = next(x for x in out.splitlines() if x.startswith("  archived"))
    assert line.endswith(f"; about 3 h 10 min at the last run's {speed(5 / 11400, left / 11400)}")


def test_the_figures_are_one_scan_of_the_items(library):
    plan = [row[3] for row in library.catalog._db.execute("EXPLAIN QUERY PLAN " + FIRST_PASS_SQL)]
    scans = [p for p in plan if p.startswith("SCAN")]
    assert scans == ["SCAN i", next(p for p in scans if p.startswith("SCAN (subquery"))], plan
    assert any("files_unverified" in p for p in plan), plan  # each item's files by the index, not a scan


def test_wording_of_sizes_times_and_rates():
    assert gigabytes(0) == "0.0 GB" and gigabytes(10_000_000) == "under 0.1 GB" and gigabytes(1_234_567_890) == "1.2 GB"
    assert duration(20) == "under a minute" and duration(12 * 60) == "12 min" and duration(11400) == "3 h 10 min"
    assert duration(7200) == "2 h" and duration(2 * 86400 + 4 * 3600) == "2 d 4 h"
    assert speed(10, 41e6) == "41 MB/s" and speed(10, 2.5e6) == "2.5 MB/s" and speed(12, 0) == "12 photos/s"
    assert Stage(1, 3, 0).percent == 33.3 and Stage(9999, 10000, 0).percent == 99.9 and Stage(0, 0, 0).percent == 100.0
    assert Rate.of_run(0, 10, 1.0, 0) is None and Rate.of_run(5, 10, 0, 0) is None
    assert Rate(2.0, 0, 0).seconds_for(Stage(0, 10, 0)) == 5.0
    assert Rate(2.0, 100.0, 0).seconds_for(Stage(0, 10, 1000, unknown_sizes=4)) == 12.0
