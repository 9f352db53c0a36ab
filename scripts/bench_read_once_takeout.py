#!/usr/bin/env python3
"""The read-once figures over a Google Takeout (issue 18): bytes read by `import-takeout`
then `thumbs`, per photo, against the photos' own size; and bytes read from the part by
`archive`, per photo, from a `.tgz` against the same photos in a zip. Prints JSON lines,
as the figures of scripts/bench.py do.

    python scripts/bench_read_once_takeout.py            # 60 photos of about 1 MB, every core

Bytes are Linux's `rchar` (every read(2): files, pipes, sockets) of this process, which
includes its pool's workers once they have exited (spawned children, reaped: the kernel
adds their counts to ours) and the results that come back through pipes. Per photo
means the difference between a full set and a half set, so Python's imports, the
workers' start-up and the catalog's fixed cost cancel out.
"""

from __future__ import annotations

import io
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import emit  # noqa: E402
from photofs.jobs.archive import archive  # noqa: E402
from photofs.jobs.bytes_read import process_rchar  # noqa: E402
from photofs.jobs.import_takeout import import_takeout  # noqa: E402
from photofs.jobs.pool import default_workers  # noqa: E402
from photofs.jobs.sample_photos import exif_for, scene  # noqa: E402
from photofs.jobs.thumbs import make_thumbs  # noqa: E402
from photofs.library_folder import LibraryFolder  # noqa: E402
from photofs.settings import Settings  # noqa: E402
from photofs.sources.takeout.tar_index import restart_spacing  # noqa: E402


def _photos(n: int, size: tuple[int, int]) -> dict[str, bytes]:
    out = {}
    for i in range(n):
        buf = io.BytesIO()
        scene(1000 + i, size).save(buf, "JPEG", quality=92, exif=exif_for(None))
        out[f"Photos from 2020/IMG_{i:05d}.jpg"] = buf.getvalue()
    return out


def _full_and_half(photos: int, size: tuple[int, int]):
    """A full set, its first half, and the bytes between them: figures per photo are the
    difference, so start-up and fixed costs cancel out."""
    full = _photos(photos, size)
    half = dict(list(full.items())[: photos // 2])
    return full, half, sum(map(len, full.values())) - sum(map(len, half.values()))


def _read_over(root: Path, name: str, photos: dict[str, bytes], workers: int) -> int:
    """rchar of import-takeout on `workers`, then `thumbs` here (it should find nothing to read)."""
    part = _part(root / f"takeout-{name}.zip", photos)
    lib = LibraryFolder.create(root / f"lib-{name}", Settings(birth_date="1980-01-01", time_zone="UTC"))
    before = process_rchar()
    summary = import_takeout(lib, [part], progress=False, workers=workers)
    thumbs = make_thumbs(lib, progress=False, workers=1)  # in this process: all its reads are counted here
    read = process_rchar() - before  # the pool's workers included: spawned children, reaped (bench_first_pass.py)
    if thumbs.counts["made"]:
        print(f"warning: thumbs still made {thumbs.counts['made']} thumbnails", file=sys.stderr)
    lib.close()
    return read


def bench_takeout_read_once(root: Path, photos: int = 60, size: tuple[int, int] = (1800, 1350),
                            workers: int | None = None) -> None:
    if process_rchar() is None:
        print("read-once over a Takeout: skipped (no /proc/self/io here)", file=sys.stderr)
        return
    workers = workers or default_workers()
    full, half, nbytes = _full_and_half(photos, size)
    read = _read_over(root, "full", full, workers) - _read_over(root, "half", half, workers)
    emit("bytes read per photo over a Takeout (import-takeout, then thumbs)", read / nbytes, "x its size", 1.0,
         "each member's bytes read once", photos=photos, photo_kb=round(nbytes / (photos - photos // 2) / 1024),
         workers=workers, was=2.006, target=1.05)


def _part(part: Path, photos: dict[str, bytes]) -> Path:
    """A Takeout part of these photos: a zip (`.zip`) or a gzipped tar (`.tgz`), as Google makes them."""
    if part.suffix == ".zip":
        with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as z:  # Google stores JPEGs uncompressed
            for member, data in photos.items():
                z.writestr(f"Takeout/Google Photos/{member}", data)
        return part
    with tarfile.open(part, "w:gz", compresslevel=6) as t:
        for member, data in photos.items():
            info = tarfile.TarInfo(f"Takeout/Google Photos/{member}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return part


def _archive_reads(root: Path, form: str, photos: dict[str, bytes], workers: int) -> int:
    """rchar of `archive` over a fresh import of `photos`, less the read-back of the copies
    that verifies them: what the archive read from the part."""
    root.mkdir()
    (root / "nas").mkdir()
    part = _part(root / f"takeout.{form}", photos)
    lib = LibraryFolder.create(root / "lib", Settings(birth_date="1980-01-01", time_zone="UTC", nas_path=str(root / "nas")))
    import_takeout(lib, [part], progress=False, workers=workers)
    before = process_rchar()
    done = archive(lib, progress=False, workers=workers)
    read = process_rchar() - before
    copies = sum(p.stat().st_size for p in (root / "nas").rglob("*") if p.is_file() and not p.name.endswith(".json"))
    if done.counts["archived"] != len(photos):
        print(f"warning: archived {done.counts['archived']} of {len(photos)}", file=sys.stderr)
    lib.close()
    return read - copies


def bench_tgz_archive(root: Path, photos: int = 60, size: tuple[int, int] = (1800, 1350),
                      workers: int | None = None) -> None:
    """A .tgz member is a seek once the part is indexed (tar_index.py): one pass to make the
    restart points, then a restart spacing and the photo for each. Before, each was a scan
    of the part from its start: half the part per photo on average."""
    if process_rchar() is None:
        print("archive from a .tgz: skipped (no /proc/self/io here)", file=sys.stderr)
        return
    workers = workers or default_workers()
    full, half, nbytes = _full_and_half(photos, size)
    per = {form: (_archive_reads(root / f"archive-{form}-full", form, full, workers)
                  - _archive_reads(root / f"archive-{form}-half", form, half, workers)) / nbytes
           for form in ("zip", "tgz")}
    emit("bytes read from the part per photo archived, from a .tgz", per["tgz"], "x its size", per["zip"],
         "the same photos archived from a zip", photos=photos, photo_kb=round(nbytes / (photos - photos // 2) / 1024),
         spacing_kib=restart_spacing(sum(map(len, full.values()))) // 1024, workers=workers,
         was=f"a scan of the part for each: about {photos / 2:.0f}x")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bench_takeout_read_once(Path(tmp))
        bench_tgz_archive(Path(tmp))
