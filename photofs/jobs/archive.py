"""`photofs archive [--weeks A-B]`: copy originals to the NAS, verified.

Each original goes to `NAS/YYYY/NNNN_YYYY-MM-DD/<original name>` (undated ones to
`NAS/undated/`), never over another file (a collision becomes `name (2).jpg`).
A copy is written to a temporary file, fsynced, read back and hashed, and only
then renamed into place; its SHA-256 and size go into the catalog. A JSON record
of everything photofs knows sits next to it (`<name>.photofs.json`). The file's
mtime is the capture time. A JPEG that lacks GPS or a description that Google's
sidecar has gets them written into its EXIF (Google strips GPS from downloads).

Re-running copies nothing twice; a killed run resumes, and a copy interrupted
before its rename leaves only a temporary file, which the next run removes. A
file already there under the same name with the same bytes (a copy whose run was
killed before it was recorded, or a byte-identical twin) is verified and used.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import time
from pathlib import Path

import piexif
from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import Item, ItemState
from photofs.errors import PhotofsError
from photofs.imaging.exif_record import gps_ifd, record_of
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder

TMP_PREFIX = ".photofs-tmp-"


def nas_root(lib: LibraryFolder) -> Path:
    if not lib.settings.nas_path:
        raise PhotofsError("no NAS folder is set: add nas_path to photofs.toml (or photofs init --nas DIR)")
    root = Path(lib.settings.nas_path).expanduser()
    if not root.is_dir():
        raise PhotofsError(f"NAS folder {root} is not reachable (not mounted?); nothing was copied")
    return root


def destination_folder(lib: LibraryFolder, item: Item) -> Path:
    cal = lib.calendar
    if item.week is None or item.taken_at is None:
        return Path("undated")
    year = dt.datetime.fromtimestamp(item.taken_at, cal.tz).year
    if item.week < 0:
        return Path("before-birth") / f"{year:04d}"
    return Path(f"{year:04d}") / cal.folder_name(item.week)


def archive(lib: LibraryFolder, weeks: tuple[int, int] | None = None, progress: bool | None = None) -> JobSummary:
    root = nas_root(lib)
    summary = JobSummary("archive")
    cat = lib.catalog
    items = [i for i in cat.items(weeks=weeks) if i.state in (ItemState.INDEXED, ItemState.THUMBNAILED)
             and not i.trashed]
    for item in tqdm(items, desc="archive", unit=" photos", disable=None if progress is None else not progress):
        if item.nas_sha256 and item.nas_path and _still_there(Path(item.nas_path), item.nas_size):
            summary.counts["already archived"] += 1
            continue
        try:
            data = lib.read_original(item)
        except OSError as e:
            summary.counts["original not reachable"] += 1
            summary.problem(item.original_name, f"cannot read the original ({e}); will retry next run")
            continue
        data = with_sidecar_metadata(item, data)
        folder = root / destination_folder(lib, item)
        try:
            final = write_verified(folder, item.original_name, data)
            _write_record(final, item)
            os.utime(final, (time.time(), item.taken_at or time.time()))
        except OSError as e:
            raise PhotofsError(_nas_error(root, e, summary)) from None
        cat.set_archived(item.id, str(final), hashlib.sha256(data).hexdigest(), len(data))
        summary.counts["archived"] += 1
    promoted = cat.promote_archived()
    if promoted:
        summary.counts["queued photos now safe to remove"] = promoted
    return summary


def _nas_error(root: Path, e: OSError, summary: JobSummary) -> str:
    done = summary.counts["archived"]
    if e.errno == errno.ENOSPC:
        return f"the NAS is full ({root}); {done} photos were archived and verified, none is half-written. Free space and run archive again"
    if not root.is_dir():
        return f"the NAS folder {root} went away during the archive; {done} photos were archived and verified. Run archive again when it is back"
    return f"cannot write to the NAS ({e.strerror or e}: {e.filename or root}); {done} photos were archived and verified"


def _still_there(path: Path, size: int | None) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def write_verified(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` under `folder` as `name` (or `name (2)`...) atomically, verified.

    The bytes go to a temporary file, are fsynced, read back and compared by SHA-256,
    then linked into place without ever replacing an existing file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(TMP_PREFIX + "*"):  # an earlier run killed mid-copy
        leftover.unlink(missing_ok=True)
    want = hashlib.sha256(data).hexdigest()
    existing = _same_file_already_there(folder, name, want, len(data))
    if existing:
        return existing  # copied by a run that died before it could record it
    tmp = folder / f"{TMP_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if hashlib.sha256(tmp.read_bytes()).hexdigest() != want:
            raise OSError(errno.EIO, "the copy read back differs from the original", str(tmp))
        final = _link_new_name(tmp, folder, name)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(folder)
    return final


def _candidates(name: str):
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    yield name
    n = 2
    while True:
        yield f"{stem} ({n}).{ext}" if dot else f"{stem} ({n})"
        n += 1


def _same_file_already_there(folder: Path, name: str, sha: str, size: int) -> Path | None:
    for candidate in _candidates(name):
        path = folder / candidate
        if not path.exists():
            return None
        if path.stat().st_size == size and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            return path


def _link_new_name(tmp: Path, folder: Path, name: str) -> Path:
    for candidate in _candidates(name):
        final = folder / candidate
        try:
            os.link(tmp, final)  # fails if the name exists: never overwrites
            return final
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if final.exists():  # a NAS share without hard links: check, then rename
                continue
            os.rename(tmp, final)
            return final
    raise AssertionError("unreachable")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_record(final: Path, item: Item) -> None:
    record = record_of(item)
    record["nas_path"] = str(final)
    data = (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    side = final.with_name(final.name + ".photofs.json")
    tmp = final.with_name(f"{TMP_PREFIX}{final.name}.json")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, side)  # ours alone: replacing an older record of the same copy is right


def with_sidecar_metadata(item: Item, data: bytes) -> bytes:
    """A JPEG that lacks GPS or a description gets the ones Google's sidecar had."""
    if item.source != "takeout" or not data.startswith(b"\xff\xd8") or (item.gps_lat is None and not item.description):
        return data
    try:
        exif = piexif.load(data)
    except Exception:  # unreadable EXIF: leave the original exactly as it is
        return data
    changed = False
    if item.gps_lat is not None and not exif.get("GPS"):
        exif["GPS"] = gps_ifd(item.gps_lat, item.gps_lon, item.gps_alt)
        changed = True
    if item.description and piexif.ImageIFD.ImageDescription not in exif["0th"]:
        exif["0th"][piexif.ImageIFD.ImageDescription] = item.description.encode("utf-8")
        changed = True
    if not changed:
        return data
    exif.pop("thumbnail", None)
    out = io.BytesIO()
    try:
        piexif.insert(piexif.dump(exif), data, out)
    except Exception:
        return data
    return out.getvalue()


