"""/by-similar/ names a group's kinds from what its photos are (burst, raw+jpeg, edited)
and chooses its best photo by pixels, then the original over Google's re-encode, then size."""

import datetime as dt

import numpy as np
from PIL import ImageEnhance

from conftest import CLI
from photofs.index.names import burst_key, is_edited
from photofs.index.snapshot import Snapshot
from photofs.jobs.add_folder import add_folder
from photofs.jobs.sample_photos import exif_for, scene
from photofs.views import by_similar
from photofs.vfs import PhotoVFS


def _snapshot(photos):
    """A snapshot of (name, phash, width, height, size, kind, source[, burst_id]) rows, as the catalog gives them."""
    rows = [(i + 1, f"{p[1]:016x}", 1.5e9, 1500, 5000, p[2], p[3], p[4], p[0], f"/p/{p[0]}", None, None, None, p[5], None,
             None, p[6], p[7] if len(p) > 7 else None) for i, p in enumerate(photos)]
    return Snapshot.from_rows([rows])


def _groups(snap):
    return [(path[0].split("_", 1)[1], rows.tolist()) for path, rows in by_similar.build(snap, 10).leaves.items()]


def test_burst_names_and_edited_names():
    assert burst_key("00000IMG_00000_BURST20190412101112345_COVER.jpg") == burst_key(
        "00001IMG_00001_BURST20190412101112345.jpg") == 20190412101112345
    assert burst_key("IMG_20190412_101112_BURST002.jpg") == 20190412101112 and burst_key("IMG_20190412_101112.jpg") == -1
    assert is_edited("IMG_1-edited.jpg") and is_edited("IMG_1-bearbeitet(1).JPG") and not is_edited("IMG_1.jpg")


def test_a_group_is_named_for_what_its_photos_are():
    base = 0x9F3A_5C7E_1B2D_4E6F
    snap = _snapshot([
        ("DSC_0001.NEF", base, 6000, 4000, 25_000_000, "raw", "folder"),
        ("DSC_0001.JPG", base ^ 0b11, 6000, 4000, 8_000_000, "photo", "folder"),
        ("00000IMG_00000_BURST20190412101112345_COVER.jpg", base ^ 0xFFFF_0000_0000, 4000, 3000, 3_000_000, "photo", "takeout"),
        ("00001IMG_00001_BURST20190412101112345.jpg", base ^ 0xFFFF_0000_0003, 4000, 3000, 3_000_000, "photo", "takeout"),
        ("IMG_7.jpg", base ^ 0xFFFF_FFFF_0000_0000, 4000, 3000, 2_000_000, "photo", "folder"),
        ("IMG_7-edited.jpg", base ^ 0xFFFF_FFFF_0000_0007, 4000, 3000, 2_100_000, "photo", "folder"),
        ("IMG_8.jpg", base ^ 0xFFFF_FFFF_FFFF_0000, 4000, 3000, 2_000_000, "photo", "folder"),
        ("holiday.jpg", base ^ 0xFFFF_FFFF_FFFF_0001, 4000, 3000, 2_000_000, "photo", "folder"),
        # An iPhone burst: the names say nothing, the files' BurstUUID does.
        ("IMG_0100.HEIC", ~base & 0xFFFF_FFFF_FFFF_FFFF, 4032, 3024, 2_000_000, "photo", "folder", "C3D1-BURST"),
        ("IMG_0101.HEIC", ~base & 0xFFFF_FFFF_FFFF_FFF0, 4032, 3024, 1_900_000, "photo", "folder", "C3D1-BURST"),
    ])
    assert sorted(_groups(snap)) == [("2-photos_burst", [2, 3]), ("2-photos_burst", [8, 9]),
                                      ("2-photos_edited", [5, 4]), ("2-photos_near", [6, 7]),
                                      ("2-photos_raw+jpeg", [0, 1])]


def test_the_best_photo_has_most_pixels_then_is_the_original_then_the_largest_file():
    base = 0x1234_5678_9ABC_DEF0
    google = _snapshot([("a.jpg", base, 4000, 3000, 4_000_000, "photo", "library"),
                        ("a.jpg", base ^ 1, 4000, 3000, 3_000_000, "photo", "takeout"),
                        ("a.jpg", base ^ 2, 2000, 1500, 9_000_000, "photo", "folder")])
    (_, rows), = _groups(google)
    assert rows == [1, 0, 2]  # the Takeout original, though Google's re-encode is larger
    assert by_similar.why_best(google, np.array(rows)) == "as many pixels, and the original rather than Google's re-encode"
    assert by_similar.why_best(google, np.array([0, 2])) == "most pixels (12.0 MP against 3.0 MP)"
    assert by_similar.why_best(google, np.array([1, 0])) == "as many pixels, and the original rather than Google's re-encode"


def test_burst_and_edited_copies_group_in_the_mount_and_week_says_why_the_best_leads(library, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    when = dt.datetime(2019, 4, 10, 12)
    shot = scene(31, (1200, 900))
    shot.save(photos / "00000IMG_00000_BURST20190410120000123_COVER.jpg", quality=92, exif=exif_for(when))
    shot.resize((1000, 750)).save(photos / "00001IMG_00001_BURST20190410120000123.jpg", quality=80, exif=exif_for(when))
    other = scene(32, (1200, 900))
    other.save(photos / "IMG_0042.jpg", quality=92, exif=exif_for(when))
    ImageEnhance.Brightness(other).enhance(1.08).save(photos / "IMG_0042-edited.jpg", quality=92, exif=exif_for(when))
    add_folder(library, photos, progress=False)
    code, out, err = CLI(capsys, library.path)("week", "1508")
    assert code == 0, err
    groups = sorted(n for n, _ in PhotoVFS(library.path, refresh_seconds=0).listdir("/by-similar"))
    assert sorted(g.split("_", 1)[1] for g in groups) == ["2-photos_burst", "2-photos_edited"], groups
    assert "(best: most pixels (1.1 MP against 0.8 MP))" in out
    assert "(best: as many pixels, and the largest file" in out or "(best: alike in pixels and size" in out


def test_a_live_photo_that_came_as_two_items_is_one_group():
    def row(i, name, kind, taken, phash):
        return (i, f"{phash:016x}", taken, 1500, 5000, 4032, 3024, 2_000_000, name, f"/p/{i}/{name}", None, None, None,
                kind, None, None, "folder", None)
    snap = Snapshot.from_rows([[
        row(1, "IMG_0200.HEIC", "photo", 1.5e9, 0x0F0F_0F0F_0F0F_0F0F),
        row(2, "IMG_0200.MOV", "video", 1.5e9 + 1, 0xF0F0_F0F0_F0F0_F0F0),   # the other half, from another source
        row(3, "IMG_0200.MOV", "video", 1.5e9 + 3600, 0x3333_3333_3333_3333),  # the same name an hour later: not it
        row(4, "IMG_0201.HEIC", "photo", 1.5e9 + 1, 0x5555_5555_5555_5555),
        row(5, "IMG_0300.MOV", "video", float("nan"), 0x6666_6666_6666_6666),
    ]])
    assert _groups(snap) == [("2-photos_live", [0, 1])]
    a, b, kind = by_similar.pairs_of_rows(snap, np.array([1]), 10)  # an update that brings the video finds it too
    assert (a.tolist(), b.tolist(), [by_similar.KIND_ORDER[k] for k in kind]) == ([0], [1], ["live"])
