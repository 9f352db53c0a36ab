"""archive: verified, atomic, resumable copies on the NAS, and its failure modes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import piexif
import pytest

from conftest import BIRTH, ZONE
from photofs.errors import PhotofsError
from photofs.jobs.archive import NAS_MARKER, TMP_PREFIX, archive
from photofs.jobs.archive_copy import HOST, write_verified
from photofs.jobs.import_takeout import import_takeout
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from takeout_builder import full_takeout


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_originals_land_verified_where_they_belong(nas_lib):
    lib, nas = nas_lib
    summary = archive(lib, progress=False)
    assert summary.counts["archived"] == len(lib.catalog.items()) == 18
    for item in lib.catalog.items():
        copy = Path(item.nas_path)
        assert copy.is_file() and sha(copy) == item.nas_sha256 == item.sha256  # folder originals: byte for byte
        assert copy.stat().st_mtime == pytest.approx(item.taken_at, abs=1)
        record = json.loads(copy.with_name(copy.name + ".photofs.json").read_text())
        assert record["sha256"] == item.sha256 and record["nas_path"] == str(copy)
    first = next(i for i in lib.catalog.items() if i.original_name == "IMG_20190408_1001.jpg")
    assert Path(first.nas_path).parent == nas / "2019" / "1508_2019-04-08"
    scan = next(i for i in lib.catalog.items() if i.original_name == "scan_grandparents.jpg")
    assert Path(scan.nas_path).parent == nas / "before-birth" / "1975"
    assert not list(nas.rglob(TMP_PREFIX + "*"))


def test_a_rerun_copies_nothing_twice(nas_lib):
    lib, nas = nas_lib
    archive(lib, progress=False)
    files = sorted(nas.rglob("*"))
    again = archive(lib, progress=False)
    assert set(again.counts) == {"already archived"}
    assert sorted(nas.rglob("*")) == files


def test_byte_identical_originals_share_one_verified_copy(nas_lib):
    lib, nas = nas_lib
    archive(lib, progress=False)
    copies = [i for i in lib.catalog.items() if i.original_name == "IMG_20190408_1001.jpg"]
    assert len(copies) == 2  # the exact copy in another folder: same name, same bytes, same week
    assert copies[0].nas_path == copies[1].nas_path and copies[0].nas_sha256 == copies[1].nas_sha256


def test_write_verified_never_replaces_and_adopts_its_own_earlier_copy(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"someone else's")
    assert write_verified(tmp_path, "a.jpg", io.BytesIO(b"mine"))[0].name == "a (2).jpg"
    assert (tmp_path / "a.jpg").read_bytes() == b"someone else's"
    final, digest, size = write_verified(tmp_path, "a.jpg", io.BytesIO(b"mine"))
    assert final.name == "a (2).jpg" and not (tmp_path / "a (3).jpg").exists()  # already there: adopted
    assert digest == hashlib.sha256(b"mine").hexdigest() and size == 4
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"{TMP_PREFIX}{HOST}-{dead.pid}-4").write_bytes(b"half a phot")  # a killed run's leftover
    (tmp_path / f"{TMP_PREFIX}{dead.pid}-5").write_bytes(b"half a phot")  # named by an older photofs
    busy = tmp_path / f"{TMP_PREFIX}{HOST}-{os.getpid()}-6"  # another worker's copy in flight: left alone
    busy.write_bytes(b"streaming")
    remote = tmp_path / f"{TMP_PREFIX}desktop-77-7"  # a cluster worker's on another machine
    remote.write_bytes(b"streaming")
    write_verified(tmp_path, "b.jpg", io.BytesIO(b"x"))
    assert sorted(tmp_path.glob(TMP_PREFIX + "*")) == sorted([busy, remote])
    os.utime(remote, (time.time() - 2 * 86400,) * 2)  # untouched for two days: that run is gone
    write_verified(tmp_path, "c.jpg", io.BytesIO(b"x"))
    assert list(tmp_path.glob(TMP_PREFIX + "*")) == [busy]


def test_takeout_originals_get_location_and_description_written_in(tmp_path):
    nas = tmp_path / "nas"
    nas.mkdir()
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    import_takeout(lib, [full_takeout().zip(tmp_path / "t.zip")], progress=False)
    archive(lib, progress=False)
    item = next(i for i in lib.catalog.items() if i.original_name == "IMG_0001.jpg")
    copy = Path(item.nas_path)
    exif = piexif.load(copy.read_bytes())
    assert exif["GPS"][piexif.GPSIFD.GPSLatitudeRef] == b"N"
    assert exif["0th"][piexif.ImageIFD.ImageDescription] == b"Beach"
    assert item.nas_sha256 == sha(copy) != item.sha256  # verified against what was written
    video = next(i for i in lib.catalog.items() if i.original_name == "VID_0007.mp4")
    assert Path(video.nas_path).read_bytes()[4:8] == b"ftyp"  # the video itself, unchanged


def test_no_nas_or_a_vanished_nas_is_one_clear_error(tmp_path, originals):
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE))
    with pytest.raises(PhotofsError, match="no NAS folder is set"):
        archive(lib, progress=False)
    lib.settings.nas_path = str(tmp_path / "unplugged")
    with pytest.raises(PhotofsError, match="not reachable"):
        archive(lib, progress=False)


def test_a_full_nas_stops_with_nothing_half_written(nas_lib, tmp_path):
    lib, nas = nas_lib
    small = tmp_path / "small-nas"
    small.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(small)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()}")
    try:
        lib.settings.nas_path = str(small)
        with pytest.raises(PhotofsError, match="the NAS is full") as e:
            archive(lib, progress=False)
        assert "none is half-written" in str(e.value)
        assert not list(small.rglob(TMP_PREFIX + "*"))
        archived = [i for i in lib.catalog.items() if i.nas_sha256]
        assert archived and all(sha(Path(i.nas_path)) == i.nas_sha256 for i in archived)
        finals = [p for p in small.rglob("*.jpg")] + [p for p in small.rglob("*.png")] + list(small.rglob("*.heic"))
        assert {str(p) for p in finals} == {i.nas_path for i in archived}  # no stray or partial photo
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)


def test_a_nas_that_fills_while_a_record_is_written_leaves_no_temporary_file(nas_lib, monkeypatch):
    """The record beside a copy is written last: if the NAS fills just then, its
    temporary file goes too (a CI run once found one left behind)."""
    lib, nas = nas_lib
    real_replace = os.replace

    def full_at_the_record(src, dst):
        if str(dst).endswith(".photofs.json"):
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_at_the_record)
    with pytest.raises(PhotofsError, match="the NAS is full"):
        archive(lib, progress=False, workers=1)
    assert not list(nas.rglob(TMP_PREFIX + "*"))
    monkeypatch.setattr(os, "replace", real_replace)
    archive(lib, progress=False)  # the next run writes the record it missed
    for item in lib.catalog.items():
        copy = Path(item.nas_path)
        assert json.loads(copy.with_name(copy.name + ".photofs.json").read_text())["sha256"] == item.nas_sha256


def test_kill_9_mid_archive_then_resume(nas_lib, originals):
    lib, nas = nas_lib
    originals = {sha(p) for p in originals.rglob("*") if p.is_file()}
    cmd = [sys.executable, "-m", "photofs", "-L", str(lib.path), "archive"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(nas.rglob("*.photofs.json"))) < 3 and proc.poll() is None:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for path in nas.rglob("*"):  # every file under a final name is complete
        if path.is_file() and not path.name.startswith((TMP_PREFIX, NAS_MARKER)) and not path.name.endswith(".json"):
            assert sha(path) in originals  # a whole original, never part of one
    summary = archive(lib, progress=False)
    items = lib.catalog.items()
    assert all(i.nas_sha256 and sha(Path(i.nas_path)) == i.nas_sha256 for i in items)
    assert not list(nas.rglob(TMP_PREFIX + "*"))
    photos = [p for p in nas.rglob("*") if p.is_file() and not p.name.endswith(".json") and p.name != NAS_MARKER]
    assert len(photos) == len({i.nas_path for i in items}) == len(items) - 1  # no duplicates (one exact copy shared)
    assert summary.counts["archived"] + summary.counts["already archived"] == len(items)
