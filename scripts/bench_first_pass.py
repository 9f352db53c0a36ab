"""The first pass at the machine's limit (issue 18): every core, each original read once.

Two kinds of figures, each against a baseline measured in the same run:
- throughput of `thumbs` on 12 MP JPEGs: every core against one process, and against
  `vipsthumbnail` run on every core at once (`xargs -P $(nproc)`);
- bytes read from the originals per byte of originals, for the first pass over a
  folder (`add-folder`, then `thumbs --all`) and for `add-folder` then `photofs week`
  (index, thumbnails, archive and its verifying read-back).

Bytes are this process's `rchar` (/proc/self/io), which includes the pool's worker
processes once they have exited (they are children of this process, and the kernel
adds a reaped child's counts to its parent's). Python's own imports and the catalog
would blur a per-run figure, so each is measured per photo: the difference between a
full set and a half set, divided by the difference of their sizes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

from bench import emit  # noqa: E402 (scripts/ is on the path: bench.py puts it there)
from photofs.jobs.add_folder import add_folder
from photofs.jobs.pool import default_workers, open_pool
from photofs.jobs.sample_photos import exif_for, scene
from photofs.jobs.thumbs import make_thumbs
from photofs.jobs.week import run_weeks
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings

WHEN = dt.datetime(2019, 4, 9, 10, 0)  # every photo in one life week, for `photofs week`


def rchar() -> int:
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise OSError("no rchar in /proc/self/io")


def camera_roll(folder: Path, n: int, size=(4000, 3000)) -> int:
    """n distinct 12 MP JPEGs of one week; their total size."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        scene(500 + i, size).save(folder / f"IMG_{i:04d}.jpg", "JPEG", quality=92,
                                  exif=exif_for(WHEN + dt.timedelta(minutes=i), ("Apple", "iPhone 13")))
    return sum(p.stat().st_size for p in folder.iterdir())


def new_library(root: Path, name: str, nas: Path | None = None) -> LibraryFolder:
    path = root / name
    shutil.rmtree(path, ignore_errors=True)
    return LibraryFolder.create(path, Settings(birth_date="1980-01-01", time_zone="UTC",
                                               nas_path=str(nas) if nas else ""))


def pool_startup(workers: int) -> float:
    """Seconds for a fresh pool of `workers` processes to have imported the thumbnail work."""
    t = time.perf_counter()
    with open_pool(workers) as pool:
        list(pool.run(warm, range(workers)))
    return time.perf_counter() - t


def warm(_) -> int:
    import photofs.jobs.thumb_work  # noqa: F401  (what a thumbs worker imports first)
    return os.getpid()


def bench_thumbs_on_every_core(root: Path, photos: Path, n: int) -> None:
    cores = default_workers()
    rates = {}
    for workers in (1, cores):
        lib = new_library(root, f"fp-lib-{workers}")
        add_folder(lib, photos, progress=False)
        t = time.perf_counter()
        summary = make_thumbs(lib, progress=False, workers=workers)
        rates[workers] = summary.counts["made"] / (time.perf_counter() - t)
        lib.close()
    startup = pool_startup(cores)
    steady = n / max(n / rates[cores] - startup, 1e-6)
    emit(f"thumbs of {n} 12 MP JPEGs on {cores} cores (pool start-up included)", rates[cores], "photos/s", rates[1],
         "thumbs --workers 1, same photos", target=">= 1.8 on 2 cores", pool_startup_s=round(startup, 2),
         ratio_after_startup=round(steady / rates[1], 3))
    if shutil.which("vipsthumbnail") is None:
        emit("thumbs vs vipsthumbnail on every core", rates[cores], "photos/s", 0,
             "vipsthumbnail is not installed (apt-get install libvips-tools)", skipped=True)
        return
    out = root / "fp-vips"
    out.mkdir(exist_ok=True)
    files = "\n".join(str(p) for p in sorted(photos.iterdir())) + "\n"
    t = time.perf_counter()
    subprocess.run(["xargs", "-P", str(cores), "-n", str(max(1, n // cores)), "vipsthumbnail", "--size", "256",
                    "-o", str(out / "%s.jpg[Q=85]")], input=files.encode(), check=True, capture_output=True)
    vips = n / (time.perf_counter() - t)
    emit(f"thumbs of {n} 12 MP JPEGs on {cores} cores, with phash, 7 variants and colour", rates[cores], "photos/s",
         vips, f"vipsthumbnail on every core at once (xargs -P {cores}), thumbnail only", target=">= 1.0",
         ratio_after_startup=round(steady / vips, 3))


def _read_per_photo(root: Path, sets: dict[str, tuple[Path, int]], run) -> float:
    """Bytes read per byte of originals: (full - half) / (their sizes' difference)."""
    read = {}
    for name, (folder, _) in sets.items():
        before = rchar()
        run(name, folder)
        read[name] = rchar() - before
    return (read["full"] - read["half"]) / (sets["full"][1] - sets["half"][1])


def bench_read_once(root: Path, photos: Path, n: int) -> None:
    half = root / "fp-half"
    half.mkdir(exist_ok=True)
    for p in sorted(photos.iterdir())[: n // 2]:
        os.link(p, half / p.name)
    sets = {"full": (photos, sum(p.stat().st_size for p in photos.iterdir())),
            "half": (half, sum(p.stat().st_size for p in half.iterdir()))}

    def first_pass(name, folder):
        lib = new_library(root, f"fp-read-{name}")
        add_folder(lib, folder, progress=False)
        make_thumbs(lib, progress=False)
        lib.close()

    ratio = _read_per_photo(root, sets, first_pass)
    emit("bytes read from the originals: add-folder, then thumbs --all", ratio, "x their size", 1.0,
         "the originals' own size (each byte read once)", target="<= 1.05", before_issue_18=2.006)

    def week_end_to_end(name, folder):
        nas = root / f"fp-nas-{name}"
        shutil.rmtree(nas, ignore_errors=True)
        nas.mkdir()
        lib = new_library(root, f"fp-week-{name}", nas)
        add_folder(lib, folder, progress=False)
        results = run_weeks(lib, None, all_pending=True, quiet=True)
        assert all(r["summary"]["reviewed"] for r in results), results
        lib.close()

    ratio = _read_per_photo(root, sets, week_end_to_end)
    emit("bytes read: add-folder, then photofs week (index, thumbnails, archive, its read-back)", ratio,
         "x their size", 1.0, "the originals' own size", target="<= 2.1", before_issue_18=4.006)


def bench_grouping_a_big_folder(n_names: int) -> None:
    """One camera folder of many shots, each a still with its video (domain/media.group_folder)."""
    from photofs.domain.media import group_folder
    names = [f"IMG_{i:05d}.{ext}" for i in range(n_names // 2) for ext in ("HEIC", "MOV")]
    t = time.perf_counter()
    groups, _ = group_folder(names)
    ours = time.perf_counter() - t
    assert len(groups) == n_names // 2
    t = time.perf_counter()
    sorted(set(names), key=str.lower)
    base = time.perf_counter() - t
    emit(f"grouping one folder of {n_names:,} names into shots", ours * 1000, "ms", base * 1000,
         "sorting the same names", note="was 14 s (quadratic) before issue 18's pass")


def bench_first_pass(root: Path, n: int) -> None:
    bench_grouping_a_big_folder(8_000)
    photos = root / "fp-photos"
    camera_roll(photos, n)
    bench_thumbs_on_every_core(root, photos, n)
    bench_read_once(root, photos, n)


if __name__ == "__main__":
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        bench_first_pass(Path(tmp), int(sys.argv[1]) if len(sys.argv) > 1 else 24)
