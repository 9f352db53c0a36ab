"""Nothing left behind: every file of every item is indexed, archived, verified and
accounted for before anything is offered for removal from the cloud.

The fixtures are the shapes real phones, cameras and Takeouts produce: Pixel motion
photos (`PXL_….MP.jpg` + `PXL_….MP`, and the `~2` copies), iPhone Live Photos
(`IMG_1234.HEIC` + `IMG_1234.MOV`, `.JPG` + `.MP4`), old Google Camera `MVIMG_`
parts without an extension, Samsung's `.MV`, RAW + JPEG pairs, lone RAW, videos and
GIFs, next to the litter (`notes.txt`, `.DS_Store`) a real folder has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from conftest import BIRTH, ZONE, CLI, assert_one_error_line
from images import clip_bytes, dng_bytes, jpeg_bytes
from photofs.domain.sorting import SortChange
from photofs.domain.media import group_folder
from photofs.domain.names import safe_file_name
from photofs.errors import PhotofsError
from photofs.jobs import removal_queue as rq
from photofs.jobs.add_folder import add_folder
from photofs.jobs.archive import archive
from photofs.jobs.import_takeout import import_takeout
from photofs.jobs.ledger import ledger
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from takeout_builder import Takeout, sidecar, ts

WHEN = dt.datetime(2019, 4, 10, 12)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CLIPS: dict[str, bytes] = {}


def video_bytes(tag: str) -> bytes:
    """A real H.264 clip of its own (PyAV), one per tag: a motion part or a video."""
    if tag not in _CLIPS:
        _CLIPS[tag] = clip_bytes(seed=500 + len(_CLIPS), seconds=1.5, size=(160, 120), fps=10)
    return _CLIPS[tag]


def raw_bytes(seed: int) -> bytes:
    """A real DNG (LibRaw reads it by its content, whatever the camera's extension)."""
    return dng_bytes(size=(320, 240), make=f"Cam{seed}")


def gif_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    frames = [Image.new("P", (40, 30), (seed * 7 + i) % 256) for i in range(3)]
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


def camera_folder(root: Path) -> dict[str, bytes]:
    """What a phone's and a camera's folders hold: name -> bytes."""
    files = {
        "IMG_1234.HEIC": jpeg_bytes(seed=1, when=WHEN),          # a Live Photo's still (bytes: JPEG, fine)
        "IMG_1234.MOV": video_bytes("live-1234"),
        "IMG_4321.JPG": jpeg_bytes(seed=2, when=WHEN),
        "IMG_4321.MP4": video_bytes("live-4321"),
        "PXL_20190410_120000123.MP.jpg": jpeg_bytes(seed=3, when=WHEN),
        "PXL_20190410_120000123.MP": video_bytes("pixel-motion"),
        "PXL_20190410_120000123.MP~2": video_bytes("pixel-motion-2"),
        "MVIMG_20190410_120001.jpg": jpeg_bytes(seed=4, when=WHEN),
        "MVIMG_20190410_120001": video_bytes("mvimg"),
        "DSC_0001.JPG": jpeg_bytes(seed=5, when=WHEN),
        "DSC_0001.NEF": raw_bytes(1),
        "DSC_0002.ARW": raw_bytes(2),
        "VID_20190410_1300.mp4": video_bytes("a video"),
        "20190410_140000.MV": video_bytes("samsung motion, still gone"),
        "party.gif": gif_bytes(9),
        "notes.txt": b"shopping list",
        ".DS_Store": b"\0\0\0\1Bud1",
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
        os.utime(root / name, (WHEN.timestamp(), WHEN.timestamp()))
    return files


@pytest.fixture
def nas_library(tmp_path):
    nas = tmp_path / "nas"
    nas.mkdir()
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    yield lib, nas
    lib.close()


def nas_files(nas: Path) -> dict[str, bytes]:
    """The copies on the NAS: everything but photofs's records and its marker."""
    return {p.name: p.read_bytes() for p in nas.rglob("*")
            if p.is_file() and not p.name.endswith(".photofs.json") and p.name != ".photofs-nas"}


def test_the_grouping_rule_files_every_companion_with_its_still():
    groups, others = group_folder(list(camera_folder_names()))
    by_shown = {g.shown: g.files for g in groups}
    assert by_shown["IMG_1234.HEIC"] == [("original", "IMG_1234.HEIC"), ("motion", "IMG_1234.MOV")]
    assert by_shown["PXL_20190410_120000123.MP.jpg"] == [
        ("original", "PXL_20190410_120000123.MP.jpg"), ("motion", "PXL_20190410_120000123.MP"),
        ("motion", "PXL_20190410_120000123.MP~2")]
    assert by_shown["MVIMG_20190410_120001.jpg"][1] == ("motion", "MVIMG_20190410_120001")
    assert by_shown["DSC_0001.JPG"] == [("jpeg", "DSC_0001.JPG"), ("raw", "DSC_0001.NEF")]
    assert by_shown["DSC_0002.ARW"] == [("original", "DSC_0002.ARW")]
    assert "20190410_140000.MV" in by_shown and "VID_20190410_1300.mp4" in by_shown
    assert sorted(others) == [".DS_Store", "notes.txt"]
    named = [n for g in groups for _, n in g.files] + others
    assert sorted(named) == sorted(camera_folder_names())  # every name exactly once


def camera_folder_names():
    return ["IMG_1234.HEIC", "IMG_1234.MOV", "IMG_4321.JPG", "IMG_4321.MP4", "PXL_20190410_120000123.MP.jpg",
            "PXL_20190410_120000123.MP", "PXL_20190410_120000123.MP~2", "MVIMG_20190410_120001.jpg",
            "MVIMG_20190410_120001", "DSC_0001.JPG", "DSC_0001.NEF", "DSC_0002.ARW", "VID_20190410_1300.mp4",
            "20190410_140000.MV", "party.gif", "notes.txt", ".DS_Store"]


def test_a_camera_folder_is_archived_whole_and_the_ledger_accounts_for_every_file(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    files = camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    cli = CLI(capsys, lib.path)
    items = cli.json("items")
    by_name = {i["original_name"]: i for i in items}
    assert len(items) == 9  # 4 motion or Live stills, a RAW+JPEG pair, a lone RAW, 2 videos (one a lone .MV), a GIF
    live = by_name["IMG_1234.HEIC"]
    assert [(f["role"], f["name"]) for f in live["files"]] == [("original", "IMG_1234.HEIC"), ("motion", "IMG_1234.MOV")]
    assert live["files"][1]["sha256"] is None  # add-folder reads headers only: hashed at its one full read
    assert live["files"][1]["size"] == len(files["IMG_1234.MOV"])
    assert by_name["DSC_0002.ARW"]["kind"] == "raw" and by_name["VID_20190410_1300.mp4"]["kind"] == "video"
    assert all(i["state"] != "error" for i in items), [(i["original_name"], i["error"]) for i in items]
    # Before the archive nothing is verified; the ledger still accounts for every file.
    report = cli.json("ledger")
    assert report["unaccounted"] == 0
    assert report["counts"] == {"item": 15, "skipped": 2}
    code, out, _ = cli("ledger")
    assert code == 0 and "0 unaccounted" in out.splitlines()[0]

    result = cli.json("archive")
    assert result["counts"]["archived"] == 9
    copied = nas_files(nas)
    for name, data in files.items():
        if name not in ("notes.txt", ".DS_Store"):
            assert copied[name] == data, name  # every file, byte for byte, under its own name
    after = cli.json("items")
    assert all(f["nas_verified"] for i in after for f in i["files"])
    # Every file's hash comes from the one read that copied it, and is its bytes' own.
    assert all(f["sha256"] == sha(files[f["name"]]) for i in after for f in i["files"])
    week = next(nas.rglob("IMG_1234.HEIC")).parent
    assert (week / "IMG_1234.MOV").exists()  # the motion video sits beside its still


def test_a_still_is_not_offered_until_its_motion_video_is_verified(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    files = camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    make_thumbs(lib, progress=False)
    live = next(i for i in lib.catalog.items() if i.original_name == "IMG_1234.HEIC")
    lib.catalog.apply_sort_change(SortChange(queue_add={live.id}))
    video = tmp_path / "DCIM" / "IMG_1234.MOV"
    os.rename(video, tmp_path / "on-the-phone.MOV")  # the video cannot be read today
    summary = archive(lib, progress=False)
    assert any("IMG_1234" in p for p in summary.problems)
    assert lib.catalog.get(live.id).nas_sha256 is None
    sheet = rq.worksheet(lib, tmp_path / "w.html")
    assert sheet["offered"] == 0 and sheet["waiting for a verified NAS copy"] == 1
    with pytest.raises(PhotofsError, match="no verified NAS copy"):
        rq.confirm(lib, [live.id])
    os.rename(tmp_path / "on-the-phone.MOV", video)
    archive(lib, progress=False)
    assert rq.worksheet(lib, tmp_path / "w.html")["offered"] == 1
    assert nas_files(nas)["IMG_1234.MOV"] == files["IMG_1234.MOV"]


def test_a_changed_or_missing_nas_copy_of_the_motion_video_closes_the_gate(nas_library, tmp_path):
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    archive(lib, progress=False)
    live = next(i for i in lib.catalog.items() if i.original_name == "IMG_4321.JPG")
    lib.catalog.apply_sort_change(SortChange(queue_add={live.id}))
    lib.catalog.promote_archived()
    assert rq.verified_copy(lib, lib.catalog.get(live.id))
    video = next(nas.rglob("IMG_4321.MP4"))
    video.write_bytes(video.read_bytes()[:-1] + b"!")  # bit rot on the NAS
    assert not rq.verified_copy(lib, lib.catalog.get(live.id))
    assert rq.worksheet(lib, tmp_path / "w.html")["offered"] == 0


def takeout_with_companions() -> Takeout:
    t = Takeout()
    y = "Photos from 2019"
    t.photo(f"{y}/PXL_20190410_120000123.MP.jpg", when=WHEN)
    t.add(f"{y}/PXL_20190410_120000123.MP", video_bytes("t-pixel"))
    t.add(f"{y}/PXL_20190410_120000123.MP~2", video_bytes("t-pixel-2"))
    t.add(f"{y}/PXL_20190410_120000123.MP.jpg.json", sidecar("PXL_20190410_120000123.MP.jpg", ts(2019, 4, 10, 10)))
    t.photo(f"{y}/IMG_1234.HEIC", when=WHEN)
    t.add(f"{y}/IMG_1234.MP4", video_bytes("t-live"))
    t.add(f"{y}/IMG_1234.HEIC.json", sidecar("IMG_1234.HEIC", ts(2019, 4, 10, 11)))
    t.photo(f"{y}/IMG_4321.JPG", when=WHEN)
    t.add(f"{y}/IMG_4321.MOV", video_bytes("t-live-2"))
    t.photo(f"{y}/MVIMG_20190410_120001.jpg", when=WHEN)
    t.add(f"{y}/MVIMG_20190410_120001", video_bytes("t-mvimg"))
    t.photo(f"{y}/DSC_0001.JPG", when=WHEN)
    t.add(f"{y}/DSC_0001.DNG", raw_bytes(3))
    t.add(f"{y}/VID_0007.mp4", video_bytes("t-video"))
    t.add(f"{y}/VID_0007.mp4.json", sidecar("VID_0007.mp4", ts(2019, 4, 17, 10)))
    t.add(f"{y}/party.gif", gif_bytes(3))
    # A title that is not a file name (Google allows slashes and no extension).
    t.photo(f"{y}/27_06_12 - 2.jpg", when=WHEN)
    t.add(f"{y}/27_06_12 - 2.jpg.json", sidecar("27/06/12 - 2", ts(2012, 6, 27, 10)))
    t.add("Italy/metadata.json", json.dumps({"title": "Italy"}).encode())
    t.add("Italy/IMG_4321.JPG", t.members[f"Takeout/Google Photos/{y}/IMG_4321.JPG"])
    t.members["Takeout/archive_browser.html"] = b"<html>Google's index page</html>"
    t.add(f"{y}/print-subscriptions.json", b'{"printSubscriptions": []}')
    return t


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_a_takeout_is_archived_whole_in_zip_and_folder_form(nas_library, tmp_path, form, capsys):
    lib, nas = nas_library
    t = takeout_with_companions()
    part = t.zip(tmp_path / "takeout-001.zip") if form == "zip" else t.folder(tmp_path / "unpacked")
    import_takeout(lib, [part], progress=False)
    cli = CLI(capsys, lib.path)
    by_name = {i["original_name"]: i for i in cli.json("items")}
    roles = {n: [(f["role"], f["name"]) for f in i["files"]] for n, i in by_name.items()}
    assert roles["PXL_20190410_120000123.MP.jpg"] == [
        ("original", "PXL_20190410_120000123.MP.jpg"), ("motion", "PXL_20190410_120000123.MP"),
        ("motion", "PXL_20190410_120000123.MP~2")]
    assert roles["IMG_1234.HEIC"][1] == ("motion", "IMG_1234.MP4")
    assert roles["MVIMG_20190410_120001.jpg"][1] == ("motion", "MVIMG_20190410_120001")
    assert roles["DSC_0001.JPG"] == [("jpeg", "DSC_0001.JPG"), ("raw", "DSC_0001.DNG")]
    assert by_name["IMG_4321.JPG"]["albums"] == ["Italy"]
    report = cli.json("ledger")
    assert report["unaccounted"] == 0, [e for e in report["entries"] if e["what"] == "unaccounted"]
    whats = {Path(e["member"]).name: (e["what"], e["item_id"]) for e in report["entries"]}
    assert whats["IMG_1234.HEIC.json"] == ("sidecar", by_name["IMG_1234.HEIC"]["id"])
    assert whats["metadata.json"][0] == "album metadata"
    assert whats["archive_browser.html"][0] == "skipped" and whats["print-subscriptions.json"][0] == "skipped"
    assert report["counts"]["copy"] == 1  # IMG_4321.JPG in the album too: one photo, two places

    summary = cli.json("archive")
    assert summary["counts"]["archived"] == len(by_name)
    copied = nas_files(nas)
    for member, data in t.members.items():
        name = member.rsplit("/", 1)[-1]
        if name.endswith((".json", ".html")) or name == "27_06_12 - 2.jpg":
            continue
        assert copied[name] == data, name
    odd = next(i for i in cli.json("items") if i["title"] == "27/06/12 - 2")
    assert Path(odd["nas_path"]).name == "27_06_12 - 2.jpg" and Path(odd["nas_path"]).is_relative_to(nas)
    assert all(i["nas_verified"] for i in cli.json("items"))


def test_the_nas_going_away_mid_run_stops_cleanly_and_a_rerun_finishes(nas_library, tmp_path, monkeypatch):
    lib, nas = nas_library
    files = camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    import photofs.jobs.archive_copy as job
    real, calls = job.write_verified, []

    def unmount_after_three(folder, name, stream, expected=None):
        calls.append(name)
        if len(calls) == 4:
            os.rename(nas, tmp_path / "nas-offline")  # the share drops out mid-run
        return real(folder, name, stream, expected)

    monkeypatch.setattr(job, "write_verified", unmount_after_three)
    with pytest.raises(PhotofsError, match="went away"):
        archive(lib, progress=False)
    os.rename(tmp_path / "nas-offline", nas)
    for f in (f for i in lib.catalog.items() for f in lib.catalog.files(i.id)):
        if f.verified:  # whatever was recorded is there, whole
            assert Path(f.nas_path).read_bytes() == files[f.name]
    assert set(nas_files(nas)) <= set(files) | {n for n in nas_files(nas) if n.startswith(".photofs-tmp-")}
    monkeypatch.setattr(job, "write_verified", real)
    archive(lib, progress=False)
    assert all(i.nas_sha256 for i in lib.catalog.items())
    assert not list(nas.rglob(".photofs-tmp-*"))


def test_one_bad_item_is_that_items_error_and_the_run_goes_on(nas_library, tmp_path):
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    victim = next(i for i in lib.catalog.items() if i.original_name == "IMG_4321.JPG")
    os.unlink(tmp_path / "DCIM" / "IMG_4321.MP4")  # gone since it was indexed
    summary = archive(lib, progress=False)
    assert summary.counts["archived"] == 8 and summary.counts["original not reachable"] == 1
    assert len([p for p in summary.problems if "IMG_4321" in p]) == 1
    assert lib.catalog.get(victim.id).nas_sha256 is None


def test_safe_names_for_every_nas():
    assert safe_file_name("27/06/12 - 2", ".jpg") == "27_06_12 - 2.jpg"
    assert safe_file_name("../../x.jpg", ".jpg") == "_._.._x.jpg"  # no slash, and hidden by no NAS
    assert "/" not in safe_file_name("/tmp/x.jpg", ".jpg")
    assert safe_file_name("CON.jpg", ".jpg") == "_CON.jpg" and safe_file_name("nul", ".mp4") == "_nul.mp4"
    assert safe_file_name("trailing. . ", ".jpg") == "trailing.jpg"
    assert safe_file_name("a\0b\x1bc.jpg", ".jpg") == "a_b_c.jpg"
    long = safe_file_name("é" * 300 + ".jpg", ".jpg")
    assert long.endswith(".jpg") and len(long.encode()) <= 200
    assert safe_file_name("", ".heic") == "unnamed.heic"


def hostile_takeout() -> Takeout:
    t = Takeout()
    y = "Photos from 2019"
    for n, title in enumerate(["../../escape.jpg", "/tmp/absolute.jpg", "nul\0byte.jpg", "x" * 240 + ".jpg",
                               "CON", "back\\slash.jpg"]):
        t.photo(f"{y}/IMG_{n:04d}.jpg", when=WHEN)
        t.add(f"{y}/IMG_{n:04d}.jpg.json", sidecar(title, ts(2019, 4, 10, 10 + n)))
    t.photo(f"{y}/" + "long" * 75 + ".jpg", when=WHEN)  # a 304-character member name
    t.add(f"{y}/IMG_0100.jpg.json", sidecar("IMG_0100.jpg", ts(2019, 4, 11, 10),
                                            geoData={"latitude": 45.0, "longitude": 7.0, "altitude": float("inf")}))
    t.photo(f"{y}/IMG_0100.jpg", when=WHEN)
    t.add(f"{y}/IMG_0101.jpg.json", sidecar("IMG_0101.jpg", ts(2019, 4, 11, 11),
                                            geoData={"latitude": 45.0, "longitude": 7.0, "altitude": 1e20}))
    t.photo(f"{y}/IMG_0101.jpg", when=WHEN)
    t.add(f"{y}/IMG_0102.jpg.json", sidecar("IMG_0102.jpg", ts(2019, 4, 11, 12),
                                            geoData={"latitude": 45.0, "longitude": 7.0, "altitude": -5e9}))
    t.photo(f"{y}/IMG_0102.jpg", when=WHEN)
    return t


def test_a_title_is_never_a_path_and_odd_input_never_stops_a_job(nas_library, tmp_path):
    lib, nas = nas_library
    imported = import_takeout(lib, [hostile_takeout().zip(tmp_path / "t.zip")], progress=False)
    assert imported.counts["thumbnails made"] == 10  # made from the import's one read of each photo
    thumbs = make_thumbs(lib, progress=False)
    assert thumbs.counts["already done"] == 10
    summary = archive(lib, progress=False)
    assert summary.counts["archived"] == 10, summary.problems
    real_nas = Path(os.path.realpath(nas))
    for item in lib.catalog.items():
        path = Path(os.path.realpath(item.nas_path))
        assert path.is_relative_to(real_nas) and len(path.name.encode()) <= 255, item.nas_path
    assert not (tmp_path / "escape.jpg").exists() and not Path("/tmp/absolute.jpg").exists()
    titles = {i.title for i in lib.catalog.items()}
    assert "../../escape.jpg" in titles  # Google's title stays in the catalog
    # A second run has nothing to do, and the thumbnails of the odd ones are served.
    assert archive(lib, progress=False).counts["already archived"] == 10


def test_a_bogus_exif_date_and_a_huge_make_never_stop_a_folder(nas_library, tmp_path):
    lib, nas = nas_library
    d = tmp_path / "odd"
    d.mkdir()
    (d / "future.jpg").write_bytes(jpeg_bytes(seed=1, when=dt.datetime(9999, 12, 31, 23, 59, 59), offset="-14:00"))
    (d / "make.jpg").write_bytes(jpeg_bytes(seed=2, when=WHEN, camera=("M" * 60_000, "X")))
    (d / "fine.jpg").write_bytes(jpeg_bytes(seed=3, when=WHEN))
    summary = add_folder(lib, d, progress=False)
    assert summary.counts["new"] == 3
    future = next(i for i in lib.catalog.items() if i.original_name == "future.jpg")
    assert future.time_source == "mtime" and any("not a plausible capture date" in w for w in future.warnings)
    assert make_thumbs(lib, progress=False).counts["made"] == 3
    assert archive(lib, progress=False).counts["archived"] == 3


def test_an_unpacked_takeout_never_reads_a_fifo_or_a_device(nas_library, tmp_path):
    lib, nas = nas_library
    t = Takeout()
    t.photo("Photos from 2019/IMG_0001.jpg", when=WHEN)
    root = t.folder(tmp_path / "unpacked")
    album = root / "Takeout/Google Photos/Photos from 2019"
    os.mkfifo(album / "fifo.jpg")
    os.symlink("/dev/zero", album / "zero.jpg")
    summary = import_takeout(lib, [root], progress=False)  # returns: nothing hangs
    assert summary.counts["new"] == 1
    assert [i.original_name for i in lib.catalog.items()] == ["IMG_0001.jpg"]


def test_confirm_moves_folder_originals_to_the_trash_atomically_across_file_systems(nas_library, tmp_path,
                                                                                    monkeypatch):
    lib, nas = nas_library
    files = camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    archive(lib, progress=False)
    live = next(i for i in lib.catalog.items() if i.original_name == "IMG_1234.HEIC")
    lib.catalog.apply_sort_change(SortChange(queue_add={live.id}))
    lib.catalog.promote_archived()
    import errno
    real_rename = os.rename

    def cross_device(src, dst, *a, **k):
        if ".photofs-trash" in str(dst) and "photofs-tmp" not in str(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, *a, **k)

    monkeypatch.setattr(os, "rename", cross_device)
    result = rq.confirm(lib, [live.id])
    assert result["confirmed removed"] == 1
    trash = nas / ".photofs-trash"
    moved = {p.name: p.read_bytes() for p in trash.rglob("*") if p.is_file()}
    assert moved == {"IMG_1234.HEIC": files["IMG_1234.HEIC"], "IMG_1234.MOV": files["IMG_1234.MOV"]}
    assert not (tmp_path / "DCIM" / "IMG_1234.HEIC").exists() and not (tmp_path / "DCIM" / "IMG_1234.MOV").exists()
    # The files photofs moved are not "missing": the item stays as it was.
    monkeypatch.setattr(os, "rename", real_rename)
    summary = add_folder(lib, tmp_path / "DCIM", progress=False)
    assert summary.counts["missing"] == 0
    assert lib.catalog.get(live.id).state != "missing"


def test_an_archived_photo_whose_original_moved_away_stays_in_every_view(nas_library, tmp_path):
    from photofs.vfs import PhotoVFS
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    make_thumbs(lib, progress=False)
    archive(lib, progress=False)
    still = next(i for i in lib.catalog.items() if i.original_name == "DSC_0001.JPG")
    (tmp_path / "elsewhere").mkdir()
    for name in ("DSC_0001.JPG", "DSC_0001.NEF"):  # the user tidies the laptop after the archive
        os.rename(tmp_path / "DCIM" / name, tmp_path / "elsewhere" / name)
    summary = add_folder(lib, tmp_path / "DCIM", progress=False)
    assert summary.counts["missing"] == 0 and summary.counts["moved away, served from the verified NAS copy"] == 1
    lib.thumbs.cache.clear()  # the cache is regenerable: the NAS copy serves
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    try:
        item = lib.catalog.get(still.id)
        assert item.state == "thumbnailed"
        week = lib.calendar.folder_name(item.week)
        name = next(n for n, _ in vfs.listdir(f"/by-week/{week}") if n.startswith(item.phash))
        data = vfs.read_file(f"/by-week/{week}/{name}")
        assert data[:2] == b"\xff\xd8" and len(data) == vfs.stat(f"/by-week/{week}/{name}").size
    finally:
        vfs.close()


def test_the_thumbnails_stay_a_complete_backup(nas_library, tmp_path, capsys):
    from photofs.imaging.exif_record import read_record
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    make_thumbs(lib, progress=False)
    archive(lib, progress=False)
    cli = CLI(capsys, lib.path)
    live = next(i for i in lib.catalog.items() if i.original_name == "IMG_1234.HEIC")
    lib.catalog.apply_sort_change(SortChange(queue_add={live.id}))
    lib.catalog.promote_archived()
    rq.confirm(lib, [live.id])
    out = tmp_path / "backup"
    cli.json("export-thumbs", out)
    removed = list((out / "removed").glob("*.jpg"))
    assert len(removed) == 1
    record = read_record(removed[0].read_bytes())
    assert record["nas_path"] and record["nas_sha256"]
    assert {f["role"]: bool(f["nas_sha256"]) for f in record["files"]} == {"original": True, "motion": True}
    some = next((out / "by-week").rglob("*.jpg"))
    assert read_record(some.read_bytes())["nas_path"]
    # A new laptop: the catalog comes back from the thumbnails alone, NAS copies included.
    fresh = LibraryFolder.create(tmp_path / "fresh", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    CLI(capsys, fresh.path).json("rebuild", "--from-thumbs", out)
    restored = {i.original_name: i for i in fresh.catalog.items()}
    assert len(restored) == 9
    back = restored["IMG_1234.HEIC"]
    assert back.nas_sha256 and [f.role for f in fresh.catalog.files(back.id)] == ["original", "motion"]
    assert all(f.verified for f in fresh.catalog.files(back.id))
    assert dict((r[0], r[1]) for r in fresh.catalog.queue_rows())[back.id] == "removed"
    fresh.close()


def test_the_served_thumbnail_carries_the_nas_copy_once_archived(nas_library, tmp_path):
    from photofs.imaging.exif_record import read_record
    from photofs.vfs import PhotoVFS
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    make_thumbs(lib, progress=False)
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    try:
        def served():
            item = next(i for i in lib.catalog.items() if i.original_name == "IMG_4321.JPG")
            week = lib.calendar.folder_name(item.week)
            name = next(n for n, _ in vfs.listdir(f"/by-week/{week}") if n.startswith(item.phash))
            path = f"/by-week/{week}/{name}"
            return vfs.stat(path).size, vfs.read_file(path)

        size, before = served()
        assert read_record(before)["nas_path"] is None
        archive(lib, progress=False)
        size, after = served()
        assert size == len(after) and read_record(after)["nas_path"] and read_record(after)["files"][1]["nas_sha256"]
        assert served()[1] == after  # byte-for-byte stable
    finally:
        vfs.close()


def test_a_motion_video_found_later_reopens_the_gate(nas_library, tmp_path):
    lib, nas = nas_library
    d = tmp_path / "DCIM"
    d.mkdir()
    (d / "IMG_9.JPG").write_bytes(jpeg_bytes(seed=9, when=WHEN))
    add_folder(lib, d, progress=False)
    archive(lib, progress=False)
    item = lib.catalog.items()[0]
    lib.catalog.apply_sort_change(SortChange(queue_add={item.id}))
    assert dict((r[0], r[1]) for r in lib.catalog.queue_rows())[item.id] == "archived"
    (d / "IMG_9.MOV").write_bytes(video_bytes("late"))  # copied over from the phone later
    add_folder(lib, d, progress=False)
    assert lib.catalog.get(item.id).nas_sha256 is None
    assert dict((r[0], r[1]) for r in lib.catalog.queue_rows())[item.id] == "queued"
    archive(lib, progress=False)
    assert lib.catalog.get(item.id).nas_sha256 and (next(nas.rglob("IMG_9.MOV"))).read_bytes() == video_bytes("late")


def test_unattended_weeks_fail_loudly_when_the_nas_is_missing(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    os.rename(nas, tmp_path / "unplugged")
    code, out, err = CLI(capsys, lib.path)("week", "--all-pending", "--quiet")
    assert code == 1 and out == ""
    assert "archive could not run" in err and "not reachable" in err
    assert "archive could not run" in lib.log_path.read_text()
    assert lib.catalog.reviewed_weeks() == set()


def test_the_ledger_finds_what_no_import_has_seen(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    (tmp_path / "DCIM" / "IMG_NEW.JPG").write_bytes(jpeg_bytes(seed=77, when=WHEN))
    report = ledger(lib)
    assert report.unaccounted == 1
    code, out, _ = CLI(capsys, lib.path)("ledger")
    assert code == 1 and "1 unaccounted" in out and "IMG_NEW.JPG" in out
    week = lib.catalog.items()[0].week
    code, out, _ = CLI(capsys, lib.path)("ledger", "--week", str(week), "--json")
    assert code == 1 and json.loads(out)["unaccounted"] == 1  # unseen files belong to no week: always shown


def test_two_parts_with_different_files_at_one_path_are_not_taken_for_copies(nas_library, tmp_path, capsys):
    a, b = Takeout(), Takeout()
    a.photo("Photos from 2020/IMG_1.jpg", when=WHEN)
    b.seed = 900
    b.photo("Photos from 2020/IMG_1.jpg", when=WHEN)
    lib, nas = nas_library
    import_takeout(lib, [a.zip(tmp_path / "a.zip"), b.zip(tmp_path / "b.zip")], progress=False)
    report = ledger(lib)
    errors = [e for e in report.entries if e.what == "error"]
    assert len(errors) == 1 and "same path" in errors[0].detail and errors[0].container.endswith("b.zip")


def test_a_raw_found_beside_an_archived_jpeg_later_is_archived_too(nas_library, tmp_path):
    lib, nas = nas_library
    d = tmp_path / "DCIM"
    d.mkdir()
    (d / "IMG_1.JPG").write_bytes(jpeg_bytes(seed=61, when=WHEN))
    add_folder(lib, d, progress=False)
    archive(lib, progress=False)
    (d / "IMG_1.CR2").write_bytes(raw_bytes(61))
    add_folder(lib, d, progress=False)
    summary = archive(lib, progress=False)
    assert not summary.problems, summary.problems
    assert next(nas.rglob("IMG_1.CR2")).read_bytes() == raw_bytes(61)
    item = lib.catalog.items()[0]
    assert item.nas_sha256 and all(f.verified for f in lib.catalog.files(item.id))


def test_a_truncated_heic_is_one_line_of_error(library, tmp_path):
    from pillow_heif import register_heif_opener
    register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (10, 200, 30)).save(buf, "HEIF")
    d = tmp_path / "heic"
    d.mkdir()
    (d / "cut.heic").write_bytes(buf.getvalue()[:-10])
    add_folder(library, d, progress=False)
    thumbs = make_thumbs(library, progress=False)
    item = library.catalog.items()[0]
    assert item.state == "error" and "\n" not in item.error and "end of file" in item.error.lower()
    assert len([p for p in thumbs.problems if "cut.heic" in p]) == 1 and "\n" not in thumbs.as_text().split("! ")[-1]


def test_a_catalog_from_before_item_files_keeps_its_verified_copies(tmp_path):
    """Migration 11 on a catalog of the previous schema: folder and Google items get their
    file, Takeout places name theirs, and verified NAS copies carry over."""
    import sqlite3
    from photofs.catalog.schema import MIGRATIONS
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for v, script in enumerate(MIGRATIONS[:10]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version={v + 1}; COMMIT;")
    cols = "source, source_id, original_name, size, sha256, state, updated_at, nas_path, nas_sha256, nas_size"
    db.execute(f"INSERT INTO items ({cols}) VALUES ('folder', '/photos/2019/a.jpg', 'a.jpg', 10, 'aa', "
               "'thumbnailed', 1, '/nas/a.jpg', 'aa', 10)")
    db.execute(f"INSERT INTO items ({cols}) VALUES ('takeout', 't|1|bb', 'b.jpg', 20, 'bb', 'indexed', 1, "
               "NULL, NULL, NULL)")
    db.execute(f"INSERT INTO items ({cols}) VALUES ('library', 'g1', 'c.jpg', NULL, NULL, 'indexed', 1, "
               "NULL, NULL, NULL)")
    db.execute("INSERT INTO item_files VALUES (2, 'original', '/t.zip', 'Takeout/Google Photos/x/b.jpg', 20)")
    db.execute("INSERT INTO item_files VALUES (2, 'original', '/t.zip', 'Takeout/Google Photos/album/b.jpg', 20)")
    db.execute("INSERT INTO item_files VALUES (2, 'motion', '/t.zip', 'Takeout/Google Photos/x/b.mp4', 30)")
    db.execute("INSERT INTO item_files VALUES (2, 'google', 'library', 'g2', NULL)")
    db.commit()
    db.close()
    from photofs.catalog import Catalog
    cat = Catalog(path)
    a, b, c = (cat.files(i) for i in (1, 2, 3))
    assert [(f.role, f.name, f.verified) for f in a] == [("original", "a.jpg", True)]
    assert a[0].places[0].container == "/photos/2019" and a[0].places[0].member == "a.jpg"
    assert [(f.role, f.name) for f in b] == [("original", "b.jpg"), ("motion", "b.mp4")]
    assert len(b[0].places) == 3  # two in the part, one in Google
    assert [(f.role, f.name) for f in c] == [("original", "c.jpg")]
    cat.close()


def test_videos_and_raw_from_a_folder_carry_their_own_metadata(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    d = tmp_path / "phone"
    d.mkdir()
    (d / "VID_0001.mp4").write_bytes(clip_bytes(seed=7, seconds=2.0, size=(320, 240), fps=10,
                                                metadata={"creation_time": "2021-06-05T12:30:00Z"}))
    (d / "DSC_0009.DNG").write_bytes(dng_bytes(size=(320, 240)))  # 2021:06:05 14:30:00 +02:00, Paris
    (d / "noisy.tif").write_bytes(_broken_tiff())
    summary = add_folder(lib, d, progress=False)
    items = {i["original_name"]: i for i in CLI(capsys, lib.path).json("items")}
    clip, raw = items["VID_0001.mp4"], items["DSC_0009.DNG"]
    assert clip["kind"] == "video" and abs(clip["duration"] - 2.0) < 0.3 and clip["codec"] == "h264"
    assert clip["taken_at"].startswith("2021-06-05") and clip["time_source"] == "exif"
    assert raw["kind"] == "raw" and raw["make"] == "PhotoCam" and raw["time_zone_source"] == "exif"
    assert raw["taken_at"] == "2021-06-05T14:30:00+02:00"
    assert "noisy.tif" in " ".join(summary.problems)  # one line for the broken file, in the summary


def _broken_tiff() -> bytes:
    """A TIFF header whose first IFD points past the end: libtiff complains, Pillow refuses."""
    return b"II*\x00" + (10_000).to_bytes(4, "little") + b"\x00" * 16


def test_a_photo_moved_to_another_week_is_archived_in_that_week(nas_library, tmp_path):
    from photofs.vfs import PhotoVFS
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    make_thumbs(lib, progress=False)
    live = next(i for i in lib.catalog.items() if i.original_name == "IMG_1234.HEIC")
    week = lib.calendar.folder_name(live.week)
    later = lib.calendar.folder_name(live.week + 3)
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    try:
        name = next(n for n, _ in vfs.listdir(f"/by-week/{week}") if n.startswith(live.phash))
        if later not in {n for n, _ in vfs.listdir("/by-week")}:
            vfs.mkdir(f"/by-week/{later}")
        vfs.rename(f"/by-week/{week}/{name}", f"/by-week/{later}/{name}")
    finally:
        vfs.close()
    assert lib.catalog.get(live.id).week == live.week + 3
    archive(lib, progress=False)
    still, video = next(nas.rglob("IMG_1234.HEIC")), next(nas.rglob("IMG_1234.MOV"))
    assert still.parent.name == later and video.parent == still.parent


def test_the_nas_folder_is_never_indexed_as_new_photos(nas_library, tmp_path, capsys):
    """Its files are photofs's own copies: adding them would double every photo."""
    lib, nas = nas_library
    home = tmp_path / "home"
    camera_folder(home / "DCIM")
    nas.rename(home / "nas")  # the NAS mounted inside the folder the user adds
    nas = home / "nas"
    lib.settings.nas_path = str(nas)
    add_folder(lib, home / "DCIM", progress=False)
    archive(lib, progress=False)
    before = len(lib.catalog.items())
    cli = CLI(capsys, lib.path)
    code, _, err = cli("add-folder", str(nas / next(p.name for p in nas.iterdir() if p.is_dir())))
    assert_one_error_line(code, err, "is in the NAS folder photofs archives into", "nothing was indexed")
    summary = cli.json("add-folder", str(home))
    assert summary["counts"]["NAS folder left out (photofs's own copies)"] == 1
    assert len(lib.catalog.items()) == before  # the camera folder again: nothing new, the copies left out
    report = cli.json("ledger")
    assert report["unaccounted"] == 0


def test_a_root_that_cannot_be_read_fails_the_ledger(nas_library, tmp_path, capsys):
    """An unplugged share is not 'everything accounted for': its files were not checked."""
    lib, _ = nas_library
    camera_folder(tmp_path / "DCIM")
    add_folder(lib, tmp_path / "DCIM", progress=False)
    cli = CLI(capsys, lib.path)
    assert cli("ledger")[0] == 0
    os.rename(tmp_path / "DCIM", tmp_path / "unplugged")
    code, out, _ = cli("ledger")
    first = out.splitlines()[0]
    assert code == 1 and "1 folders or parts unreadable" in first
    assert any(line.startswith("  unreadable (cannot be read now:") for line in out.splitlines())
    report = json.loads(cli("ledger", "--json")[1])
    assert report["unreadable"] == 1 and report["counts"]["unreadable"] == 1


def test_a_trash_move_that_fails_leaves_that_photo_queued_and_confirms_the_others(nas_library, tmp_path, capsys):
    lib, nas = nas_library
    camera_folder(tmp_path / "DCIM")
    camera_folder(tmp_path / "DCIM2")
    for folder in ("DCIM", "DCIM2"):
        add_folder(lib, tmp_path / folder, progress=False)
    archive(lib, progress=False)
    ok = next(i for i in lib.catalog.items() if i.source_id == str(tmp_path / "DCIM" / "IMG_4321.JPG"))
    stuck = next(i for i in lib.catalog.items() if i.source_id == str(tmp_path / "DCIM2" / "IMG_4321.JPG"))
    lib.catalog.apply_sort_change(SortChange(queue_add={ok.id, stuck.id}))
    lib.catalog.promote_archived()
    blocker = nas / ".photofs-trash" / (tmp_path / "DCIM2").relative_to("/")
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the trash needs a folder")  # the NAS refuses the move
    cli = CLI(capsys, lib.path)
    code, out, err = cli("queue", "confirm", "--ids", f"{ok.id},{stuck.id}")
    assert code == 1 and "1 photo confirmed removed" in out
    assert_one_error_line(code, err, "IMG_4321.JPG", "could not be moved into .photofs-trash", "still queued")
    states = {i.id: s for i, s in rq.queue_entries(lib, None)}
    assert states[ok.id] == "removed" and states[stuck.id] != "removed"
    assert (tmp_path / "DCIM2" / "IMG_4321.JPG").exists() and (tmp_path / "DCIM2" / "IMG_4321.MP4").exists()
    assert not (tmp_path / "DCIM" / "IMG_4321.JPG").exists()


def test_a_still_copied_in_beside_its_lone_video_makes_one_item(nas_library, tmp_path):
    """The .MOV came off the phone first, the .HEIC later: one Live Photo, nothing `missing`."""
    lib, nas = nas_library
    files = camera_folder(tmp_path / "src")
    dcim = tmp_path / "DCIM"
    dcim.mkdir()
    (dcim / "IMG_1234.MOV").write_bytes(files["IMG_1234.MOV"])
    add_folder(lib, dcim, progress=False)
    archive(lib, progress=False)
    (video,) = lib.catalog.items()
    assert video.kind == "video" and video.nas_sha256
    (dcim / "IMG_1234.HEIC").write_bytes(files["IMG_1234.HEIC"])
    summary = add_folder(lib, dcim, progress=False)
    assert summary.counts["joined the shot they belong to (a still found beside a video)"] == 1
    (live,) = lib.catalog.items()
    assert live.original_name == "IMG_1234.HEIC" and live.state != "missing"
    assert [(f.role, f.name) for f in lib.catalog.files(live.id)] == [("original", "IMG_1234.HEIC"),
                                                                      ("motion", "IMG_1234.MOV")]
    archive(lib, progress=False)
    assert all(f.verified for f in lib.catalog.files(live.id))
    assert sorted(nas_files(nas)) == ["IMG_1234.HEIC", "IMG_1234.MOV"]  # the video's copy adopted, not doubled
