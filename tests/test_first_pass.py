"""The first pass on every core, each original read once (issue 18).

What must hold whatever runs the work (this process, local worker processes, a Dask
cluster): the same thumbnails byte for byte, the same catalog, every file's hash
the one of its bytes, and a worker that dies has its photos redone, not lost and
not doubled. Throughput is measured in scripts/bench_first_pass.py, never here.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import BIRTH, ZONE
from photofs.domain.items import ItemState
from photofs.jobs.add_folder import add_folder
from photofs.jobs.archive import archive
from photofs.jobs.pool import open_pool
from photofs.jobs.thumbs import make_thumbs
from photofs.jobs.week import run_weeks
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from pool_tasks import die_once, marker_in
from test_nothing_left_behind import camera_folder


@pytest.fixture
def photos(tmp_path, originals):
    """The sample photos plus a camera folder (Live Photos, motion photos, RAW, videos, a GIF)."""
    camera_folder(originals / "DCIM")
    return originals


def fresh(tmp_path: Path, name: str, nas: bool = False) -> LibraryFolder:
    nas_path = ""
    if nas:
        (tmp_path / f"{name}-nas").mkdir()
        nas_path = str(tmp_path / f"{name}-nas")
    return LibraryFolder.create(tmp_path / name, Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=nas_path))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outcome(lib: LibraryFolder) -> dict:
    """Everything a pass decides, by original: the catalog's view and the thumbnail's bytes."""
    out = {}
    for item in lib.catalog.items():
        rel = os.path.basename(item.source_id)
        out[rel] = (item.state, item.sha256, item.phash, item.dihedral, item.histogram, item.frame_hashes,
                    item.thumb_size, lib.thumbs.get(item),
                    [(f.role, f.name, f.sha256) for f in lib.catalog.files(item.id)])
    return out


def test_thumbs_on_local_worker_processes_are_byte_identical_to_one_process(tmp_path, photos):
    one, many = fresh(tmp_path, "one"), fresh(tmp_path, "many")
    for lib in (one, many):
        add_folder(lib, photos, progress=False)
    made_here = make_thumbs(one, progress=False, workers=1)
    made_there = make_thumbs(many, progress=False, workers=2)
    assert made_here.counts == made_there.counts and made_here.counts["made"] >= 25
    assert outcome(one) == outcome(many)
    # The content hash came from the read that made the thumbnail, and is the file's own.
    for item in many.catalog.items(states=[ItemState.THUMBNAILED]):
        assert item.sha256 == sha(Path(item.source_id).read_bytes())
    assert made_there.rates["photos/s"] > 0 and made_there.rates["MB/s"] > 0
    one.close(), many.close()


def test_a_worker_killed_mid_job_has_its_photos_redone_not_lost_nor_doubled(tmp_path, photos):
    """A worker killed from outside in the middle of the pass, as the OOM killer does."""
    lib = fresh(tmp_path, "lib")
    add_folder(lib, photos, progress=False)
    killed: list[int] = []

    def killer():
        db = sqlite3.connect(lib.path / "catalog.sqlite", timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            done = db.execute("SELECT count(*) FROM items WHERE state='thumbnailed'").fetchone()[0]
            workers = _workers_of(os.getpid())
            if done >= 2 and workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.002)
        db.close()

    thread = threading.Thread(target=killer)
    thread.start()
    summary = make_thumbs(lib, progress=False, workers=2)
    thread.join()
    assert killed, "the job ended before a worker could be killed"
    assert not summary.counts["not done (the pool failed; will retry next run)"]
    reference = fresh(tmp_path, "reference")
    add_folder(reference, photos, progress=False)
    again = make_thumbs(reference, progress=False, workers=1)
    assert summary.counts == again.counts  # every photo made once: none lost, none twice
    assert outcome(lib) == outcome(reference)
    lib.close(), reference.close()


def test_archive_on_worker_processes_copies_the_same_files_as_one_process(tmp_path, photos):
    one, many = fresh(tmp_path, "one", nas=True), fresh(tmp_path, "many", nas=True)
    for lib in (one, many):
        add_folder(lib, photos, progress=False)
    a = archive(one, progress=False, workers=1)
    b = archive(many, progress=False, workers=2)
    assert a.counts == b.counts and a.counts["archived"] == len(one.catalog.items())

    def tree(nas: Path) -> dict:
        return {str(p.relative_to(nas)): p.read_bytes() for p in nas.rglob("*")
                if p.is_file() and not p.name.endswith(".photofs.json")}
    assert tree(Path(one.settings.nas_path)) == tree(Path(many.settings.nas_path))
    for item in many.catalog.items():
        for f in many.catalog.files(item.id):
            assert f.verified and f.sha256 == f.nas_sha256 == sha(Path(f.nas_path).read_bytes())
    one.close(), many.close()


def test_week_makes_thumbnails_from_the_archive_read_identical_to_thumbs(tmp_path, photos):
    """`photofs week` reads each original once for its copy and its thumbnail: the
    thumbnails are the ones `thumbs` makes, byte for byte, records included."""
    week, plain = fresh(tmp_path, "week", nas=True), fresh(tmp_path, "plain")
    plain.settings.nas_path = week.settings.nas_path  # the same copies: the records name the same paths
    for lib in (week, plain):
        add_folder(lib, photos, progress=False)
    results = run_weeks(week, None, all_pending=True, quiet=True)
    assert results and all(r["summary"]["thumbs"].get("made") for r in results if r["summary"]["thumbs"].get("made"))
    made = sum(r["summary"]["thumbs"].get("made", 0) for r in results)
    make_thumbs(plain, progress=False, workers=1)
    archive(plain, progress=False, workers=1)
    assert made == len(plain.catalog.items(states=[ItemState.THUMBNAILED]))
    assert outcome(week) == outcome(plain)
    assert all(r["summary"]["reviewed"] for r in results)
    week.close(), plain.close()


def test_a_file_that_changed_between_index_and_its_first_read_is_not_recorded(tmp_path, photos):
    """add-folder read only its header: the thumbnail's read finds other bytes. Nothing
    stale is recorded; the next add-folder re-indexes it."""
    lib = fresh(tmp_path, "lib")
    add_folder(lib, photos, progress=False)
    victim = next(i for i in lib.catalog.items() if i.original_name == "IMG_4321.JPG")
    lib.catalog.set_content_hash(victim.id, "0" * 64)  # as if indexed from other bytes
    summary = make_thumbs(lib, progress=False, workers=1)
    assert summary.counts["changed since indexed"] == 1
    assert any("IMG_4321.JPG" in p and "changed since it was indexed" in p for p in summary.problems)
    assert lib.catalog.get(victim.id).state == ItemState.INDEXED
    lib.close()


def test_a_dask_cluster_runs_the_same_work_and_redoes_a_killed_workers_tasks(tmp_path, photos):
    import distributed  # in the test extra: missing, this must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        marker = marker_in(tmp_path)
        tasks = [(n, marker) for n in range(20)]
        with open_pool(cluster=cluster.scheduler_address) as pool:
            out = list(pool.run(die_once, tasks))
        assert Path(marker).exists()  # a worker was killed mid-job
        assert Counter(t for t, _, _ in out) == Counter(tasks)  # each task exactly once
        assert all(failed is None and result == t[0] * 2 for t, result, failed in out)

        here, there = fresh(tmp_path, "here"), fresh(tmp_path, "there")
        for lib in (here, there):
            add_folder(lib, photos, progress=False)
        make_thumbs(here, progress=False, workers=1)
        summary = make_thumbs(there, progress=False, cluster=cluster.scheduler_address)
        assert summary.counts["made"] == len(there.catalog.items(states=[ItemState.THUMBNAILED]))
        assert outcome(here) == outcome(there)  # the catalog stays on the client, the same
        here.close(), there.close()


def test_an_unreachable_cluster_is_one_clear_error(tmp_path, photos):
    import distributed  # noqa: F401  (in the test extra: missing, this must fail, not skip)
    from photofs.errors import PhotofsError
    lib = fresh(tmp_path, "lib")
    add_folder(lib, photos, progress=False)
    with pytest.raises(PhotofsError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        make_thumbs(lib, progress=False, cluster="tcp://127.0.0.1:9")
    assert not lib.catalog.items(states=[ItemState.THUMBNAILED])  # nothing half-done
    lib.close()


def test_the_commands_take_workers_and_cluster_and_refuse_nonsense(tmp_path, photos, capsys):
    from conftest import CLI, assert_one_error_line
    lib = fresh(tmp_path, "lib", nas=True)
    add_folder(lib, photos, progress=False)
    cli = CLI(capsys, lib.path)
    for bad in ("0", "-2", "many"):
        with pytest.raises(SystemExit) as e:
            cli("thumbs", "--all", "--workers", bad)
        err = capsys.readouterr().err
        assert e.value.code == 2 and "--workers" in err and "at least 1" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("archive", "--cluster", "tcp://127.0.0.1:9")
    assert_one_error_line(code, err, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    out = cli.json("week", "--all-pending", "--workers", "2")
    assert out and all(w["summary"]["reviewed"] for w in out)
    assert all(i.nas_sha256 and i.state == ItemState.THUMBNAILED for i in lib.catalog.items() if i.state != "error")
    lib.close()


def test_add_folder_on_worker_processes_indexes_exactly_what_one_process_does(tmp_path, photos):
    import dataclasses
    one, many = fresh(tmp_path, "one"), fresh(tmp_path, "many")
    a = add_folder(one, photos, progress=False, workers=1)
    b = add_folder(many, photos, progress=False, workers=2)
    assert a.counts == b.counts and a.problems == b.problems and a.counts["new"] >= 25

    def catalog(lib):
        out = {}
        for item in lib.catalog.items():
            row = dataclasses.asdict(item)
            for volatile in ("id", "updated_at", "warnings"):
                row.pop(volatile, None)
            out[item.source_id] = (row, [(f.role, f.name, f.size, f.sha256, f.places) for f in lib.catalog.files(item.id)])
        return out
    assert catalog(one) == catalog(many)
    assert all(i.sha256 is None for i in many.catalog.items())  # headers only: hashed at the first full read
    one.close(), many.close()


def _workers_of(pid: int) -> list[int]:
    out = []
    for child in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(child))
    return out


def test_a_job_killed_with_kill_9_leaves_no_worker_behind(tmp_path, photos):
    """kill -9 of `photofs thumbs`: its workers go too, within seconds, instead of waiting
    for work forever; the next run finishes the job."""
    import subprocess
    import sys
    lib = fresh(tmp_path, "lib")
    add_folder(lib, photos, progress=False)
    proc = subprocess.Popen([sys.executable, "-m", "photofs", "-L", str(lib.path), "thumbs", "--all", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, workers = time.monotonic() + 60, []
    while time.monotonic() < deadline and not workers and proc.poll() is None:
        workers = _workers_of(proc.pid)
        time.sleep(0.005)
    assert workers, "the job ended before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{w}").exists() for w in workers)
    again = make_thumbs(lib, progress=False, workers=2)
    assert again.counts["made"] + again.counts["already done"] == len(lib.catalog.items()) - again.counts["errors"]
    lib.close()
