"""Sequences of archive, delete, crash, confirm and bit rot on items of several files,
against the one rule the user relies on: nothing is offered or confirmed for removal
from the cloud unless every file of that item has a copy on the NAS that is there,
whole, and byte for byte the original. And a kill -9 in the middle of a multi-file
item leaves each of its files absent or complete and verified."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import BIRTH, ZONE
from images import jpeg_bytes
from photofs.domain.sorting import SortChange
from photofs.errors import PhotofsError
from photofs.jobs import removal_queue as rq
from photofs.jobs.add_folder import add_folder
from photofs.jobs.archive import NAS_MARKER, TMP_PREFIX, archive
import photofs.jobs.archive_copy as archive_job
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings

WHEN = dt.datetime(2019, 4, 10, 12)
# Two items of two files each: a Live Photo and a RAW + JPEG pair.
SHOTS = {
    "IMG_0001.JPG": jpeg_bytes(seed=31, when=WHEN), "IMG_0001.MOV": os.urandom(1 << 20),
    "DSC_0002.JPG": jpeg_bytes(seed=32, when=WHEN), "DSC_0002.NEF": os.urandom(1 << 19),
}
STILLS = ["IMG_0001.JPG", "DSC_0002.JPG"]


class Crash(BaseException):
    """A kill in the middle of a write (KeyboardInterrupt-like: not an OSError)."""


actions = st.lists(st.one_of(
    st.tuples(st.just("archive"), st.integers(0, 5)),         # crash after that many chunk writes; 0 = none
    st.tuples(st.just("queue"), st.sampled_from(STILLS)),
    st.tuples(st.just("hide"), st.sampled_from(sorted(SHOTS))),  # a source file out of reach
    st.tuples(st.just("unhide"), st.sampled_from(sorted(SHOTS))),
    st.tuples(st.just("rot"), st.sampled_from(sorted(SHOTS))),   # a NAS copy changes
    st.tuples(st.just("worksheet"), st.just(None)),
    st.tuples(st.just("confirm"), st.sampled_from(STILLS)),
), min_size=1, max_size=10)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions)
# The sequences that lose a video when the gate is wrong, always tried first:
@example([("archive", 0), ("queue", "IMG_0001.JPG"), ("rot", "IMG_0001.MOV"), ("confirm", "IMG_0001.JPG")])
@example([("hide", "IMG_0001.MOV"), ("archive", 0), ("queue", "IMG_0001.JPG"), ("worksheet", None),
          ("confirm", "IMG_0001.JPG")])
@example([("queue", "DSC_0002.JPG"), ("archive", 3), ("confirm", "DSC_0002.JPG"), ("archive", 0),
          ("confirm", "DSC_0002.JPG")])
def test_nothing_is_offered_or_confirmed_unless_every_file_is_on_the_nas(steps):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, nas, away = tmp / "DCIM", tmp / "nas", tmp / "away"
        for d in (src, nas, away):
            d.mkdir()
        for name, data in SHOTS.items():
            (src / name).write_bytes(data)
        lib = LibraryFolder.create(tmp / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
        try:
            add_folder(lib, src, progress=False)
            ids = {i.original_name: i.id for i in lib.catalog.items()}
            for action, arg in steps:
                _do(lib, tmp, src, away, nas, ids, action, arg)
                _check(lib, nas)
        finally:
            lib.close()


def _do(lib, tmp, src, away, nas, ids, action, arg):
    if action == "archive":
        real = archive_job.CHUNK
        writes = [0]
        real_write = archive_job.write_verified

        def crashing(folder, name, stream, expected=None):
            class Counting:
                def read(self, n):
                    writes[0] += 1
                    if arg and writes[0] > arg:
                        raise Crash()
                    return stream.read(n)
            return real_write(folder, name, Counting(), expected)

        archive_job.CHUNK = 1 << 18
        archive_job.write_verified = crashing
        try:
            archive(lib, progress=False)
        except Crash:
            pass
        finally:
            archive_job.CHUNK = real
            archive_job.write_verified = real_write
    elif action == "queue":
        lib.catalog.apply_sort_change(SortChange(queue_add={ids[arg]}))
    elif action == "hide" and (src / arg).exists():
        os.rename(src / arg, away / arg)
    elif action == "unhide" and (away / arg).exists():
        os.rename(away / arg, src / arg)
    elif action == "rot":
        for path in nas.rglob(arg):
            path.write_bytes(path.read_bytes()[:-1] + b"?")
    elif action == "worksheet":
        rq.worksheet(lib, tmp / "w.html")
    elif action == "confirm":
        item = lib.catalog.get(ids[arg])
        safe = _whole_on_nas(lib, item)
        try:
            rq.confirm(lib, [item.id])
            assert safe, f"{arg} was confirmed without every file whole on the NAS"
        except PhotofsError:
            assert not safe or dict(_queue(lib)).get(item.id) not in ("archived", "worksheet"), arg


def _queue(lib):
    return [(r[0], r[1]) for r in lib.catalog.queue_rows()]


def _whole_on_nas(lib, item) -> bool:
    files = lib.catalog.files(item.id)
    for f in files:
        if not f.nas_path or not Path(f.nas_path).exists():
            return False
        if Path(f.nas_path).read_bytes() != SHOTS[f.name]:
            return False
    return bool(files)


def _check(lib, nas):
    for item_id, state in _queue(lib):
        item = lib.catalog.get(item_id)
        if state == "worksheet":  # offered to the user: every file was whole when offered
            assert all(f.verified for f in lib.catalog.files(item_id)), item.original_name
        if state in ("archived", "worksheet"):
            assert item.nas_sha256 and all(f.verified for f in lib.catalog.files(item_id))
    for path in nas.rglob("*"):  # nothing half-written under a final name
        if path.is_file() and not path.name.startswith((TMP_PREFIX, NAS_MARKER)) and not path.name.endswith(".json"):
            base = path.name.replace(" (2)", "")
            assert base in SHOTS, path.name


def test_kill_9_while_a_multi_file_item_is_archived_leaves_each_file_absent_or_whole(tmp_path):
    src, nas = tmp_path / "DCIM", tmp_path / "nas"
    src.mkdir()
    nas.mkdir()
    still = jpeg_bytes(seed=41, when=WHEN)
    video = os.urandom(1 << 20) * 96  # 96 MB: the kill lands while it streams
    (src / "IMG_0100.JPG").write_bytes(still)
    (src / "IMG_0100.MOV").write_bytes(video)
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    add_folder(lib, src, progress=False)
    proc = subprocess.Popen([sys.executable, "-m", "photofs", "-L", str(lib.path), "archive"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        tmps = list(nas.rglob(TMP_PREFIX + "*"))
        if any(p.stat().st_size > (8 << 20) for p in tmps if p.exists()):
            break  # the video is half-way through its copy
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    item = lib.catalog.items()[0]
    for f in lib.catalog.files(item.id):
        final = [p for p in nas.rglob(f.name) if p.is_file()]
        if f.verified:
            assert Path(f.nas_path).read_bytes() == (still if f.role == "original" else video)
        for p in final:  # a final name only ever holds the whole file
            assert p.read_bytes() == (still if f.role == "original" else video)
    assert lib.catalog.get(item.id).nas_sha256 is None or all(f.verified for f in lib.catalog.files(item.id))
    summary = archive(lib, progress=False)
    assert summary.counts["archived"] == 1
    assert next(nas.rglob("IMG_0100.MOV")).read_bytes() == video
    assert not list(nas.rglob(TMP_PREFIX + "*")) and len(list(nas.rglob("IMG_0100*.MOV"))) == 1
    lib.close()
    shutil.rmtree(tmp_path / "nas")
