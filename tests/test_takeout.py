"""import-takeout on Takeouts the tests build: every sidecar quirk, every container."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from conftest import CLI, assert_one_error_line
from images import jpeg_bytes
from photofs.jobs.import_takeout import import_takeout
from photofs.jobs.thumbs import make_thumbs
from photofs.vfs import PhotoVFS
from takeout_builder import ROOT, Takeout, full_takeout, sidecar, ts


def items_by_name(lib):
    out = {}
    for i in lib.catalog.items():
        out.setdefault(i.original_name, []).append(i)
    return out


def utc(ts_value) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts_value, dt.timezone.utc)


@pytest.fixture
def imported(library, tmp_path):
    part = full_takeout().zip(tmp_path / "takeout-001.zip")
    summary = import_takeout(library, [part], progress=False)
    return library, summary, part


def one(by, name):
    assert len(by[name]) == 1, (name, by[name])
    return by[name][0]


def test_sidecar_forms(imported):
    lib, summary, _ = imported
    by = items_by_name(lib)
    assert utc(one(by, "IMG_0001.jpg").taken_at) == dt.datetime(2019, 4, 8, 10, tzinfo=dt.timezone.utc)
    for name, day in [("IMG_0002.jpg", 9), ("IMG_0010.jpg", 10), ("IMG_0011.jpg", 11), ("IMG_0012.jpg", 12),
                      ("IMG_0013.jpg", 13)]:
        item = one(by, name)
        assert item.time_source == "sidecar" and utc(item.taken_at).day == day, name
    long = one(by, "PXL_20190412_101112345.PORTRAIT-01.COVER_vacation.jpg")
    assert long.time_source == "sidecar" and utc(long.taken_at).day == 12


def test_duplicate_counters(imported):
    lib, _, _ = imported
    imgs = sorted(lib.catalog.items(), key=lambda i: i.taken_at or 0)
    pair = [i for i in imgs if i.original_name == "img.jpg"]
    assert [utc(i.taken_at).hour for i in pair] == [10, 11]  # img(1).jpg got img.jpg(1).json
    dup = [i for i in imgs if i.original_name == "dup.jpg"]
    assert len(dup) == 1 and utc(dup[0].taken_at).day == 14


def test_edited_copies_share_the_original_sidecar(imported):
    lib, _, _ = imported
    by = items_by_name(lib)
    edited = one(by, "IMG_0003-edited.jpg")
    assert edited.time_source == "sidecar" and edited.taken_at == one(by, "IMG_0003.jpg").taken_at
    assert one(by, "IMG_0004-bearbeitet.jpg").time_source == "sidecar"


def test_fallbacks_without_a_sidecar(imported):
    lib, summary, _ = imported
    by = items_by_name(lib)
    assert one(by, "exif_only.jpg").time_source == "exif"
    named = one(by, "IMG_20190412_101112.jpg")
    assert named.time_source == "filename"
    assert one(by, "Screenshot_2020-01-02-03-04-05.jpg").time_source == "filename"
    assert summary.counts["without sidecar"] == 3


def test_metadata_fields(imported):
    lib, _, _ = imported
    first = one(items_by_name(lib), "IMG_0001.jpg")
    assert first.description == "Beach" and first.people == ["Ada"] and first.favorited
    assert (first.gps_lat, first.gps_lon) == (43.7, 7.26)
    assert first.url == "https://photos.google.com/photo/IMG_0001.jpg"
    assert one(items_by_name(lib), "IMG_0002.jpg").gps_lat is None  # all zeros: no location


def test_one_item_for_a_photo_in_a_year_folder_and_albums(imported):
    lib, summary, _ = imported
    first = one(items_by_name(lib), "IMG_0001.jpg")
    assert first.albums == ["Family (old form)", "Italy 2019"]
    assert len(lib.catalog.files_of(first.id)) == 3  # three places in the part, one photo


def test_motion_photos_and_videos(imported):
    lib, _, part = imported
    by = items_by_name(lib)
    mp = one(by, "PXL_0005.MP.jpg")
    roles = sorted(f[0] for f in lib.catalog.files_of(mp.id))
    assert roles == ["motion", "original"] and "PXL_0005.MP" not in by
    live = one(by, "IMG_0006.jpg")
    assert ("motion", str(part), f"{ROOT}/Photos from 2019/IMG_0006.mp4") in [f[:3] for f in lib.catalog.files_of(live.id)]
    video = one(by, "VID_0007.mp4")
    assert video.kind == "video" and video.time_source == "sidecar"


def test_special_folders(imported):
    lib, _, _ = imported
    by = items_by_name(lib)
    assert one(by, "DSC_0100.jpg").albums == []  # "Fotos von 2018" is a year folder, not an album
    assert one(by, "IMG_0008.jpg").archived and one(by, "IMG_0008.jpg").albums == []
    trashed = one(by, "IMG_0009.jpg")
    assert trashed.trashed


def test_rerun_does_nothing_new_and_a_later_takeout_merges(imported, tmp_path):
    lib, first, part = imported
    again = import_takeout(lib, [part], progress=False)
    assert again.counts["new"] == 0 and again.counts["already indexed"] > 0
    count = len(lib.catalog.items())
    later = full_takeout()
    later.add("New album/IMG_0001.jpg", later.members[f"{ROOT}/Photos from 2019/IMG_0001.jpg"])
    later.add("New album/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", ts(2019, 4, 8, 10)))
    # The builder makes new pixels for every photo it draws: keep the first Takeout's bytes.
    z = zipfile.ZipFile(part)
    for name in z.namelist():
        later.members[name] = z.read(name)
    later.add("New album/IMG_0001.jpg", z.read(f"{ROOT}/Photos from 2019/IMG_0001.jpg"))
    part2 = later.zip(tmp_path / "takeout-2025.zip")
    result = import_takeout(lib, [part2], progress=False)
    assert result.counts["new"] == 0 and len(lib.catalog.items()) == count
    assert "New album" in one(items_by_name(lib), "IMG_0001.jpg").albums


def test_a_sidecar_in_another_part(library, tmp_path):
    t = full_takeout()
    part1 = t.zip(tmp_path / "p1.zip", only=[".jpg", ".mp4", ".MP"])
    part2 = t.zip(tmp_path / "p2.zip", only=[".json"])
    import_takeout(library, [part1, part2], progress=False)
    assert one(items_by_name(library), "IMG_0002.jpg").time_source == "sidecar"


def test_a_stray_sidecar_in_another_folder_is_found_by_title(library, tmp_path):
    t = Takeout()
    t.photo("Photos from 2019/lonely.jpg")
    t.add("Somewhere else/lonely.jpg.json", sidecar("lonely.jpg", ts(2019, 6, 1, 10)))
    import_takeout(library, [t.zip(tmp_path / "p.zip")], progress=False)
    assert one(items_by_name(library), "lonely.jpg").time_source == "sidecar"


@pytest.mark.parametrize("kind", ["tgz", "folder"])
def test_tgz_and_unpacked_folders(library, tmp_path, kind):
    t = full_takeout()
    path = t.tgz(tmp_path / "takeout.tgz") if kind == "tgz" else t.folder(tmp_path / "unpacked")
    import_takeout(library, [path], progress=False)
    by = items_by_name(library)
    assert one(by, "IMG_0001.jpg").albums == ["Family (old form)", "Italy 2019"]
    assert one(by, "IMG_0011.jpg").time_source == "sidecar"
    make_thumbs(library, progress=False)  # the originals are read back out of the part
    assert {i.state for i in library.catalog.items()} == {"thumbnailed"}


def test_mixed_parts_and_the_mount(library, tmp_path):
    t = full_takeout()
    zpart = t.zip(tmp_path / "a.zip", only=["Photos from 2019/IMG_0001.jpg", ".json"])
    tpart = t.tgz(tmp_path / "b.tgz")
    import_takeout(library, [zpart, tpart], progress=False)
    make_thumbs(library, progress=False)
    vfs = PhotoVFS(library.path, refresh_seconds=0)
    galleries = [n for n, _ in vfs.listdir("/by-gallery")]
    assert "Italy 2019" in galleries and "Family (old form)" in galleries
    shown = {n for w, _ in vfs.listdir("/by-week") if w[0].isdigit() for n, _ in vfs.listdir(f"/by-week/{w}")}
    trashed = one(items_by_name(library), "IMG_0009.jpg")
    assert f"{trashed.phash}.jpg" not in shown  # trashed: indexed, not shown
    assert not [g for g in vfs.listdir("/by-similar") if "video" in g[0]]


# -- bad input -----------------------------------------------------------------

def test_truncated_and_corrupt_parts(library, tmp_path):
    good = full_takeout().zip(tmp_path / "good.zip")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 500)
    summary = import_takeout(library, [truncated, corrupt, good], progress=False)
    assert summary.counts["unreadable parts"] == 2
    assert len([p for p in summary.problems if "truncated.zip" in p]) == 1
    assert summary.counts["new"] > 20  # the good part went on


def test_a_truncated_tgz_keeps_what_was_read(library, tmp_path):
    t = full_takeout()
    tgz = t.tgz(tmp_path / "t.tgz")
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(tgz.read_bytes()[: int(tgz.stat().st_size * 0.6)])
    summary = import_takeout(library, [cut], progress=False)
    assert summary.counts["unreadable parts"] >= 1 and summary.counts["new"] > 0
    assert any("cut.tgz" in p and "re-download" in p for p in summary.problems)


def test_hostile_member_names(library, tmp_path):
    part = tmp_path / "hostile.zip"
    with zipfile.ZipFile(part, "w") as z:
        z.writestr("/etc/passwd", b"x")
        z.writestr(f"{ROOT}/../../escape.jpg", jpeg_bytes())
        z.writestr(f"{ROOT}/Photos from 2019/bad\x1b[31m.jpg", jpeg_bytes())
        z.writestr(f"{ROOT}/Photos from 2019/fine.jpg", jpeg_bytes())
    before = {p.name for p in tmp_path.iterdir()}
    summary = import_takeout(library, [part], progress=False)
    assert summary.counts["refused names"] == 3 and summary.counts["new"] == 1
    assert {p.name for p in tmp_path.iterdir()} == before  # nothing written beside the part
    assert all("\x1b" not in line for line in summary.problems)


def test_bad_sidecars(library, tmp_path):
    t = Takeout()
    t.photo("Photos from 2019/a.jpg", when=dt.datetime(2019, 5, 5, 5))
    t.add("Photos from 2019/a.jpg.json", b"{not json")
    t.photo("Photos from 2019/b.jpg", when=dt.datetime(2019, 5, 6, 5))
    t.add("Photos from 2019/b.jpg.json", json.dumps({"title": "b.jpg", "photoTakenTime": {"timestamp": "soon"}}).encode())
    t.photo("Photos from 2019/c.jpg")
    t.add("Photos from 2019/c.jpg.json", json.dumps({"title": "c.jpg", "url": "u"}).encode())  # lacks fields
    t.photo("Photos from 2019/d.jpg")
    t.add("Photos from 2019/d.jpg.json", sidecar("d.jpg", "99999999999999"))
    summary = import_takeout(library, [t.zip(tmp_path / "p.zip")], progress=False)
    by = items_by_name(library)
    assert one(by, "a.jpg").time_source == "exif" and summary.counts["bad sidecars"] == 1
    b = one(by, "b.jpg")
    assert b.time_source == "exif" and "not a number" in b.warnings[0]
    assert one(by, "c.jpg").taken_at is None
    assert one(by, "d.jpg").taken_at is None and "plausible" in one(by, "d.jpg").warnings[0]


def test_zip_bomb(library, tmp_path):
    part = tmp_path / "bomb.zip"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{ROOT}/Photos from 2019/bomb.jpg", b"\0" * (64 * 2**20))
        z.writestr(f"{ROOT}/Photos from 2019/fine.jpg", jpeg_bytes())
    summary = import_takeout(library, [part], progress=False)
    assert summary.counts["unreadable members"] == 1 and summary.counts["new"] == 1
    assert [p for p in summary.problems if "bomb.jpg" in p and "zip bomb" in p]


def test_cli(cli, tmp_path):
    part = full_takeout().zip(tmp_path / "t.zip")
    data = cli.json("import-takeout", part)
    assert data["counts"]["new"] > 20
    row = next(r for r in cli.json("items") if r["original_name"] == "IMG_0001.jpg")
    assert row["albums"] == ["Family (old form)", "Italy 2019"] and row["people"] == ["Ada"]
    assert row["url"].startswith("https://photos.google.com/") and row["nas_verified"] is False
    assert_one_error_line(*cli("import-takeout", tmp_path / "missing.zip")[::2], "no such file or folder")
    (tmp_path / "notes.txt").write_text("hi")
    code, out, err = cli("import-takeout", tmp_path / "notes.txt")
    assert code == 0 and "not a Takeout part" in out


def test_a_killed_import_resumes_without_duplicates(library, tmp_path, monkeypatch):
    import photofs.jobs.import_takeout as job
    part = full_takeout().zip(tmp_path / "t.zip")
    real_flush, calls = job._flush, []

    def flush_then_die(cat, pending, summary, ledger):
        real_flush(cat, pending, summary, ledger)
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the user pressed Ctrl-C after the first batch
    monkeypatch.setattr(job, "BATCH", 5)
    monkeypatch.setattr(job, "_flush", flush_then_die)
    with pytest.raises(KeyboardInterrupt):
        import_takeout(library, [part], progress=False)
    partial = len(library.catalog.items())
    assert 0 < partial < 25
    monkeypatch.setattr(job, "_flush", real_flush)
    result = import_takeout(library, [part], progress=False)
    assert result.counts["already indexed"] >= partial
    reference = tmp_path / "ref"
    from photofs.library_folder import LibraryFolder
    from photofs.settings import Settings
    ref = LibraryFolder.create(reference, Settings(birth_date="1990-05-17", time_zone=library.settings.time_zone))
    import_takeout(ref, [part], progress=False)
    assert sorted(i.source_id for i in library.catalog.items()) == sorted(i.source_id for i in ref.catalog.items())
