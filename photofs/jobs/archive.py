"""`photofs archive [--weeks A-B]`: copy every file of every item to the NAS, verified.

An item's files (the still or video, its motion video, the RAW and JPEG of a pair)
go to `NAS/YYYY/NNNN_YYYY-MM-DD/` (undated ones to `NAS/undated/`), side by side
under one stem: `IMG_1.HEIC` and `IMG_1.MOV`, or `IMG_1 (2).HEIC` and
`IMG_1 (2).MOV` when the name was taken. Names are made safe for any NAS
(domain/names.safe_file_name); the true name stays in the catalog and the record.
Nothing is ever written over another file, and every path is checked to be inside
the NAS folder.

Each file is streamed (memory stays flat whatever its size) into a temporary file
while being hashed, fsynced, read back and hashed again, and only then linked into
place; its SHA-256 and size go into the catalog. An item counts as archived (and
a queued removal becomes safe to offer) only once every one of its files is. A
JSON record of everything photofs knows sits next to the shown file
(`<name>.photofs.json`). Each file's mtime is the capture time. A JPEG that lacks
GPS or a description that Google's sidecar has gets them written into its EXIF
(Google strips GPS from downloads).

Re-running copies nothing twice; a killed run resumes, and a copy interrupted
before its rename leaves only a temporary file, which the next run removes. A
file already there under the same name with the same bytes is verified and used.
One item's failure is that item's problem and the run goes on; only a failure of
the whole NAS (full, gone, read-only) stops it.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import piexif
from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import Item, ItemFile, ItemState
from photofs.domain.media import ROLE_JPEG, ROLE_ORIGINAL, extension
from photofs.domain.names import safe_file_name
from photofs.errors import PhotofsError
from photofs.imaging.exif_record import gps_ifd, record_of, valid_position
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources import MAX_ORIGINAL_BYTES
from photofs.sources.folder import sha256_file
from photofs.sources.registry import read_all, source_of

TMP_PREFIX = ".photofs-tmp-"
NAS_MARKER = ".photofs-nas"
CHUNK = 1 << 20
# Errors that mean the NAS itself cannot take files now: the job stops, nothing is half-written.
NAS_WIDE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENODEV, errno.ENXIO,
            errno.ESTALE, errno.EHOSTDOWN, errno.ENOTCONN}


class SourceError(OSError):
    """Reading the original failed (not the NAS): that item waits for the next run."""


def nas_root(lib: LibraryFolder) -> Path:
    """The NAS folder, checked to be the one photofs archives into. An unmounted share
    leaves its empty mount point behind: copies written there would land on the laptop
    and vanish under the share once it is mounted again. The marker file tells them apart."""
    if not lib.settings.nas_path:
        raise PhotofsError("no NAS folder is set: add nas_path to photofs.toml (or photofs init --nas DIR)")
    root = Path(lib.settings.nas_path).expanduser()
    if not root.is_dir():
        raise PhotofsError(f"NAS folder {root} is not reachable (not mounted?); nothing was copied")
    marker = root / NAS_MARKER
    if not marker.exists():
        if lib.catalog.verified_file_count():
            raise PhotofsError(f"NAS folder {root} has no {NAS_MARKER}, yet photofs archived there before: "
                               "is the share mounted? Nothing was copied")
        try:
            marker.write_text("photofs archives this folder; see photofs.log in the library for its runs\n")
        except OSError as e:
            raise PhotofsError(f"cannot write to the NAS folder {root} ({e.strerror or e}); nothing was copied") from None
    return root


def _still_mounted(root: Path) -> bool:
    return (root / NAS_MARKER).exists()


def destination_folder(lib: LibraryFolder, item: Item) -> Path:
    """The item's effective week decides: a photo the user moved into another week (an
    undated one too) is archived in that week's folder, under that week's year."""
    cal = lib.calendar
    if item.week is None or (item.taken_at is None and item.week_source != "user"):
        return Path("undated")
    if item.week_source == "user" or item.taken_at is None:
        year = cal.monday_of_week(item.week).year
    else:
        year = dt.datetime.fromtimestamp(item.taken_at, cal.tz).year
    if item.week < 0:
        return Path("before-birth") / f"{year:04d}"
    return Path(f"{year:04d}") / cal.folder_name(item.week)


def archive(lib: LibraryFolder, weeks: tuple[int, int] | None = None, progress: bool | None = None) -> JobSummary:
    root = nas_root(lib)
    summary = JobSummary("archive")
    cat = lib.catalog
    # Items in error too: a file Pillow cannot read is still the user's, and is copied like any other.
    items = [i for i in cat.items(weeks=weeks) if i.state != ItemState.MISSING and not i.trashed]
    for item in tqdm(items, desc="archive", unit=" photos", disable=None if progress is None else not progress):
        files = cat.files(item.id)
        if files and all(f.verified and _still_there(Path(f.nas_path), f.nas_size) for f in files):
            summary.counts["already archived"] += 1
            continue
        if not _still_mounted(root):
            raise PhotofsError(_nas_error(root, OSError(errno.ENODEV, "gone"), summary))
        try:
            done = archive_item(lib, root, item, files)
        except SourceError as e:
            summary.counts["original not reachable"] += 1
            summary.problem(item.original_name, f"cannot read the original ({e}); will retry next run")
            continue
        except OSError as e:
            if _nas_wide(root, e):
                raise PhotofsError(_nas_error(root, e, summary)) from None
            summary.counts["errors"] += 1
            summary.problem(item.original_name, f"cannot be written to the NAS ({e.strerror or e}); "
                                                "the other photos go on")
            continue
        summary.counts["archived"] += 1
        if len(files) > 1:
            summary.counts["of them with more than one file"] += 1
        if done:  # the thumbnail's record now names the NAS copies: served bytes and st_size follow
            size = lib.thumbs.restamp(cat.get(item.id))
            if size is not None:
                cat.set_thumb_size(item.id, size)
    promoted = cat.promote_archived()
    if promoted:
        summary.counts["queued photos now safe to remove"] = promoted
    return summary


def archive_item(lib: LibraryFolder, root: Path, item: Item, files: list[ItemFile]) -> bool:
    """Copy and verify every file of one item not yet verified; True once all of them are."""
    cat = lib.catalog
    folder = _make_folder(root, destination_folder(lib, item))
    shown: tuple[str, str] | None = None  # (the shown file's own stem, the stem its copy got)
    complete = False
    for f in files:
        if f.verified and _still_there(Path(f.nas_path), f.nas_size):
            final = Path(f.nas_path)
        else:
            with _open_source(lib, item, f) as (stream, expected_sha):
                final, sha, size = write_verified(folder, nas_name(f, shown), stream, expected_sha)
            inside(root, final)
            if not _still_mounted(root):  # written, but not to the NAS: never recorded as a copy
                raise OSError(errno.ENODEV, "the NAS folder went away", str(root))
            os.utime(final, (time.time(), item.taken_at or time.time()))
            complete = cat.set_file_archived(item.id, f.role, f.name, str(final), sha, size)
        if shown is None:
            shown = (_stem(f.name), _stem(final.name))
            _write_record(final, item, files)
    return complete


def nas_name(f: ItemFile, shown: tuple[str, str] | None) -> str:
    """A safe name for one file's copy. The shown file keeps its own name; the others sit
    beside it under the stem its copy got: `IMG_1 (2).MOV` beside `IMG_1 (2).HEIC`."""
    ext = extension(f.places[0].member if f.places else f.name) or extension(f.name)
    if shown is not None and f.name.lower().startswith(shown[0].lower()):
        return safe_file_name(shown[1] + f.name[len(shown[0]):], "")
    return safe_file_name(f.name, ext)


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


@contextmanager
def _open_source(lib: LibraryFolder, item: Item, f: ItemFile):
    """(the file's stream, the SHA-256 its bytes must have, if known and unchanged by us)."""
    try:
        stream = lib.open_file(item, f)
    except OSError as e:
        raise SourceError(str(e)) from None
    expected = f.sha256
    if source_of(item).sidecar_metadata and f.role in (ROLE_ORIGINAL, ROLE_JPEG) and _wants_sidecar_metadata(item, f):
        try:
            data = read_all(stream, MAX_ORIGINAL_BYTES)
        except OSError as e:
            raise SourceError(str(e)) from None
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise SourceError(f"{f.name}: its bytes changed since it was indexed; index it again")
        stream, expected = io.BytesIO(with_sidecar_metadata(item, data)), None
    try:
        yield _Checked(stream), expected
    finally:
        stream.close()


class _Checked:
    """A source stream whose read errors say they are the source's, not the NAS's."""

    def __init__(self, stream):
        self.stream = stream

    def read(self, n: int) -> bytes:
        try:
            return self.stream.read(n)
        except Exception as e:  # zipfile's CRC error, a vanished NAS share, a network read
            raise SourceError(str(e) or type(e).__name__) from None


def _make_folder(root: Path, relative: Path) -> Path:
    """Create the destination below the NAS folder, never the NAS folder itself: an
    unmounted share must fail here, not be recreated on the laptop's disk."""
    folder = root
    for part in relative.parts:
        folder = inside(root, folder / part)
        folder.mkdir(exist_ok=True)
    return folder


def inside(root: Path, path: Path) -> Path:
    """`path` resolved, refused unless it is inside the NAS folder: no name is ever a path."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real != real_root and not real.is_relative_to(real_root):
        raise OSError(errno.EINVAL, "refused: the path would leave the NAS folder", str(path))
    return path


def _nas_wide(root: Path, e: OSError) -> bool:
    return e.errno in NAS_WIDE or not _still_mounted(root)


def _nas_error(root: Path, e: OSError, summary: JobSummary) -> str:
    done = summary.counts["archived"]
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the NAS is full ({root}); {done} photos were archived and verified, none is half-written. Free space and run archive again"
    if not _still_mounted(root):
        return f"the NAS folder {root} went away during the archive; {done} photos were archived and verified. Run archive again when it is back"
    return f"cannot write to the NAS ({e.strerror or e}: {root}); {done} photos were archived and verified"


def _still_there(path: Path, size: int | None) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def write_verified(folder: Path, name: str, stream, expected_sha: str | None = None) -> tuple[Path, str, int]:
    """Stream into `folder` as `name` (or `name (2)`...) atomically, verified; returns
    (where it went, its SHA-256, its size).

    The bytes go to a temporary file while being hashed, are fsynced, read back and
    compared by SHA-256, then linked into place without ever replacing a file. When
    `expected_sha` (the catalog's) is given, bytes that differ from it are refused:
    the original changed since it was indexed.
    """
    folder.mkdir(exist_ok=True)  # its parent must exist: see _make_folder
    for leftover in folder.glob(TMP_PREFIX + "*"):  # an earlier run killed mid-copy
        leftover.unlink(missing_ok=True)
    tmp = folder / f"{TMP_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    try:
        h, size = hashlib.sha256(), 0
        with open(tmp, "wb") as out:
            while chunk := stream.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        want = h.hexdigest()
        if expected_sha and want != expected_sha:
            raise SourceError(f"{name}: its bytes changed since it was indexed; index it again")
        if sha256_file(str(tmp)) != want:
            raise OSError(errno.EIO, "the copy read back differs from the original", name)
        existing = _same_file_already_there(folder, name, want, size)
        final = existing or _link_new_name(tmp, folder, name)  # existing: copied by a run that died before recording
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(folder)
    return final, want, size


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
        if path.stat().st_size == size and sha256_file(str(path)) == sha:
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


def _write_record(final: Path, item: Item, files: list[ItemFile]) -> None:
    record = record_of(item)
    record["nas_path"] = str(final)
    record["files"] = [{"role": f.role, "name": f.name, "size": f.size, "sha256": f.sha256} for f in files]
    data = (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    side = final.with_name(final.name + ".photofs.json")
    tmp = final.with_name(f"{TMP_PREFIX}{os.getpid()}.json")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, side)  # ours alone: replacing an older record of the same copy is right


def _wants_sidecar_metadata(item: Item, f: ItemFile) -> bool:
    return (item.gps_lat is not None or bool(item.description)) and extension(
        f.places[0].member if f.places else f.name) in (".jpg", ".jpeg", ".jpe")


def with_sidecar_metadata(item: Item, data: bytes) -> bytes:
    """A JPEG that lacks GPS or a description gets the ones Google's sidecar had."""
    if not data.startswith(b"\xff\xd8") or (item.gps_lat is None and not item.description):
        return data
    try:
        exif = piexif.load(data)
    except Exception:  # unreadable EXIF: leave the original exactly as it is
        return data
    changed = False
    if valid_position(item.gps_lat, item.gps_lon) and not exif.get("GPS"):
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
