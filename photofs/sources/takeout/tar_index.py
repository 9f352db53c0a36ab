"""A tar part made seekable, so one member is read without scanning the part from its start.

Google's `.tgz` is one gzip stream: to reach a member, everything before it must be
decompressed. Doing that for each photo the archive copies, or each video `thumbs` reads,
reads a 50 GB part once per photo. Instead (as ratarmount does) two things are kept:
- a table of where each member's bytes start, made by the one front-to-back pass that
  import-takeout makes anyway (a plain streamed read: the part once);
- for gzip, indexed_gzip's restart points, each with the 32 KiB of history deflate needs.
  They are made by a second pass the first time a member is wanted out of order (by the
  archive, a video's frames, the mount), so a part never read that way never pays for them.
Then a member is a seek and a read: about the restart spacing plus the member itself.
The spacing is a trade: at most 512 points a part (16 MiB of index) and never more than
8 MiB apart, so an index is at most 0.4% of its part; a member then costs about one
spacing more than its size (measured: a 3 MB photo ~3.9× in a big part, a 600 KB photo
~2.4× at 512 KiB).
Both are kept in the library (`index/parts/`), keyed by the part's path, size and time, so
they are made once, not once per process: the folder reaches spawned workers through
PHOTOFS_PART_INDEXES. A worker that has no such folder (another machine of a cluster)
keeps what it makes in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import indexed_gzip
from filelock import FileLock

INDEX_ENV = "PHOTOFS_PART_INDEXES"
CHUNK = 1 << 20
PIECE = 16 << 20  # a member is read in pieces this big: each read from a restart point costs its spacing
MIN_SPACING, MAX_SPACING, MAX_POINTS = 512 << 10, 8 << 20, 512
MEMBERS = ".members.jsonl"  # beside it: ".gzidx", the restart points, and ".lock"
SIDECAR_BYTES = 1 << 20  # sidecars up to this size are kept from the pass (a Takeout's are ~1 KB)
_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, ValueError)  # ZranError is an OSError


class TarBroken(Exception):
    """The part ends early or is corrupt; the message says after how many members."""


def keep_indexes_in(folder: Path) -> None:
    """Where made indexes are kept, for this process and the workers it spawns."""
    os.environ[INDEX_ENV] = str(folder)


def prune_indexes(folder: Path) -> int:
    """Drop the indexes of parts that were deleted or rewritten since (a new part is a new
    key, so the old index would stay forever). A part whose folder is gone (a NAS not
    mounted) keeps its index. Returns how many parts' indexes went."""
    if not folder.is_dir():
        return 0
    gone = 0
    for members in folder.glob(f"*{MEMBERS}"):
        try:
            with open(members, encoding="utf-8") as f:
                saved = json.loads(f.readline())  # the part's line only, not its members
            part = Path(saved["part"])
            if not part.parent.is_dir():
                continue
            st = os.stat(part) if part.exists() else None
            if st is not None and (st.st_size, st.st_mtime_ns) == (saved["size"], saved["mtime_ns"]):
                continue
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable, or from an older photofs: made again if ever needed
        key = members.name.split(".", 1)[0]
        for path in folder.glob(f"{key}.*"):
            path.unlink(missing_ok=True)
        gone += 1
    return gone


def seekable_tar(path: Path) -> SeekableTar | None:
    """A seekable view of a plain or gzipped tar; None for other compressions (scanned)."""
    with open(path, "rb") as f:
        head = f.read(512)
    if head[:2] == b"\x1f\x8b":
        return SeekableTar(path, gzipped=True)
    if head[257:262] == b"ustar":
        return SeekableTar(path, gzipped=False)
    return None


def restart_spacing(part_bytes: int) -> int:
    """How far apart the restart points are: a member read alone costs about this much more."""
    return min(max(MIN_SPACING, part_bytes // MAX_POINTS), MAX_SPACING)


class SeekableTar:
    def __init__(self, path: Path, gzipped: bool):
        self.path, self.gzipped = path, gzipped
        st = os.stat(path)
        self._size, self._mtime_ns = st.st_size, st.st_mtime_ns
        key = hashlib.sha1(f"{path.absolute()}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:24]
        folder = os.environ.get(INDEX_ENV)
        self._saved = Path(folder) / key if folder else None
        self._lock = threading.Lock()
        self._table: dict[str, tuple[int, int]] | None = None  # name -> (where its bytes start, size)
        self._partial: dict[str, tuple[int, int]] = {}  # what a pass that broke, or is under way, has met
        self._broken: str | None = None  # the pass stopped here: only the members before it are known
        self._sidecars: dict[str, bytes] | None = None  # the JSON met by this process's last pass
        self._raw = None  # the uncompressed tar, seekable: an IndexedGzipFile or a plain file

    def table(self) -> dict[str, tuple[int, int]]:
        """Every regular member's place, in the part's order, from the saved table or one
        pass over the part. Raises TarBroken when the part cannot be read to its end."""
        if self._table is None and not self._broken and not self._load_table():
            for _ in self.stream(set()):
                pass
        if self._broken:
            raise TarBroken(self._broken)
        return self._table

    def known(self) -> dict[str, tuple[int, int]]:
        """The members known without reading more: all of them once a pass has ended."""
        return self._table if self._table is not None else self._partial

    def sidecar(self, name: str) -> bytes | None:
        """A JSON member, from memory: import-takeout reads every sidecar, and a seek for each
        would cost the restart spacing each. The pass keeps them; a part whose table came from
        disk is passed once more for them; a part that ends early keeps those before the break.
        None when it is not a small JSON member of the part."""
        if self._sidecars is None and name.lower().endswith(".json"):
            try:
                for _ in self.stream(set()):
                    pass
            except TarBroken:
                pass
        return (self._sidecars or {}).get(name)

    def stream(self, names: set[str]) -> Iterator[tuple[str, Iterator[bytes]]]:
        """(name, chunks) of the wanted members, in one front-to-back read of the part (the
        part once, never a seek), noting every member's place and keeping its sidecars."""
        met: dict[str, tuple[int, int]] = {}
        sidecars: dict[str, bytes] = {}
        self._partial = met
        try:
            with open(self.path, "rb") as f, tarfile.open(fileobj=f, mode="r|*") as tar:
                for info in tar:
                    if info.isfile():
                        met[info.name] = (info.offset_data, info.size)
                        if info.name in names:
                            member = tar.extractfile(info)
                            yield info.name, iter(lambda: member.read(CHUNK), b"")
                        elif info.name.lower().endswith(".json") and info.size <= SIDECAR_BYTES:
                            sidecars[info.name] = tar.extractfile(info).read()
                    tar.members.clear()  # tarfile keeps every header it reads; we keep only the table
        except _ERRORS as e:
            self._broken = f"is truncated or corrupt after {len(met):,} members ({e}); re-download this part"
            self._sidecars = sidecars  # those before the break are the part's all the same
            raise TarBroken(self._broken) from None
        self._table, self._broken, self._sidecars = met, None, sidecars
        # Two lines: which part (all that pruning reads), then its members.
        part = {"part": str(self.path.absolute()), "size": self._size, "mtime_ns": self._mtime_ns}
        rows = [[n, *at] for n, at in met.items()]
        self._save(MEMBERS, lambda f: f.write(f"{json.dumps(part)}\n{json.dumps(rows)}\n".encode()))

    def open(self, name: str) -> BinaryIO:
        """One member, read by seeking. KeyError when the part has no such member; TarBroken
        when it has not and ends early (the members before the break are still read)."""
        try:
            start, size = self.table()[name]
        except TarBroken:
            if name not in self._partial:
                raise
            start, size = self._partial[name]
        return io.BufferedReader(_Member(self._seekable(), start, size), CHUNK)

    # -- the seekable stream and what is saved -------------------------------------------------
    def _seekable(self):
        with self._lock:
            if self._raw is None:
                self._raw = self._indexed_gzip() if self.gzipped else open(self.path, "rb")
            return self._raw

    def _indexed_gzip(self):
        if self._saved is None:
            return self._make_points()
        # One process makes the points; the pool's other workers wait for them, not a pass each.
        lock = FileLock(self._saved.with_suffix(".lock"))
        try:
            self._saved.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except OSError:  # an index folder that cannot be written: the points stay in memory
            return self._make_points()
        try:
            return _gzip(self.path, restart_spacing(self._size), str(self._saved.with_suffix(".gzidx")))
        except (OSError, ValueError):  # none yet, or unusable: made again
            return self._make_points()
        finally:
            lock.release()

    def _make_points(self):
        spacing = restart_spacing(self._size)
        raw = _gzip(self.path, spacing, None)
        try:
            raw.build_full_index()  # the second pass, the first time the part is read out of order
        except _ERRORS:  # it ends early: points are made as far as reads go, and not kept
            raw.close()
            return _gzip(self.path, spacing, None)
        self._save(".gzidx", lambda f: raw.export_index(fileobj=f))
        return raw

    def _load_table(self) -> bool:
        if self._saved is None:
            return False
        try:
            rows = json.loads(self._saved.with_suffix(MEMBERS).read_text().split("\n")[1])
            self._table = {name: (start, size) for name, start, size in rows}
        except (OSError, ValueError, TypeError, IndexError):  # none yet, or unusable: the next pass makes it again
            return False
        return True

    def _save(self, suffix: str, write) -> None:
        """Kept for the next process; a cache, so failing to write it costs only time."""
        if self._saved is None:
            return
        path = self._saved.with_suffix(suffix)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                write(f)
            os.replace(tmp, path)
        except (OSError, ValueError):
            pass
        finally:
            tmp.unlink(missing_ok=True)


def _gzip(path: Path, spacing: int, index_file: str | None):
    # Reads are made in PIECEs by _Member, larger than this buffer, so they bypass it. Each
    # seek reads at least `readbuf_size` of compressed bytes: 256 KiB, not the default 1 MiB,
    # costs a small photo a third less.
    return indexed_gzip.IndexedGzipFile(str(path), spacing=spacing, buffer_size=CHUNK, readbuf_size=256 << 10,
                                        drop_handles=False, index_file=index_file)


class _Member(io.RawIOBase):
    """One member's bytes inside the uncompressed tar, read in large pieces through the
    shared stream's `pread` (indexed_gzip's holds its lock), so several may be open at once."""

    def __init__(self, raw, start: int, size: int):
        self._raw, self._start, self._size, self._pos = raw, start, size, 0
        self._piece, self._piece_at = memoryview(b""), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, b) -> int:
        n = min(len(b), self._size - self._pos)
        if n <= 0:
            return 0
        if not self._piece_at <= self._pos < self._piece_at + len(self._piece):
            self._piece_at = self._pos
            self._piece = memoryview(self._pread(min(PIECE, self._size - self._pos), self._start + self._pos))
        data = self._piece[self._pos - self._piece_at:][:n]
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def _pread(self, n: int, offset: int) -> bytes:
        try:
            if isinstance(self._raw, indexed_gzip.IndexedGzipFile):
                data = self._raw.pread(n, offset)
            else:
                data = os.pread(self._raw.fileno(), n, offset)
        except _ERRORS as e:
            raise OSError(f"the part is truncated or corrupt ({e}); re-download it") from None
        if not data:
            raise OSError("the part ends inside this member; re-download it")
        return data
