"""Takeout parts as containers of members: .zip, .tgz/.tar.gz, or an unpacked folder.

Members are read in place, streamed, never extracted. Every member name is
checked (absolute paths, `..`, control characters are refused) and so is every
declared size (a zip bomb declares or expands to more than a photo can be).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from photofs.sources.takeout.tar_index import TarBroken, seekable_tar

MAX_MEMBER_BYTES = 64 * 2**30     # larger than any photo or video a phone makes
MAX_RATIO = 1000                  # a compression ratio beyond this is a bomb, not a JPEG
CHUNK = 1 << 20


class BadMember(Exception):
    """A member we will not read; the message is the reason for the summary."""


class BadContainer(Exception):
    """A part we cannot read at all (truncated, corrupt, not an archive)."""


@dataclass(frozen=True)
class Member:
    name: str          # POSIX path inside the container
    size: int          # declared uncompressed size


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_name(name: str) -> str | None:
    """Why a member name is refused, or None when it is fine."""
    if _CONTROL.search(name):
        return "name has control characters"
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in p.parts:
        return "path climbs out with '..'"
    return None


def open_container(path: Path) -> "Container":
    if path.is_dir():
        return FolderContainer(path)
    name = path.name.lower()
    if name.endswith(".zip"):
        return ZipContainer(path)
    if name.endswith((".tgz", ".tar.gz", ".tar")):
        return TarContainer(path)
    raise BadContainer("not a Takeout part (.zip, .tgz, .tar.gz or a folder)")


class Container:
    path: Path
    seeks = True  # a member can be read on its own at once, without reading the part up to it

    def members(self) -> Iterator[Member]:
        raise NotImplementedError

    def read(self, name: str, limit: int) -> bytes:
        """The whole member, refused if larger than `limit`."""
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        """One member as a binary stream, read in place (never extracted)."""
        raise NotImplementedError

    def stream(self, names: set[str]) -> Iterator[tuple[str, Iterator[bytes]]]:
        """(name, chunks) for the wanted members, in the container's own order."""
        for name in sorted(names):
            yield name, iter([self.read(name, MAX_MEMBER_BYTES)])

    def close(self) -> None:
        pass


class ZipContainer(Container):
    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise BadContainer(f"not a readable zip ({e}); re-download this part") from None
        self._info = {}

    def members(self) -> Iterator[Member]:
        for info in self.zip.infolist():
            if info.is_dir():
                continue
            self._info[info.filename] = info
            yield Member(info.filename, info.file_size)

    def _checked(self, name: str) -> zipfile.ZipInfo:
        info = self._info.get(name) or self.zip.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise BadMember(f"declares {info.file_size:,} bytes: refused as a zip bomb")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise BadMember(f"compresses {info.file_size / info.compress_size:,.0f}:1: refused as a zip bomb")
        return info

    def read(self, name: str, limit: int) -> bytes:
        return b"".join(self._chunks(name, limit))

    def _chunks(self, name: str, limit: int) -> Iterator[bytes]:
        info = self._checked(name)
        if info.file_size > limit:
            raise BadMember(f"is {info.file_size:,} bytes, more than the {limit:,} allowed for it")
        try:
            with self.zip.open(info) as f:
                total = 0
                while chunk := f.read(CHUNK):
                    total += len(chunk)
                    if total > info.file_size:  # expands past what it declared
                        raise BadMember("expands beyond its declared size: refused as a zip bomb")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as e:  # zlib: damaged deflate data
            raise BadMember(f"cannot be read ({e})") from None

    def stream(self, names):
        for name in sorted(names):
            yield name, self._chunks(name, MAX_MEMBER_BYTES)

    def open(self, name: str) -> BinaryIO:
        info = self._checked(name)  # zipfile stops at the declared size and checks the CRC at the end
        try:
            return self.zip.open(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise BadMember(f"cannot be read ({e})") from None

    def close(self) -> None:
        self.zip.close()


class TarContainer(Container):
    """A tar is read front to back: `stream` is one pass over the part. A plain or gzipped
    one (every Takeout `.tgz`) is made seekable too (tar_index.py), so `open` of one member is
    a seek, not a scan of the part; another compression is scanned from its start each time."""

    seeks = False  # the first member read alone costs a pass over the part (to index it)

    def __init__(self, path: Path):
        self.path = path
        try:
            with tarfile.open(path, "r:*") as tar:
                tar.next()
            self.seekable = seekable_tar(path)
        except (tarfile.TarError, OSError, EOFError) as e:
            raise BadContainer(f"not a readable tar ({e}); re-download this part") from None

    def members(self) -> Iterator[Member]:
        if self.seekable is not None:
            try:
                table = self.seekable.table()
            except TarBroken as e:  # the members before the break are still given
                yield from (Member(name, size) for name, (_, size) in self.seekable.known().items())
                raise BadContainer(str(e)) from None
            yield from (Member(name, size) for name, (_, size) in table.items())
            return
        try:
            with tarfile.open(self.path, "r|*") as tar:
                for info in tar:
                    if info.isfile():
                        yield Member(info.name, info.size)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt after some members ({e}); re-download this part") from None

    def stream(self, names: set[str]):
        try:
            if self.seekable is not None:
                for name, chunks in self.seekable.stream(names):
                    _check_size(self.seekable.known()[name][1])
                    yield name, _guarded(chunks)
                return
            with tarfile.open(self.path, "r|*") as tar:
                for info in tar:
                    if info.isfile() and info.name in names:
                        _check_size(info.size)
                        f = tar.extractfile(info)
                        yield info.name, _guarded(iter(lambda: f.read(CHUNK), b""))
        except TarBroken as e:
            raise BadContainer(str(e)) from None
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt ({e}); re-download this part") from None

    def open(self, name: str) -> BinaryIO:
        """The member, found by a seek (or, for an unusual compression, by a scan), then streamed."""
        try:
            if self.seekable is not None:
                f = self.seekable.open(name)
                _check_size(self.seekable.known()[name][1])
                return f
            tar = tarfile.open(self.path, "r:*")
            info = tar.getmember(name)
            _check_size(info.size)
            f = tar.extractfile(info)
        except KeyError:
            raise BadMember("is no longer in this part") from None
        except TarBroken as e:
            raise BadContainer(str(e)) from None
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt ({e}); re-download this part") from None
        if f is None:
            raise BadMember("is not a regular file")
        return f

    def read(self, name: str, limit: int) -> bytes:
        if self.seekable is not None:
            data = self.seekable.sidecar(name)
            if data is not None and len(data) <= limit:
                return data
            with self.open(name) as f:
                data = _guarded_read(f, limit + 1)
            if len(data) > limit:
                raise BadMember(f"is more than the {limit:,} bytes allowed for it")
            return data
        for found, chunks in self.stream({name}):
            data = bytearray()
            for chunk in chunks:
                data += chunk
                if len(data) > limit:
                    raise BadMember(f"is more than the {limit:,} bytes allowed for it")
            return bytes(data)
        raise BadMember("is no longer in this part")


def _check_size(size: int) -> None:
    if size > MAX_MEMBER_BYTES:
        raise BadMember(f"declares {size:,} bytes: refused")


def _guarded_read(f: BinaryIO, n: int) -> bytes:
    try:
        return f.read(n)
    except OSError as e:
        raise BadContainer(str(e)) from None


class FolderContainer(Container):
    """An unpacked Takeout: members are files below the folder."""

    def __init__(self, path: Path):
        self.path = path

    def members(self) -> Iterator[Member]:
        """Regular files only: a FIFO or a link to /dev/zero named `*.jpg` would hang a read."""
        for folder, dirs, files in os.walk(self.path):
            dirs.sort()
            for f in sorted(files):
                full = os.path.join(folder, f)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    yield Member(os.path.relpath(full, self.path).replace(os.sep, "/"), st.st_size)

    def open(self, name: str) -> BinaryIO:
        if check_name(name):
            raise BadMember(check_name(name))
        from photofs.sources.registry import open_regular
        try:
            return open_regular(str(self.path / name))
        except OSError as e:
            raise BadMember(f"cannot be read ({e.strerror or e})") from None

    def read(self, name: str, limit: int) -> bytes:
        if check_name(name):
            raise BadMember(check_name(name))
        full = self.path / name
        try:
            if not full.is_file():
                raise BadMember("is not a regular file")
            if full.stat().st_size > limit:
                raise BadMember(f"is more than the {limit:,} bytes allowed for it")
            return full.read_bytes()
        except OSError as e:
            raise BadMember(f"cannot be read ({e.strerror or e})") from None

    def stream(self, names):
        for name in sorted(names):
            yield name, _file_chunks(self.path / name)


def _guarded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A tar member's chunks; the archive ending early is the part's problem, said once."""
    try:
        yield from chunks
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BadContainer(f"is truncated or corrupt ({e}); re-download this part") from None


def _file_chunks(path: Path) -> Iterator[bytes]:
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    except OSError as e:
        raise BadMember(f"cannot be read ({e.strerror or e})") from None


def digest(chunks: Iterator[bytes], keep: int) -> tuple[str, int, bytes]:
    """(sha256, size, the bytes if there are at most `keep` of them, else b'')."""
    h, size, kept = hashlib.sha256(), 0, bytearray()
    for chunk in chunks:
        h.update(chunk)
        size += len(chunk)
        if size <= keep:
            kept += chunk
    return h.hexdigest(), size, bytes(kept) if size <= keep else b""
