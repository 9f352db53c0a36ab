#!/usr/bin/env python3
"""photofs benchmarks. Prints one JSON line per figure, each next to a baseline
measured in the same run on the same data, so the ratio survives a noisy machine.

    python scripts/bench.py                    # 10^5, 10^6 and 10^7 synthetic items (an hour or more)
    python scripts/bench.py --sizes 100000     # one size
    python scripts/bench.py --quick            # 10^5 only, small fixed parts: a smoke check (CI)

No figure here is asserted anywhere: targets are read from these ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # its real clip and DNG writers

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


PLANTED_T = 10  # planted near-duplicates sit at distances 0..PLANTED_T from their original


def synthetic_library(root: Path, n: int, burst: int) -> tuple[LibraryFolder, list[tuple[int, int]]]:
    """n thumbnailed items over 40 years, one week holding `burst` of them, and
    1% of them planted near-duplicates of another item; returns the planted (i, j) pairs."""
    lib = LibraryFolder.create(root / "lib", Settings(birth_date="1980-01-01", time_zone="UTC", folder_limit=2000))
    rng = np.random.default_rng(1)
    start = 315532800.0  # 1980-01-01
    taken = np.sort(start + rng.uniform(0, 40 * 365.25 * 86400, n))
    taken[:burst] = start + 1000 * 86400 + np.arange(burst) * 3.0  # a wedding: burst photos in one week
    weeks = ((taken - (start - 86400)) // (7 * 86400)).astype(int)  # 1980-01-01 is a Tuesday
    hashes = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) | (rng.integers(0, 2, n).astype(np.uint64) << np.uint64(63))
    planted = []
    picked = rng.choice(n, 2 * (n // 100), replace=False)  # copies and originals: disjoint, so no chains
    for i, j in zip(picked[: n // 100].tolist(), picked[n // 100:].tolist()):
        flips = rng.choice(64, int(rng.integers(0, PLANTED_T + 1)), replace=False)
        hashes[i] = hashes[j] ^ np.uint64(sum(1 << int(b) for b in flips))
        planted.append((i, j))
    assert all(int(np.bitwise_count(hashes[i] ^ hashes[j])) <= PLANTED_T for i, j in planted)
    now = time.time()
    rows = [(i + 1, "folder", f"/nas/{i // 500}/{i}.jpg", f"IMG_{i:07d}.jpg", 3_000_000, float(t), int(w), "thumbnailed",
             f"{int(h):016x}", 9000 + i % 1000, f"{i:064x}", 4000, 3000, now)
            for i, (t, w, h) in enumerate(zip(taken, weeks, hashes))]
    with lib.catalog.transaction() as db:
        db.executemany("INSERT INTO items (id, source, source_id, original_name, size, taken_at, week, state, phash,"
                       " thumb_size, sha256, width, height, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return lib, planted


def bench_move(lib: LibraryFolder) -> None:
    """A drag in the VFS (one transaction + overlay update + relisting both folders) vs os.rename on tmpfs."""
    vfs = PhotoVFS(lib.path, refresh_seconds=3600)
    weeks = [n for n, _ in vfs.listdir("/by-week")]
    a = f"/by-week/{weeks[-1]}"
    vfs.mkdir("/sorted/bench")
    names = [n for n, st in vfs.listdir(a) if not st.is_dir][:50]
    times = []
    for name in names:
        t = time.perf_counter()
        vfs.rename(f"{a}/{name}", f"/sorted/bench/{name}")
        vfs.listdir("/sorted/bench")
        times.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        for name in names:
            open(os.path.join(d, name), "wb").close()
        os.mkdir(os.path.join(d, "x"))
        base = []
        for name in names:
            t = time.perf_counter()
            os.rename(os.path.join(d, name), os.path.join(d, "x", name))
            os.listdir(os.path.join(d, "x"))
            base.append(time.perf_counter() - t)
    emit("VFS move of one photo + relist (median)", statistics.median(times) * 1000, "ms",
         statistics.median(base) * 1000, "os.rename + listdir on tmpfs", p99_ms=round(p99(times) * 1000, 3))
    vfs.close()


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
    emit("VFS index build (snapshot + every view)", build, "s", fetch, "fetching the same rows from SQLite", n=n)

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


def bench_takeout(root: Path, members: int) -> None:
    """import-takeout's metadata pass on a synthetic Takeout (small JPEGs + sidecars) vs
    the unavoidable work: reading, hashing and parsing every member with zipfile."""
    import hashlib
    import zipfile

    from photofs.jobs.import_takeout import import_takeout
    buf = io.BytesIO()
    scene(7, (96, 72)).save(buf, "JPEG", quality=80, exif=exif_for(None))
    jpeg = buf.getvalue()
    part = root / "takeout-001.zip"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as z:  # Google stores JPEGs uncompressed
        for i in range(members // 2):
            folder = f"Takeout/Google Photos/Photos from {2000 + i % 20}"
            z.writestr(f"{folder}/IMG_{i:06d}.jpg", jpeg + i.to_bytes(4, "big"))  # distinct bytes after EOI
            z.writestr(f"{folder}/IMG_{i:06d}.jpg.supplemental-metadata.json", json.dumps(
                {"title": f"IMG_{i:06d}.jpg", "photoTakenTime": {"timestamp": str(946684800 + i * 3600)},
                 "url": f"https://photos.google.com/photo/{i}"}))
    lib = LibraryFolder.create(root / "takeout-lib", Settings(birth_date="1980-01-01", time_zone="UTC"))
    t = time.perf_counter()
    import_takeout(lib, [part], progress=False)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    with zipfile.ZipFile(part) as z:
        for info in z.infolist():
            data = z.read(info)
            hashlib.sha256(data).hexdigest()
            if info.filename.endswith(".json"):
                json.loads(data)
    base = time.perf_counter() - t
    emit(f"import-takeout metadata pass, {members} members", members / ours, "members/s", members / base,
         "zipfile read + sha256 + json.loads of every member", n=members)
    lib.close()


def bench_hashing(n_images: int) -> None:
    """phash of 256 px thumbnails: batched and with the 7 variants from two resizes, vs imagehash per image."""
    from photofs.imaging.phash import phash_and_variants, phash_many
    from photofs.imaging.similarity import VARIANTS
    thumbs = [scene(i, (256, 192)) for i in range(n_images)]
    ours = statistics.median(timed(lambda: phash_many(thumbs), 3)) / n_images
    base = statistics.median(timed(lambda: [imagehash.phash(t) for t in thumbs], 3)) / n_images
    emit("phash of a 256 px thumbnail, batched", ours * 1e6, "us/photo", base * 1e6, "imagehash.phash per image",
         note="both resize each image to 32x32 with Pillow, which is most of the time; the DCT, median and bits are one numpy call")
    ours = statistics.median(timed(lambda: [phash_and_variants(t) for t in thumbs], 3)) / n_images
    base = statistics.median(timed(lambda: [[imagehash.phash(t)] + [imagehash.phash(t.transpose(v)) for v, _ in VARIANTS]
                                            for t in thumbs], 3)) / n_images
    emit("phash + its 7 flips and rotations of a 256 px thumbnail", ours * 1e6, "us/photo", base * 1e6,
         "imagehash.phash of each of the 8 variants", note="bit-identical (tests/test_imaging.py)")


def bench_vips(n_images: int) -> None:
    """Our thumbnail (with phash, 7 variants, colour signature) vs libvips' shrink-on-load vipsthumbnail."""
    import shutil
    if shutil.which("vipsthumbnail") is None:
        print(json.dumps({"figure": "vipsthumbnail baseline", "skipped": "vipsthumbnail is not installed (apt-get install libvips-tools)"}))
        return
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i in range(n_images):
            p = Path(d) / f"p{i}.jpg"
            scene(200 + i, (4000, 3000)).save(p, "JPEG", quality=92, exif=exif_for(None))
            paths.append(p)
        blobs = [p.read_bytes() for p in paths]
        ours = statistics.median(timed(lambda: [make_thumbnail(b, 256, 200_000_000) for b in blobs], 3)) / n_images
        cmd = ["vipsthumbnail", "--size", "256", "-o", str(Path(d) / "t_%s.jpg[Q=85]"), *map(str, paths)]
        base = statistics.median(timed(lambda: subprocess.run(cmd, check=True, capture_output=True), 3)) / n_images
        emit("thumbnail of a 12 MP JPEG (with phash, 7 variants, colour)", ours * 1000, "ms/photo", base * 1000,
             "vipsthumbnail (libvips shrink-on-load, thumbnail only), one process for all files")


def bench_archive(root: Path, n_files: int, file_mb: int, sparse_gb: float) -> None:
    """archive (stream + hash, fsync, read back + hash, link) of every file, vs `cp` then
    `sha256sum` of the copies in the same run; and the peak memory of archiving one
    multi-GB video (a sparse file) against the same command's start-up."""
    import resource
    import shutil
    from photofs.jobs.add_folder import add_folder
    from photofs.jobs.archive import archive
    src, nas, plain = root / "arch-src", root / "arch-nas", root / "arch-cp"
    for d in (src, nas, plain):
        d.mkdir()
    rng = np.random.default_rng(5)
    for i in range(n_files):  # videos: archived byte for byte, no decoding on the way
        (src / f"VID_{i:04d}.mp4").write_bytes(rng.integers(0, 256, file_mb << 20, dtype=np.uint8).tobytes())
    total = n_files * (file_mb << 20) / 1e6
    lib = LibraryFolder.create(root / "arch-lib", Settings(birth_date="1980-01-01", time_zone="UTC", nas_path=str(nas)))
    add_folder(lib, src, progress=False)
    t = time.perf_counter()
    archive(lib, progress=False)
    ours = time.perf_counter() - t
    files = sorted(map(str, src.iterdir()))
    t = time.perf_counter()
    subprocess.run(["cp", "-t", str(plain), *files], check=True)
    subprocess.run(["sync", "-f", str(plain)], check=True)
    subprocess.run(["sha256sum", *sorted(map(str, plain.iterdir()))], check=True, capture_output=True)
    base = time.perf_counter() - t
    emit(f"archive of {n_files} files of {file_mb} MB", total / ours, "MB/s", total / base,
         "cp, sync, then sha256sum of the copies", note="ours also hashes while reading and fsyncs each file")
    lib.close()
    shutil.rmtree(src), shutil.rmtree(nas), shutil.rmtree(plain)

    # Peak memory: a sparse "video" of several GB, archived by the real command in a child.
    src.mkdir(), nas.mkdir()
    with open(src / "long-clip.mov", "wb") as f:
        f.truncate(int(sparse_gb * 2**30))
    lib = LibraryFolder.create(root / "arch-lib2", Settings(birth_date="1980-01-01", time_zone="UTC", nas_path=str(nas)))
    add_folder(lib, src, progress=False)
    lib.close()

    def peak_kb(args: list[str]) -> int:
        code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
        return int(out.stdout.strip())

    cli = [sys.executable, "-m", "photofs", "-L", str(lib.path)]
    started = peak_kb(cli + ["status", "--json"])
    archived = peak_kb(cli + ["archive", "--json"])
    emit(f"peak resident memory archiving a {sparse_gb:g} GB video", archived / 1024, "MiB", started / 1024,
         "the same command's start-up (photofs status)", growth_mib=round((archived - started) / 1024, 1))
    shutil.rmtree(nas, ignore_errors=True)
    del resource


def bench_video(seconds: int) -> None:
    """A video's thumbnail (seek to a keyframe, decode to the point, badge, phash) vs Debian's
    `ffmpeg -ss T -i clip -frames:v 1` at the same point, on a 1080p H.264 clip made here."""
    import shutil

    from images import clip_bytes
    from photofs.imaging import video
    from photofs.imaging.thumbnail import thumbnail_of
    if shutil.which("ffmpeg") is None:
        print(json.dumps({"figure": "video thumbnail", "skipped": "ffmpeg is not installed (apt-get install ffmpeg)"}))
        return
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "clip.mp4"
        # A phone's shape: 1080p at 30 fps, a keyframe every second.
        path.write_bytes(clip_bytes(seed=3, seconds=seconds, size=(1920, 1080), fps=30, gop=30, bit_rate=12_000_000,
                                    codec_options={"preset": "veryfast"}))
        point = seconds * video.THUMBNAIL_POINTS[0]

        def ours():
            with open(path, "rb") as f:
                _, frame = video.representative_frame(f, 256)
            thumbnail_of(frame, 256, badge=True)

        def with_hashes():
            with open(path, "rb") as f:
                make_thumbnail(f, 256, 200_000_000, "video")
        cmd = ["ffmpeg", "-v", "error", "-y", "-ss", f"{point:.3f}", "-i", str(path), "-frames:v", "1",
               "-vf", "scale=256:-1", str(Path(d) / "frame.jpg")]
        base = statistics.median(timed(lambda: subprocess.run(cmd, check=True, capture_output=True), 5))
        mine = statistics.median(timed(ours, 5))
        emit(f"video thumbnail of a {seconds} s 1080p H.264 clip", mine * 1000, "ms/clip", base * 1000,
             "ffmpeg -ss T -frames:v 1 -vf scale=256:-1 (Debian's ffmpeg, one process)", clip_mb=round(path.stat().st_size / 1e6, 1))
        emit(f"video thumbnail + {video.FRAME_HASHES} frame hashes, same clip", statistics.median(timed(with_hashes, 3)) * 1000,
             "ms/clip", base * 1000, "the same single-frame ffmpeg run", note="six seeks against one")


def bench_raw(n: int) -> None:
    """A RAW's thumbnail from its embedded JPEG preview (decode, thumbnail, phash, flips, colour)
    vs extracting that preview only: `exiftool -b -PreviewImage` and LibRaw's `simple_dcraw -e`
    (Debian's dcraw_emu has no -e), each one process for all files. And the half-size
    demosaic (no usable preview) vs `dcraw_emu -h`. On 24 MP DNGs written here."""
    import shutil

    from images import dng_bytes
    with tempfile.TemporaryDirectory() as d:
        for label, preview, baselines in (
                ("embedded 1620x1080 JPEG preview", (1620, 1080),
                 [["exiftool", "-q", "-b", "-PreviewImage", "-w!", f"{d}/%f_preview.jpg"], ["simple_dcraw", "-e"]]),
                ("half-size demosaic", None, [["dcraw_emu", "-h"]])):
            paths = []
            for i in range(n):
                p = Path(d) / f"{'preview' if preview else 'mosaic'}{i}.dng"
                p.write_bytes(dng_bytes(size=(6000, 4000), preview_size=preview, jpeg_preview=True))
                paths.append(p)

            def ours():
                for p in paths:
                    with open(p, "rb") as f:
                        make_thumbnail(f, 256, 200_000_000, "raw")
            mine = statistics.median(timed(ours, 5)) / n
            for cmd in baselines:
                if shutil.which(cmd[0]) is None:
                    print(json.dumps({"figure": f"RAW thumbnail, {label}", "skipped": f"{cmd[0]} is not installed "
                                      "(apt-get install libimage-exiftool-perl libraw-bin)"}))
                    continue
                full = [*cmd, *map(str, paths)]
                base = statistics.median(timed(lambda: subprocess.run(full, check=True, capture_output=True), 5)) / n
                emit(f"RAW thumbnail of a 24 MP DNG, {label}", mine * 1000, "ms/photo", base * 1000,
                     f"{' '.join(cmd[:4] if cmd[0] == 'exiftool' else cmd)} (one process for {n} files)")


def main() -> int:
    import bench_first_pass
    import bench_read_once_takeout
    import bench_ls
    import bench_scale
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="10^5 items and small fixed parts: a smoke check, not a measurement")
    p.add_argument("--sizes", default="100000,1000000,10000000", help="library sizes, comma-separated")
    p.add_argument("--budget", type=float, default=900, help="seconds a grouping may take before it is estimated instead")
    p.add_argument("--no-mount", action="store_true", help="skip the figures that need FUSE")
    a = p.parse_args()
    sizes = [100_000] if a.quick else [int(float(s)) for s in a.sizes.split(",")]
    mounting = not a.no_mount and os.path.exists("/dev/fuse")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bench_thumbnails(2 if a.quick else 5)
        bench_vips(2 if a.quick else 5)
        bench_video(10 if a.quick else 60)
        bench_raw(1 if a.quick else 3)
        bench_hashing(50 if a.quick else 200)
        bench_catalog(root, 2_000 if a.quick else 10_000)
        bench_archive(root, 4 if a.quick else 8, 16 if a.quick else 64, 0.5 if a.quick else 4)
        bench_first_pass.bench_first_pass(root, 8 if a.quick else 160)
        bench_read_once_takeout.bench_takeout_read_once(root, photos=16 if a.quick else 60)
        bench_read_once_takeout.bench_tgz_archive(root, photos=16 if a.quick else 60)
        if not a.quick:
            bench_takeout(root, 100_000)
        lib, planted = synthetic_library(root, 20_000, burst=1900)  # the VFS figures at desk size
        bench_vfs(lib, 20_000)
        bench_move(lib)
        lib.close()
        if mounting:
            bench_ls.bench_ls(lib.path, 20_000)
        for n in sizes:
            lib, planted, _ = bench_scale.build_library(root, n)
            bench_scale.bench_index(lib, n)
            full = bench_scale.bench_grouping(lib, planted, n, 60 if a.quick else a.budget)
            if mounting:
                bench_scale.bench_mount(lib, n)
            bench_scale.bench_similar_update(lib, n, full)
            bench_scale.bench_names(min(n, 1_000_000) if a.quick else n)
            bench_scale.bench_first_pass(lib, n)
            lib.close()
            import shutil
            shutil.rmtree(lib.path, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
