"""The scale half of scripts/bench.py: synthetic libraries of 10^5, 10^6 and 10^7
items written straight into a catalog, and what a user waits for at that size.

The synthetic library is what a real one looks like to the index: capture
times over 40 years with bursts (a wedding, a holiday), camera file-name
sequences, folders per event, albums for some photos, and planted clusters of
near-duplicates at known Hamming distances (0 to PLANTED_T).
"""

from __future__ import annotations

import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import emit, p99, timed
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings

PLANTED_T = 10      # planted near-duplicates sit at distances 0..PLANTED_T from their cluster's first photo
THRESHOLD = 10      # photofs' default similarity threshold (measured on real photos)
BURST = 1900        # photos in one wedding week: with the week's others, a folder of about 2000 entries
INSERT = ("INSERT INTO items (id, source, source_id, original_name, size, taken_at, week, state, phash,"
          " thumb_size, sha256, width, height, albums, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def synthetic_rows(n: int, seed: int = 1, first_id: int = 1, start_day: float = 0.0):
    """(rows to insert, planted (i, j, distance) pairs by row index)."""
    rng = np.random.default_rng(seed)
    start = 315532800.0 + start_day * 86400  # 1980-01-01
    # Events: a few hundred photos each, at a random moment in 40 years, shot seconds apart.
    sizes = rng.geometric(1 / 60, n // 30 + 2)
    sizes = sizes[np.cumsum(sizes) <= n - BURST]
    sizes = np.append(sizes, n - BURST - sizes.sum())
    event_at = np.sort(start + rng.uniform(0, 40 * 365.25 * 86400, len(sizes)))
    taken = np.concatenate([t + np.cumsum(rng.exponential(20, s)) for t, s in zip(event_at, sizes)]
                           + [start + 1000 * 86400 + np.arange(BURST) * 3.0])  # a wedding: one huge week
    event = np.concatenate([np.full(s, e) for e, s in enumerate(sizes)] + [np.full(BURST, len(sizes))])
    order = np.argsort(taken, kind="stable")
    taken, event = taken[order], event[order]
    weeks = ((taken - (315532800.0 - 86400)) // (7 * 86400)).astype(np.int64)  # 1980-01-01 is a Tuesday
    hashes = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) | (rng.integers(0, 2, n).astype(np.uint64) << np.uint64(63))
    planted = []
    # 1% of photos are near-duplicates, in clusters of 2 to 4 at known distances from their first.
    picked = rng.permutation(n)[: n // 100 * 3 // 3 * 3]
    for c in range(0, len(picked) - 3, 3):
        base, members = picked[c], picked[c + 1:c + 1 + int(rng.integers(1, 3))]
        for m in members:
            d = int(rng.integers(0, PLANTED_T + 1))
            flips = rng.choice(64, d, replace=False)
            hashes[m] = hashes[base] ^ np.uint64(sum(1 << int(b) for b in flips))
            planted.append((int(base), int(m), d))
    counter = np.arange(n) % 9999 + 1
    now = time.time()
    albums_of = {e: f'["Trip {e}"]' for e in range(0, len(sizes) + 1, 7)}  # every 7th event is an album
    rows = [(first_id + i, "folder", f"/nas/{int(1970 + t // 31557600)}/event {e}/IMG_{c:04d}.jpg",
             f"IMG_{c:04d}.jpg", 3_000_000 + i % 997, float(t), int(w), "thumbnailed", f"{int(h):016x}",
             9000 + i % 1000, f"{first_id + i:064x}", 4000, 3000, albums_of.get(int(e)), now)
            for i, (t, w, h, e, c) in enumerate(zip(taken.tolist(), weeks.tolist(), hashes.tolist(), event.tolist(),
                                                    counter.tolist()))]
    return rows, planted


def build_library(root: Path, n: int) -> tuple[LibraryFolder, list, float]:
    """The library, its planted pairs, and the seconds the catalog took to take the rows."""
    lib = LibraryFolder.create(root / f"lib-{n}", Settings(birth_date="1980-01-01", time_zone="UTC"))
    rows, planted = synthetic_rows(n)
    t = time.perf_counter()
    with lib.catalog.transaction() as db:
        db.executemany(INSERT, rows)
    ingest = time.perf_counter() - t
    raw = sqlite3.connect(root / f"raw-{n}.sqlite")
    raw.execute("CREATE TABLE t (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)")
    t = time.perf_counter()
    with raw:
        raw.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    base = time.perf_counter() - t
    raw.close()
    os.unlink(root / f"raw-{n}.sqlite")
    emit("catalog ingest (one transaction, every index)", n / ingest, "items/s", n / base,
         "the same rows into a bare table with no index", n=n)
    return lib, planted, ingest


def bench_index(lib: LibraryFolder, n: int) -> None:
    from photofs.index import saved
    from photofs.index.snapshot import COLUMNS
    t = time.perf_counter()
    for _ in lib.catalog.visible_rows(COLUMNS):
        pass
    fetch = time.perf_counter() - t
    t = time.perf_counter()
    saved.current(lib.catalog, lib.index_path)
    build = time.perf_counter() - t
    emit("index build from the catalog (first mount; saved after)", build, "s", fetch,
         "fetching the same rows from SQLite", n=n)
    t = time.perf_counter()
    snap = saved.current(lib.catalog, lib.index_path)
    load = time.perf_counter() - t
    emit("index load from LIBRARY/index (every later mount)", load, "s", build, "building it", n=n,
         bytes_on_disk=sum(f.stat().st_size for f in (lib.index_path / "snapshot").glob("*.bin")))
    from photofs.views.names import Twins
    t = time.perf_counter()
    twins = Twins(snap)  # once per catalog change, on the mount's refresh thread
    found = time.perf_counter() - t
    t = time.perf_counter()
    np.argsort(np.asarray(snap.phash), kind="stable")
    emit("photos sharing a hash, found (names of twins)", found, "s", time.perf_counter() - t,
         "one argsort of the hashes", n=n, shared=len(twins.member_id))
    del snap, twins
    # 10,000 photos touched by a job: archived (shown the same), then one week corrected (shown moved).
    touched = {}
    for what, change in (("archived", "archived_at=?"), ("moved a week", "week=week+1, archived_at=?")):
        time.sleep(0.01)  # strictly later than the saved index
        with lib.catalog.transaction() as db:
            db.execute(f"UPDATE items SET {change}, updated_at=? WHERE id % ? = 3",
                       (time.time(), time.time(), max(1, n // 10_000)))
        t = time.perf_counter()
        saved.current(lib.catalog, lib.index_path)
        touched[what] = time.perf_counter() - t
    emit("index update, 10,000 photos archived (rows touched, shown the same)", touched["archived"], "s",
         touched["moved a week"], "the same photos moved a week (rewrites the index)", n=n)


def bench_grouping(lib: LibraryFolder, planted: list, n: int, budget: float) -> float | None:
    """Exact grouping at the default threshold (and at 6), vs brute force and a BK-tree on a subsample."""
    import pybktree

    from photofs.index import saved
    from photofs.index.hamming import brute_force_pairs, choose_layout, self_pairs, sort_join_plan
    from photofs.views import by_similar
    snap = saved.current(lib.catalog, lib.index_path)
    hashes = np.asarray(snap.phash)
    sub = min(n, 20_000)
    t = time.perf_counter()
    brute_force_pairs(hashes[:min(sub, 4000)], hashes[:sub], THRESHOLD)
    brute = (time.perf_counter() - t) * (n / min(sub, 4000)) * (n / sub)
    bk_n = min(n, 20_000)
    t = time.perf_counter()
    tree = pybktree.BKTree(lambda a, b: (a ^ b).bit_count(), hashes[:bk_n].tolist())
    for h in hashes[:200].tolist():
        tree.find(h, THRESHOLD)
    per_query = (time.perf_counter() - t) / 200
    bk = per_query * n * (n / bk_n) ** 0.8  # a BK-tree query visits a growing share of a growing tree
    full = None
    for t_ in (THRESHOLD, 6):
        plan = sort_join_plan(n, t_)
        method = (f"sort-join m={plan[0]} k={plan[1]}" if plan and plan[2] < n * choose_layout(n, t_).cost(n)
                  else f"multi-index {choose_layout(n, t_)}")
        estimate = min(plan[2] if plan else float("inf"), n * choose_layout(n, t_).cost(n)) * 1.3e-8
        if estimate > budget:
            emit(f"/by-similar/ exact grouping, t={t_}", estimate, "s (estimated, not run)", brute,
                 "brute force, extrapolated", n=n, method=method,
                 note=f"over the {budget:.0f} s budget; cost model calibrated on 10^5-10^6 runs")
            continue
        t = time.perf_counter()
        if t_ == THRESHOLD:
            tree_ = by_similar.saved_tree(lib.index_path, snap, lib.settings)  # saved, so the mount reads it
            took = full = time.perf_counter() - t
            group = np.full(n, -1)
            for g, rows in enumerate(tree_.leaves.values()):
                group[rows] = g
            recall = {d: float(np.mean([group[i] == group[j] != -1 for i, j, dd in planted if dd == d]))
                      for d in range(PLANTED_T + 1)}
        else:
            i, j, _ = self_pairs(hashes, t_)
            took = time.perf_counter() - t
            found = set(zip(np.minimum(i, j).tolist(), np.maximum(i, j).tolist()))
            recall = {d: float(np.mean([(min(a, b), max(a, b)) in found for a, b, dd in planted if dd == d]))
                      for d in range(t_ + 1)}
        emit(f"/by-similar/ exact grouping, t={t_}", took, "s", brute,
             f"brute-force numpy popcount of all pairs (measured on {min(sub, 4000)}x{sub}, extrapolated)", n=n,
             method=method, bk_tree_s=round(bk, 1), bk_tree_note=f"pybktree, {bk_n} hashes, 200 queries, extrapolated",
             recall_at_or_below_t=min(recall.values()), planted_pairs=sum(1 for p in planted if p[2] <= t_))
    return full


def mount(lib: LibraryFolder, mnt: Path) -> int:
    out = subprocess.run([sys.executable, "-m", "photofs", "-L", str(lib.path), "mount", str(mnt)],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r"\(pid (\d+)\)", out).group(1))


def unmount(mnt: Path) -> None:
    for _ in range(50):
        if subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def memory(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    def field(name):
        return int(next(l for l in status.splitlines() if l.startswith(name)).split()[1]) / 1024
    return field("VmRSS"), field("VmHWM")


def bench_mount(lib: LibraryFolder, n: int, incremental: int = 10_000) -> None:
    mnt = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "photofs", "--version"], check=True, capture_output=True)
    start_only = time.perf_counter() - t
    t = time.perf_counter()
    pid = mount(lib, mnt)
    os.listdir(mnt)
    up = time.perf_counter() - t
    try:
        emit("`photofs mount` to the first `ls` of the root (saved index)", up, "s", start_only,
             "starting `photofs --version`", n=n)
        weeks = os.listdir(mnt / "by-week")
        folder = mnt / "by-week" / max(weeks, key=lambda w: len(os.listdir(mnt / "by-week" / w)))
        while any((folder / e).is_dir() for e in os.listdir(folder)):  # a week over the limit is split: go down
            folder = max((folder / e for e in os.listdir(folder)), key=lambda p: len(os.listdir(p)))
        names = os.listdir(folder)
        with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
            for name in names:
                open(os.path.join(d, name), "wb").close()
            base = timed(lambda: os.listdir(d), 30)
            ours = timed(lambda: os.listdir(folder), 30)
            emit(f"mount readdir of a {len(names)}-entry folder", statistics.median(ours) * 1000, "ms (median)",
                 statistics.median(base) * 1000, "os.listdir on tmpfs", n=n, p99_ms=round(p99(ours) * 1000, 2))
            one, one_base = folder / names[len(names) // 2], os.path.join(d, names[len(names) // 2])
            base = timed(lambda: os.stat(one_base), 300)
            ours = timed(lambda: os.stat(one), 300)
            emit("mount stat of one file", statistics.median(ours) * 1e6, "us (median)", statistics.median(base) * 1e6,
                 "os.stat on tmpfs", n=n, p99_us=round(p99(ours) * 1e6, 1))
        rss, peak = memory(pid)
        emit("mount process memory (every week listed)", peak, "MiB peak", rss, "resident now", n=n,
             bytes_per_item_peak=round(peak * 2**20 / n))

        # 10,000 new photos from a job in another process: how long until the mount shows them.
        written = add_photos(lib, incremental, seed=7)
        target = mnt / "by-week"
        deadline = time.monotonic() + 600
        t = time.perf_counter()
        while time.monotonic() < deadline:
            listing = os.listdir(target)
            if len(listing) > len(weeks):
                break
            time.sleep(0.05)
        seen = time.perf_counter() - t
        emit(f"{incremental} new photos: written by a job until shown in the mount", seen, "s", written,
             "writing them to the catalog", n=n, note="includes up to 1 s of the mount's refresh interval")
        rss, peak = memory(pid)
        emit("mount process memory after the update", peak, "MiB peak", rss, "resident now", n=n)
    finally:
        unmount(mnt)


def add_photos(lib: LibraryFolder, count: int, seed: int) -> float:
    """`count` new photos in weeks of their own, written as a job would: the seconds it took."""
    with lib.catalog.transaction() as db:
        last = db.execute("SELECT max(id) FROM items").fetchone()[0]
    rows, _ = synthetic_rows(count, seed=seed, first_id=last + 1, start_day=(80 + seed) * 365.25)
    rows = [(*r[:2], f"{r[2]}#{seed}-{last}", *r[3:]) for r in rows]  # their own source ids, run after run
    t = time.perf_counter()
    with lib.catalog.transaction() as db:
        db.executemany(INSERT, rows)
    return time.perf_counter() - t


def bench_similar_update(lib: LibraryFolder, n: int, full: float | None, incremental: int = 10_000) -> None:
    """/by-similar/ after new photos: only they are searched against the saved grouping."""
    from photofs.index import saved
    from photofs.views import by_similar
    if full is None:
        return  # no saved grouping at this size (over the budget): nothing to update
    by_similar.saved_tree(lib.index_path, saved.current(lib.catalog, lib.index_path), lib.settings)  # current first
    add_photos(lib, incremental, seed=11)
    snap = saved.current(lib.catalog, lib.index_path)
    t = time.perf_counter()
    by_similar.saved_tree(lib.index_path, snap, lib.settings)
    took = time.perf_counter() - t
    emit(f"/by-similar/ brought up to date after {incremental} new photos", took, "s", full,
         "the full grouping, measured above", n=n)


def bench_names(n: int) -> None:
    """Known file names: a Python set vs a sorted numpy array of 64-bit name hashes."""
    import hashlib
    names = [f"/nas/{i // 500}/IMG_{i:08d}.jpg" for i in range(n)]
    probes = names[::max(1, n // 10_000)][:10_000] + [f"/new/{i}.jpg" for i in range(10_000)]
    import tracemalloc
    tracemalloc.start()
    known = set(names)
    set_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    t = time.perf_counter()
    hits_set = sum(p in known for p in probes)
    set_t = time.perf_counter() - t
    del known

    def h64(s: str) -> int:
        return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
    arr = np.sort(np.fromiter((h64(s) for s in names), np.uint64, n))
    t = time.perf_counter()
    q = np.fromiter((h64(p) for p in probes), np.uint64, len(probes))
    pos = np.clip(np.searchsorted(arr, q), 0, n - 1)
    hits_arr = int((arr[pos] == q).sum())
    arr_t = time.perf_counter() - t
    assert hits_arr == hits_set
    emit("known-name lookups (20,000 probes): sorted uint64 name hashes", arr_t * 1000, "ms", set_t * 1000,
         "a Python set of the names", n=n, memory_mib=round(arr.nbytes / 2**20, 1),
         set_memory_mib=round(set_bytes / 2**20, 1))


def bench_first_pass(lib: LibraryFolder, n: int) -> None:
    """`photofs status`'s first-pass figures halfway through the pass: a third of the items
    still to thumbnail, half archived, every fifth with a motion video (run last: it
    changes the catalog), against the floor of any one-scan query over the items."""
    with lib.catalog.transaction() as db:
        db.execute("UPDATE items SET state = CASE WHEN id % 3 = 0 THEN 'indexed' ELSE state END, "
                   "nas_sha256 = CASE WHEN id % 2 = 0 AND id % 3 != 0 THEN sha256 END")
        db.execute("INSERT OR IGNORE INTO files (item_id, role, name, size, nas_sha256) "
                   "SELECT id, 'original', original_name, size, nas_sha256 FROM items")
        db.execute("INSERT OR IGNORE INTO files (item_id, role, name, size, nas_sha256) "
                   "SELECT id, 'motion', original_name || '.mp4', size / 2, nas_sha256 FROM items WHERE id % 5 = 0")
    figures = min(timed(lib.catalog.first_pass, 3))
    scan = min(timed(lambda: lib.catalog._db.execute("SELECT count(*), total(size) FROM items").fetchone(), 3))
    emit("status: the first pass's figures (one scan of the items)", figures, "s", scan,
         "count(*) and total(size) over the same items", n=n)
