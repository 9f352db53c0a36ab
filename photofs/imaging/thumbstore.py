"""Thumbnails in cache/ (diskcache, bounded): made once, served many times.

Everything here can be regenerated from the originals, so eviction loses nothing.
Encoding is deterministic, so a regenerated thumbnail has the same bytes and size.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import diskcache
import piexif

from photofs.domain.items import Item, ItemFile, ItemState
from photofs.imaging.exif_record import exif_bytes, insert_exif
from photofs.imaging.thumbnail import Thumbnail, make_thumbnail, video_still_thumbnail

# open_original(item): a context manager that yields a seekable binary file of the original.
OpenOriginal = Callable[[Item], AbstractContextManager]


class ThumbStore:
    def __init__(self, folder: Path, size_limit_mb: int, long_side: int, max_pixels: int, tz: ZoneInfo,
                 read_original: Callable[[Item], bytes], open_original: OpenOriginal | None = None,
                 files_of: Callable[[Item], list[ItemFile]] = lambda item: []):
        self.read_original = read_original
        # Videos are read through a file, so only the frames a thumbnail needs are read.
        self.open_original = open_original or (lambda item: io.BytesIO(read_original(item)))
        self.files_of = files_of  # the record lists every file of the item with its NAS copy
        self.cache = diskcache.Cache(str(folder), size_limit=size_limit_mb * 1024 * 1024,
                                     eviction_policy="least-recently-used")
        self.long_side = long_side
        self.max_pixels = max_pixels
        self.tz = tz

    def close(self) -> None:
        self.cache.close()

    def key(self, item: Item) -> str:
        # The content hash keys it: a changed original never serves a stale thumbnail.
        return f"thumb/{item.id}/{item.sha256}/{self.long_side}"

    def get(self, item: Item) -> bytes | None:
        return self.cache.get(self.key(item))

    def has(self, item: Item) -> bool:
        return self.key(item) in self.cache

    def is_done(self, item: Item) -> bool:
        """The item's thumbnail work is done: hashes in the catalog, thumbnail in the cache."""
        return item.state == ItemState.THUMBNAILED and bool(item.dihedral) and self.has(item)

    def make(self, item: Item, original: bytes | None = None, frame: bytes | None = None) -> tuple[bytes, Thumbnail]:
        """Build the thumbnail (with its EXIF record) and store it; returns (its bytes, what was computed).
        `frame` is a still of a video's frame (Google's `=w-h` of a video) to use instead of the video."""
        if frame is not None:
            thumb = video_still_thumbnail(frame, self.long_side, self.max_pixels)
        elif original is not None:
            thumb = make_thumbnail(original, self.long_side, self.max_pixels, item.kind)
        elif item.kind in ("video", "raw"):  # read as a file: a few frames, or just the RAW's preview
            with self.open_original(item) as fp:
                thumb = make_thumbnail(fp, self.long_side, self.max_pixels, item.kind)
        else:
            thumb = make_thumbnail(self.read_original(item), self.long_side, self.max_pixels, item.kind)
        return self.put(item, thumb), thumb

    def put(self, item: Item, thumb: Thumbnail) -> bytes:
        """Stamp a thumbnail computed elsewhere (a pool worker) with the item's record and
        store it; returns its bytes, the same as `make` gives for the same original."""
        recorded = replace(item, phash=thumb.phash, frame_hashes=thumb.frames or item.frame_hashes)
        final = self._stamped(recorded, thumb.pixels_jpeg)
        self.cache.set(self.key(item), final)
        return final

    def _stamped(self, item: Item, pixels_jpeg: bytes) -> bytes:
        return insert_exif(exif_bytes(item, self.local_time(item), self.files_of(item)), pixels_jpeg)

    def restamp(self, item: Item) -> int | None:
        """Write the item's current record (say, its new NAS copies) into its cached
        thumbnail, pixels unchanged; returns the new size, or None when none is cached
        (the next one made carries the record anyway). Deterministic, like `make`."""
        data = self.get(item)
        if data is None:
            return None
        out = io.BytesIO()
        piexif.remove(data, out)
        final = self._stamped(item, out.getvalue())
        self.cache.set(self.key(item), final)
        return len(final)

    def get_or_make(self, item: Item) -> bytes:
        data = self.get(item)
        if data is None:
            data, _ = self.make(item)
        return data

    def local_time(self, item: Item) -> dt.datetime | None:
        """Capture time as the camera showed it, or in the library's zone."""
        if item.taken_at is None:
            return None
        if item.tz_offset_min is not None:
            return dt.datetime.fromtimestamp(item.taken_at, dt.timezone(dt.timedelta(minutes=item.tz_offset_min)))
        return dt.datetime.fromtimestamp(item.taken_at, self.tz)
