"""The sources photofs reads from, in one table: a new source is one module and one row.

Every source answers the same two questions about an item it found:
- `open(lib, item, place)`: a binary stream of one file of the item, read from one
  of the places that file was seen (streamed: never the whole file in memory);
- `roots(...)` / `list_root(path)`: for sources that are folders or archives, every
  member of a root, so that `photofs ledger` can account for each one.
Listing items is each source's own job (`add-folder`, `import-takeout`, `scan`,
`pick`); they all write items with their files (catalog/files.py) the same way.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from photofs.domain.items import Item, ItemFile, Place
from photofs.errors import PhotofsError

CHUNK = 1 << 20


class Source(Protocol):
    name: str               # the value of items.source
    kind: str               # folder | takeout | google: how its places are read
    owns_originals: bool    # the originals are the user's own files (moved to photofs's trash at confirm)
    sidecar_metadata: bool  # Google keeps GPS and descriptions beside the file: written into the NAS copy
    rereadable: bool        # the original can be read again later (a picked item cannot)

    def open(self, lib, item: Item, place: Place) -> BinaryIO: ...


class FolderSource:
    """Originals in place on disk or on the NAS: a place is (folder, file name)."""
    name = kind = "folder"
    owns_originals, sidecar_metadata, rereadable = True, False, True

    def open(self, lib, item, place):
        return open_regular(os.path.join(place.container, place.member))

    @staticmethod
    def list_root(path: str) -> Iterator[tuple[str, str, int | None, str | None]]:
        """(container, member, size, problem) for every file below a folder root."""
        from photofs.sources.folder import Unreadable, walk
        for found in walk(path, everything=True):
            folder, name = os.path.split(found.path)
            if isinstance(found, Unreadable):
                yield folder, name, None, found.reason
            else:
                yield folder, name, getattr(found, "size", None), None


class TakeoutSource:
    """Members of Takeout parts (.zip, .tgz, unpacked folders), read in place."""
    name = kind = "takeout"
    owns_originals, sidecar_metadata, rereadable = False, True, True

    def open(self, lib, item, place):
        from photofs.sources.takeout.reader import open_member
        return open_member(place.container, place.member)

    @staticmethod
    def list_root(path: str) -> Iterator[tuple[str, str, int | None, str | None]]:
        from pathlib import Path
        from photofs.sources.takeout.containers import BadContainer, open_container
        try:
            container = open_container(Path(path))
        except BadContainer as e:
            yield path, "", None, str(e)
            return
        try:
            for m in container.members():
                yield path, m.name, m.size, None
        except BadContainer as e:
            yield path, "", None, str(e)
        finally:
            container.close()


class GoogleSource:
    """Items found through Google's APIs: a place is (library|picker, media item id)."""
    kind = "google"
    owns_originals = sidecar_metadata = False

    def __init__(self, name: str):
        self.name = name
        self.rereadable = name != "picker"

    def open(self, lib, item, place):
        if place.container == "picker":
            raise OSError("a picked photo can be read again only by picking it again (photofs pick)")
        from photofs.sources.google.media import open_download
        return open_download(lib.google(), place.member, video=item.kind == "video")


SOURCES: dict[str, Source] = {s.name: s for s in (FolderSource(), TakeoutSource(), GoogleSource("library"),
                                                 GoogleSource("picker"))}


def source_of(item: Item) -> Source:
    try:
        return SOURCES[item.source]
    except KeyError:
        raise PhotofsError(f"item {item.id}: unknown source {item.source!r}") from None


def places_to_try(item: Item, f: ItemFile) -> list[tuple[Source, Place]]:
    """Where one file can be read, best first: the item's own source, then Google's copy.
    A Google item's file is its media item itself."""
    src = source_of(item)
    out = [(SOURCES[p.container] if p.container in ("library", "picker") else src, p) for p in f.places]
    if src.kind == "google" and not any(p.container == item.source for _, p in out):
        out.append((src, Place(item.source, item.source_id, item.size)))
    return sorted(out, key=lambda sp: sp[0].kind == "google")  # local copies first: no quota, no network


def local_paths(item: Item, files) -> list[str]:
    """The paths on this machine's file systems of these files of an item (folder
    sources; a Takeout member or a Google item has none), for read-ahead."""
    return [os.path.join(p.container, p.member) for f in files for src, p in places_to_try(item, f)[:1]
            if src.kind == "folder"]


def open_file(lib, item: Item, f: ItemFile) -> BinaryIO:
    """A stream of one file of an item, from the first place that opens."""
    errors = []
    for src, place in places_to_try(item, f):
        try:
            return src.open(lib, item, place)
        except OSError as e:
            errors.append(str(e))
    if f.nas_path and f.nas_sha256:  # the original went away after a verified archive: the copy serves
        try:
            return open_regular(f.nas_path)
        except OSError as e:
            errors.append(str(e))
    raise OSError("; ".join(errors) or f"{f.name}: no recorded place to read it from")


def open_regular(path: str) -> BinaryIO:
    """Open a regular file only: a FIFO or a device named `*.jpg` would hang or never end."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path}: not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_all(stream: BinaryIO, limit: int) -> bytes:
    """The whole stream, refused past `limit` bytes (a photo, never a video)."""
    with stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"more than the {limit:,} bytes a photo may have")
    return data
