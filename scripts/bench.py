#!/usr/bin/env python3
"""photofs benchmarks. Prints one JSON line per figure, each next to a baseline
measured in the same run on the same data, so the ratio survives a noisy machine.

    python scripts/bench.py            # 10^5 synthetic items, 5 real-size JPEGs
    python scripts/bench.py --quick    # smaller, as a smoke check (CI)

No figure here is asserted anywhere: targets are read from these ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photofs.imaging.thumbnail import make_thumbnail  # noqa: E402
from photofs.jobs.sample_photos import exif_for, scene  # noqa: E402
from photofs.library_folder import LibraryFolder  # noqa: E402
from photofs.settings import Settings  # noqa: E402
from photofs.vfs import PhotoVFS  # noqa: E402


def emit(figure: str, value: float, unit: str, baseline: float, baseline_name: str, **extra) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 6), "unit": unit, "baseline": baseline_name,
                      "baseline_value": round(baseline, 6), "ratio": round(value / baseline, 3) if baseline else None,
                      **extra}), flush=True)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def p99(xs: list[float]) -> float:
    return float(np.percentile(xs, 99))


def bench_thumbnails(n_images: int) -> None:
    """photofs (DCT-scaled decode, hash of the thumbnail) vs Pillow full decode + imagehash on the full image."""
    blobs = []
    for i in range(n_images):
        buf = io.BytesIO()
        scene(100 + i, (4000, 3000)).save(buf, "JPEG", quality=92, exif=exif_for(None))
        blobs.append(buf.getvalue())

    def ours():
        for b in blobs:
            make_thumbnail(b, 256, 200_000_000)

    def baseline():
        for b in blobs:
            img = ImageOps.exif_transpose(Image.open(io.BytesIO(b)))
            img.load()
            str(imagehash.phash(img))
            img.thumbnail((256, 256), Image.Resampling.LANCZOS)
            img.save(io.BytesIO(), "JPEG", quality=85)

    ours_t = statistics.median(timed(ours, 3)) / n_images
    base_t = statistics.median(timed(baseline, 3)) / n_images
    emit("thumbnail+phash of a 12 MP JPEG", ours_t * 1000, "ms/photo", base_t * 1000,
         "Pillow full decode + thumbnail() + imagehash on the full image")


def synthetic_library(root: Path, n: int, burst: int) -> LibraryFolder:
    """n thumbnailed items over 40 years, one week holding `burst` of them."""
    lib = LibraryFolder.create(root / "lib", Settings(birth_date="1980-01-01", time_zone="UTC", folder_limit=2000))
    rng = np.random.default_rng(1)
    start = 315532800.0  # 1980-01-01
    taken = np.sort(start + rng.uniform(0, 40 * 365.25 * 86400, n))
    taken[:burst] = start + 1000 * 86400 + np.arange(burst) * 3.0  # a wedding: burst photos in one week
    weeks = ((taken - (start - 86400)) // (7 * 86400)).astype(int)  # 1980-01-01 is a Tuesday
    hashes = rng.integers(0, 2**63, n, dtype=np.int64)
    now = time.time()
    rows = [("folder", f"/nas/{i}.jpg", f"IMG_{i:07d}.jpg", 3_000_000, float(t), int(w), "thumbnailed",
             f"{int(h):016x}", 9000 + i % 1000, f"{i:064x}", now)
            for i, (t, w, h) in enumerate(zip(taken, weeks, hashes))]
    with lib.catalog.transaction() as db:
        db.executemany("INSERT INTO items (source, source_id, original_name, size, taken_at, week, state, phash,"
                       " thumb_size, sha256, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    return lib


def bench_catalog(root: Path, n: int) -> None:
    """Catalog.upsert_many in add-folder's batches vs one raw executemany."""
    from photofs.domain.items import Item
    lib = LibraryFolder.create(root / "ingest", Settings(birth_date="1980-01-01", time_zone="UTC"))
    items = [Item(source="folder", source_id=f"/x/{i}.jpg", original_name=f"{i}.jpg", size=i, taken_at=1e9 + i, week=1000)
             for i in range(n)]
    from photofs.jobs.add_folder import BATCH
    t = time.perf_counter()
    for i in range(0, n, BATCH):
        lib.catalog.upsert_many(items[i:i + BATCH])
    ours = time.perf_counter() - t
    import sqlite3
    db = sqlite3.connect(root / "raw.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, d INT, e REAL, f INT)")
    t = time.perf_counter()
    with db:
        db.executemany("INSERT INTO t VALUES (?,?,?,?,?,?)", [("folder", i.source_id, i.original_name, i.size, i.taken_at, 1000) for i in items])
    base = time.perf_counter() - t
    emit("catalog ingest", n / ours, "items/s", n / base, "raw SQLite executemany in one transaction", n=n)


def bench_vfs(lib: LibraryFolder, n: int) -> None:
    t = time.perf_counter()
    vfs = PhotoVFS(lib.path, refresh_seconds=3600)
    vfs.listdir("/by-week")
    build = time.perf_counter() - t
    t = time.perf_counter()
    for _ in lib.catalog.visible_rows():
        pass
    fetch = time.perf_counter() - t
    emit("VFS index build (snapshot + by-week tree)", build, "s", fetch, "fetching the same rows from SQLite", n=n)

    weeks = vfs.listdir("/by-week")
    big = max(weeks, key=lambda e: len(vfs.listdir(f"/by-week/{e[0]}")))[0]
    folder = f"/by-week/{big}"
    entries = vfs.listdir(folder)
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        for name, _ in entries:
            open(os.path.join(d, name), "wb").close()

        def os_listdir_stat():
            with os.scandir(d) as it:
                for e in it:
                    e.stat()
        base = timed(os_listdir_stat, 50)
        ours = timed(lambda: vfs.listdir(folder), 50)
    emit(f"VFS readdir+attrs of a {len(entries)}-entry folder (median)", statistics.median(ours) * 1000, "ms",
         statistics.median(base) * 1000, "os.scandir + stat of the same names on tmpfs", p99_ms=round(p99(ours) * 1000, 3))
    vfs.close()


def mount(lib: LibraryFolder, mnt: Path) -> int:
    """Mount in the background; returns the server's pid, as `photofs mount` reports it."""
    out = subprocess.run([sys.executable, "-m", "photofs", "-L", str(lib.path), "mount", str(mnt)],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r"\(pid (\d+)\)", out).group(1))


def peak_rss_of_mount(pid: int, mnt: Path) -> float:
    """VmHWM (MiB) of the mount process, after it has listed every week."""
    for w in os.listdir(mnt / "by-week"):
        os.listdir(mnt / "by-week" / w)
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024


def bench_mount(lib: LibraryFolder, empty: LibraryFolder) -> None:
    """readdir and stat through the real FUSE mount vs the same calls on tmpfs."""
    mnt = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    pid = mount(lib, mnt)
    os.listdir(mnt)
    up = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "photofs", "--version"], check=True, capture_output=True)
    start_only = time.perf_counter() - t
    try:
        emit("mount to first ls of the root", up, "s", start_only, "starting photofs --version")
        weeks = os.listdir(mnt / "by-week")
        big = max(weeks, key=lambda w: len(os.listdir(mnt / "by-week" / w)))
        folder = mnt / "by-week" / big
        names = os.listdir(folder)
        with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
            for name in names:
                open(os.path.join(d, name), "wb").close()
            base = timed(lambda: os.listdir(d), 30)
            ours = timed(lambda: os.listdir(folder), 30)
            emit(f"mount readdir of a {len(names)}-entry folder (median)", statistics.median(ours) * 1000, "ms",
                 statistics.median(base) * 1000, "os.listdir on tmpfs", p99_ms=round(p99(ours) * 1000, 3))
            one, one_base = folder / names[len(names) // 2], os.path.join(d, names[len(names) // 2])
            base = timed(lambda: os.stat(one_base), 200)
            ours = timed(lambda: os.stat(one), 200)
            emit("mount stat of one file (median)", statistics.median(ours) * 1e6, "us",
                 statistics.median(base) * 1e6, "os.stat on tmpfs", p99_us=round(p99(ours) * 1e6, 1))
        rss = peak_rss_of_mount(pid, mnt)
        empty_mnt = Path(tempfile.mkdtemp())
        empty_pid = mount(empty, empty_mnt)
        try:
            base_rss = peak_rss_of_mount(empty_pid, empty_mnt)
        finally:
            subprocess.run(["fusermount3", "-u", str(empty_mnt)], capture_output=True)
        n = lib.catalog.count_visible()
        emit("mount process peak RSS", rss, "MiB", base_rss, "the same mount of an empty library", n=n,
             bytes_per_item=round((rss - base_rss) * 2**20 / n))
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke check, not a measurement")
    p.add_argument("--items", type=int, default=None)
    p.add_argument("--no-mount", action="store_true", help="skip the figures that need FUSE")
    a = p.parse_args()
    n = a.items or (20_000 if a.quick else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bench_thumbnails(2 if a.quick else 5)
        bench_catalog(root, 2_000 if a.quick else 10_000)
        lib = synthetic_library(root, n, burst=2000)
        bench_vfs(lib, n)
        if not a.no_mount and os.path.exists("/dev/fuse"):
            empty = LibraryFolder.create(root / "empty", Settings(birth_date="1980-01-01", time_zone="UTC"))
            bench_mount(lib, empty)
        lib.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
