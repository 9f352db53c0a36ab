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
    """A tar is read front to back: `stream` is one pass; `read` of one member scans for it."""

    def __init__(self, path: Path):
        self.path = path
        try:
            with tarfile.open(path, "r:*") as tar:
                tar.next()
        except (tarfile.TarError, OSError, EOFError) as e:
            raise BadContainer(f"not a readable tar ({e}); re-download this part") from None

    def members(self) -> Iterator[Member]:
        try:
            with tarfile.open(self.path, "r|*") as tar:
                for info in tar:
                    if info.isfile():
                        yield Member(info.name, info.size)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt after some members ({e}); re-download this part") from None

    def stream(self, names: set[str]):
        try:
            with tarfile.open(self.path, "r|*") as tar:
                for info in tar:
                    if info.isfile() and info.name in names:
                        if info.size > MAX_MEMBER_BYTES:
                            raise BadMember(f"declares {info.size:,} bytes: refused")
                        f = tar.extractfile(info)
                        yield info.name, _guarded(iter(lambda: f.read(CHUNK), b""))
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt ({e}); re-download this part") from None

    def open(self, name: str) -> BinaryIO:
        """A tar is read from the front: the member is found by a scan, then streamed."""
        try:
            tar = tarfile.open(self.path, "r:*")
            info = tar.getmember(name)
            if info.size > MAX_MEMBER_BYTES:
                raise BadMember(f"declares {info.size:,} bytes: refused")
            f = tar.extractfile(info)
        except KeyError:
            raise BadMember("is no longer in this part") from None
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BadContainer(f"is truncated or corrupt ({e}); re-download this part") from None
        if f is None:
            raise BadMember("is not a regular file")
        return f

    def read(self, name: str, limit: int) -> bytes:
        for found, chunks in self.stream({name}):
            data = bytearray()
            for chunk in chunks:
                data += chunk
                if len(data) > limit:
                    raise BadMember(f"is more than the {limit:,} bytes allowed for it")
            return bytes(data)
        raise BadMember("is no longer in this part")


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
