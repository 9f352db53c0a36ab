"""One item's files copied to the NAS and verified: what a worker of `archive` does.

Each file streams from its place into a temporary file while being hashed, is
fsynced, read back and hashed again, then linked into place without replacing
anything (`write_verified`). When the item has no thumbnail yet, the shown file's
bytes are kept as they stream by and its thumbnail is made from them: the original
is read once for both. A task names what the worker needs to open the files itself,
so it can run in another process or on another machine that sees the same paths;
the catalog is written by the job (jobs/archive.py), from the result.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import piexif

from photofs.domain.items import Item, ItemFile
from photofs.domain.media import ROLE_JPEG, ROLE_ORIGINAL, extension
from photofs.domain.names import safe_file_name
from photofs.imaging.decode import BadImage
from photofs.imaging.decoder_log import caught_messages
from photofs.imaging.exif_record import gps_ifd, valid_position
from photofs.imaging.thumbnail import Thumbnail, make_thumbnail
from photofs.sources import MAX_ORIGINAL_BYTES
from photofs.sources.folder import NAS_MARKER, sha256_file
from photofs.sources.registry import open_file, read_all, source_of

TMP_PREFIX = ".photofs-tmp-"
CHUNK = 1 << 20
HOST = socket.gethostname().replace("-", "_")[:40]
STALE = 24 * 3600  # a temporary file of another machine's run, untouched this long, is a dead run's


class SourceError(OSError):
    """Reading the original failed (not the NAS): that item waits for the next run."""


@dataclass(frozen=True)
class CopyTask:
    item: Item
    files: tuple[ItemFile, ...]
    root: str            # the NAS folder
    folder: str          # the item's folder below it (jobs/archive.destination_folder)
    thumbnail: bool      # the item has no thumbnail yet: make it from the bytes read
    long_side: int
    max_pixels: int


@dataclass
class Copied:
    role: str
    name: str
    nas_path: str
    sha256: str
    size: int


@dataclass
class CopyResult:
    copied: list[Copied] = field(default_factory=list)  # in the item's file order, copied now or before
    error: OSError | None = None   # a SourceError (the item waits) or the NAS's error (the job decides)
    thumb: Thumbnail | None = None
    bad: str | None = None         # the shown file is not a picture photofs can read: the item's error
    bytes_read: int = 0
    said: list[str] = field(default_factory=list)


def copy_item(task: CopyTask, lib=None) -> CopyResult:
    """Copy and verify every file of one item not yet verified. `lib` is needed only
    for a Google item (its login); a worker has none."""
    result = CopyResult()
    with caught_messages() as said:
        try:
            _copy_files(task, lib, result)
        except OSError as e:
            result.error = e
    result.said = said
    return result


def _copy_files(task: CopyTask, lib, result: CopyResult) -> None:
    item, root = task.item, Path(task.root)
    if not still_mounted(root):
        raise OSError(errno.ENODEV, "the NAS folder went away", str(root))
    folder = _make_folder(root, Path(task.folder))
    shown: tuple[str, str] | None = None  # (the shown file's own stem, the stem its copy got)
    for i, f in enumerate(task.files):
        if f.verified and _still_there(Path(f.nas_path), f.nas_size):
            final = Path(f.nas_path)
            result.copied.append(Copied(f.role, f.name, f.nas_path, f.nas_sha256, f.nas_size))
        else:
            keep = i == 0 and task.thumbnail and item.kind != "video"
            with _open_source(lib, item, f, keep) as (stream, expected_sha, kept):
                final, sha, size = write_verified(folder, nas_name(f, shown), stream, expected_sha)
            inside(root, final)
            if not still_mounted(root):  # written, but not to the NAS: never recorded as a copy
                raise OSError(errno.ENODEV, "the NAS folder went away", str(root))
            os.utime(final, (time.time(), item.taken_at or time.time()))
            result.copied.append(Copied(f.role, f.name, str(final), sha, size))
            result.bytes_read += size
            if i == 0 and task.thumbnail:
                _thumbnail(task, kept.data() if kept else None, final, result)
        if shown is None:
            shown = (_stem(f.name), _stem(final.name))


def _thumbnail(task: CopyTask, data: bytes | None, copy: Path, result: CopyResult) -> None:
    """From the bytes just read, or for a video from its verified copy (a few frames)."""
    try:
        if data is not None:
            result.thumb = make_thumbnail(data, task.long_side, task.max_pixels, task.item.kind)
        else:
            with open(copy, "rb") as fp:
                result.thumb = make_thumbnail(fp, task.long_side, task.max_pixels, task.item.kind)
    except BadImage as e:
        result.bad = str(e)


def still_mounted(root: Path) -> bool:
    return (root / NAS_MARKER).exists()


def sweep_leftovers(folder: Path) -> None:
    """Remove the temporary files of runs killed mid-copy (never one still being written)."""
    for leftover in folder.glob(TMP_PREFIX + "*"):
        if _leftover(leftover):
            leftover.unlink(missing_ok=True)


def _leftover(path: Path) -> bool:
    """A temporary file of a run that is gone: this machine's, by its process id; another
    machine's (a cluster worker), once nobody has written to it for STALE seconds."""
    host, _, rest = path.name[len(TMP_PREFIX):].partition("-")
    pid = rest.partition("-")[0]
    if host.isdigit():  # named by an older photofs: `<pid>-<time>`, on this machine
        host, pid = HOST, host
    if host == HOST and pid.isdigit() and os.name != "nt":  # Windows: os.kill would end the process
        try:
            os.kill(int(pid), 0)
            return False
        except ProcessLookupError:
            return True
        except OSError:  # alive, another user's
            return False
    try:
        return time.time() - path.stat().st_mtime > STALE
    except OSError:
        return False


@contextmanager
def _open_source(lib, item: Item, f: ItemFile, keep: bool):
    """(the file's stream, the SHA-256 its bytes must have if known and unchanged by us,
    a `Kept` that holds the original's bytes as they stream by when `keep`)."""
    try:
        stream = open_file(lib, item, f)
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
        kept = Kept(data) if keep else None
        stream, expected = io.BytesIO(with_sidecar_metadata(item, data)), None
    else:
        kept = Kept() if keep else None
    try:
        yield _Checked(stream, kept), expected, kept
    finally:
        stream.close()


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


class Kept:
    """The original's bytes, kept as they stream by, for its thumbnail: read once, used
    twice. Past the bytes a photo may have (MAX_ORIGINAL_BYTES) nothing is kept."""

    def __init__(self, data: bytes | None = None):
        self.parts = [data] if data is not None else []
        self.size = len(data) if data is not None else 0
        self.whole = data is not None

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= MAX_ORIGINAL_BYTES:
            self.parts.append(chunk)
        else:
            self.parts = []

    def data(self) -> bytes | None:
        return b"".join(self.parts) if self.parts and self.size <= MAX_ORIGINAL_BYTES else None


class _Checked:
    """A source stream whose read errors say they are the source's, not the NAS's."""

    def __init__(self, stream, kept: Kept | None = None):
        self.stream = stream
        self.kept = kept if kept is not None and not kept.whole else None

    def read(self, n: int) -> bytes:
        try:
            chunk = self.stream.read(n)
        except Exception as e:  # zipfile's CRC error, a vanished NAS share, a network read
            raise SourceError(str(e) or type(e).__name__) from None
        if self.kept is not None:
            self.kept.add(chunk)
        return chunk


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
    sweep_leftovers(folder)
    tmp = folder / f"{TMP_PREFIX}{HOST}-{os.getpid()}-{time.monotonic_ns()}"
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


