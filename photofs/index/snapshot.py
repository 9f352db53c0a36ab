"""The visible items as parallel numpy arrays: tens of millions fit in a laptop's
memory, and groupings are array operations. Strings (names, albums, folders) are
interned: each array holds a small integer code into a list of distinct values."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from photofs.catalog import Catalog
from photofs.imaging import colour
from photofs.imaging.similarity import VARIANTS
from photofs.imaging.video import FRAME_HASHES
from photofs.index.groupings import collections_of, folder_gallery, resolution_group
from photofs.index.names import burst_key, is_edited, name_keys

NO_WEEK = np.iinfo(np.int64).min  # marks an undated item in `week`
COLUMNS = ("id", "phash", "taken_at", "week", "thumb_size", "width", "height", "size",
           "original_name", "source_id", "albums", "dihedral", "histogram", "kind", "frame_hashes", "duration",
           "source", "burst_id")
# Bits of Snapshot.stack: what an item is, for naming a group's kinds and choosing its best photo.
STACK_RAW, STACK_EDITED, STACK_REENCODED = 1, 2, 4
_REENCODING_SOURCES = ("library", "picker")  # Google's download of an item is a re-encode, never the original


@dataclass
class Snapshot:
    ids: np.ndarray          # int64 catalog ids, ascending
    phash: np.ndarray        # uint64
    taken: np.ndarray        # float64 UTC seconds, NaN when undated
    week: np.ndarray         # int64, NO_WEEK when undated
    size: np.ndarray         # int64 thumbnail bytes
    pixels: np.ndarray       # int64 width*height of the original (0 unknown)
    orig_size: np.ndarray    # int64 bytes of the original
    dihedral: np.ndarray     # (n, 7) uint64 phashes of the flips/rotations
    colour: np.ndarray       # int32 code into colour_names
    resolution: np.ndarray   # int32 code into resolution_names
    name_group: np.ndarray   # int32 code into name_group_names
    name_prefix: np.ndarray  # int32 code into name_prefixes: the name around its last number (index/names.py)
    name_number: np.ndarray  # int64 the last number in the name, -1 if none
    name_digits: np.ndarray  # int8 how many digits that number is written with (IMG_0004: 4)
    is_video: np.ndarray     # bool: a video (grouped by its frame hashes, never by its thumbnail's phash)
    stack: np.ndarray        # int8 STACK_* bits: a RAW, an -edited copy, Google's re-encode
    burst: np.ndarray        # int64 the burst shot it is a frame of (index/names.burst_key), -1 none
    album_ids: np.ndarray    # int64 ids, with album_codes: albums (Takeout, Picker), one entry per membership
    album_codes: np.ndarray  # int32 code into gallery_names
    loose_ids: np.ndarray    # int64 ids of folder photos in no album, with
    loose_parent: np.ndarray  # int32 code into parent_names: their folder (a gallery unless generic or a collection)
    video_ids: np.ndarray    # int64 ids of the videos with frame hashes (few: kept beside the rows, not in them)
    video_frames: np.ndarray  # (m, FRAME_HASHES) uint64 phashes of frames spread across each
    video_duration: np.ndarray  # float64 seconds (NaN unknown)
    colour_names: list[str] = field(default_factory=list)
    resolution_names: list[str] = field(default_factory=list)
    name_group_names: list[str] = field(default_factory=list)
    name_prefixes: list[str] = field(default_factory=list)
    gallery_names: list[str] = field(default_factory=list)
    parent_names: list[str] = field(default_factory=list)
    # Rows [0, sorted_rows) are in id order; photos that became visible later with
    # older ids (thumbnailed out of order) follow in a short tail until a rewrite.
    sorted_rows: int = -1

    ROW_ARRAYS = ("ids", "phash", "taken", "week", "size", "pixels", "orig_size", "dihedral", "colour", "resolution",
                  "name_group", "name_prefix", "name_number", "name_digits", "is_video", "stack", "burst")
    SIDE_ARRAYS = ("album_ids", "album_codes", "loose_ids", "loose_parent", "video_ids", "video_frames",
                   "video_duration")
    # Side arrays in groups that go together, each led by its item ids.
    SIDE_GROUPS = (("album_ids", "album_codes"), ("loose_ids", "loose_parent"),
                   ("video_ids", "video_frames", "video_duration"))
    NAME_LISTS = ("colour_names", "resolution_names", "name_group_names", "name_prefixes", "gallery_names",
                  "parent_names")

    def __post_init__(self):
        self._galleries = None
        self._tail = None
        if self.sorted_rows < 0:
            self.sorted_rows = len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def hex(self, row: int) -> str:
        return f"{int(self.phash[row]):016x}"

    def rows_of(self, item_ids) -> np.ndarray:
        """Rows of the given ids (ids not visible are dropped)."""
        ids = item_ids if isinstance(item_ids, np.ndarray) else np.fromiter(item_ids, np.int64)
        if not len(ids) or not len(self.ids):
            return np.empty(0, np.int64)
        head = self.ids[:self.sorted_rows]
        rows = np.full(len(ids), -1, np.int64)
        if len(head):
            pos = np.minimum(np.searchsorted(head, ids), len(head) - 1)
            rows = np.where(head[pos] == ids, pos, -1)
        if self.sorted_rows < len(self.ids):
            if self._tail is None:
                order = np.argsort(self.ids[self.sorted_rows:])
                self._tail = (order + self.sorted_rows, np.asarray(self.ids[self.sorted_rows:])[order])
            tail_rows, tail_ids = self._tail
            pos = np.minimum(np.searchsorted(tail_ids, ids), len(tail_ids) - 1)
            rows = np.where((rows < 0) & (tail_ids[pos] == ids), tail_rows[pos], rows)
        return rows[rows >= 0]

    @property
    def gallery_rows(self) -> np.ndarray:
        return self.galleries()[0]

    @property
    def gallery_codes(self) -> np.ndarray:
        return self.galleries()[1]

    def galleries(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, gallery codes): albums, then the folders loose photos sit in. A folder
        that holds other folders of photos is a collection, not a gallery."""
        if self._galleries is None:
            collections = collections_of(self.parent_names)
            folder_code = np.array([-1 if p in collections else self._gallery_code(p) for p in self.parent_names]
                                   + [-1], np.int32)  # one code per folder: not per photo
            codes = folder_code[self.loose_parent] if len(self.loose_parent) else np.empty(0, np.int32)
            has = codes >= 0
            ids = np.concatenate([self.album_ids, self.loose_ids[has]])
            codes = np.concatenate([self.album_codes, codes[has]]).astype(np.int32)
            rows = self.rows_of(ids)  # every one is visible
            self._galleries = (rows.astype(np.int64), codes)
        return self._galleries

    def _gallery_code(self, parent: str) -> int:
        gallery = folder_gallery(parent + os.sep + "x")
        if gallery is None:
            return -1
        if not hasattr(self, "_gallery_interner"):
            self._gallery_interner = Interner(self.gallery_names)
        return self._gallery_interner(gallery)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> "Snapshot":
        return cls.from_rows(catalog.visible_rows(COLUMNS))

    @classmethod
    def from_rows(cls, chunks, names: dict[str, list[str]] | None = None) -> "Snapshot":
        """Built from catalog rows (in id order) with COLUMNS; `names` continues
        the codes of an earlier snapshot, so parts can be joined."""
        names = names or {}
        intern = {k: Interner(list(names.get(k, []))) for k in
                  ("resolution_names", "name_group_names", "name_prefixes", "gallery_names", "parent_names")}
        parts, albums, loose, videos = [], ([], []), ([], []), ([], [], [])
        for rows in chunks:
            parts.append(_arrays(rows, intern))
            for r in rows:
                if r[13] == "video" and r[14] and len(r[14]) == 8 * FRAME_HASHES:
                    videos[0].append(r[0])
                    videos[1].append(r[14])
                    videos[2].append(np.nan if r[15] is None else r[15])
                names_of = json.loads(r[10]) if r[10] else []
                for g in (a.replace("/", "_") for a in names_of if a):
                    albums[0].append(r[0])
                    albums[1].append(intern["gallery_names"](g))
                if not names_of:
                    loose[0].append(r[0])
                    loose[1].append(intern["parent_names"](r[9].rpartition(os.sep)[0]))
        if parts:
            cols = [np.concatenate(c) for c in zip(*parts)]
        else:
            cols = [np.empty(0, t) for t in (np.int64, np.uint64, np.float64, np.int64, np.int64, np.int64, np.int64)]
            cols.append(np.empty((0, len(VARIANTS)), np.uint64))
            cols += [np.empty(0, np.int32)] * 4 + [np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, bool)]
            cols += [np.empty(0, np.int8), np.empty(0, np.int64)]
        return cls(*cols, np.array(albums[0], np.int64), np.array(albums[1], np.int32),
                   np.array(loose[0], np.int64), np.array(loose[1], np.int32),
                   np.array(videos[0], np.int64),
                   np.frombuffer(b"".join(videos[1]), "<u8").reshape(-1, FRAME_HASHES).astype(np.uint64),
                   np.array(videos[2], np.float64),
                   colour.GROUP_NAMES, intern["resolution_names"].names, intern["name_group_names"].names,
                   intern["name_prefixes"].names, intern["gallery_names"].names, intern["parent_names"].names)

    def names(self) -> dict[str, list[str]]:
        return {k: getattr(self, k) for k in self.NAME_LISTS}

    def without(self, item_ids: np.ndarray) -> "Snapshot":
        """The snapshot less some items (changed or gone)."""
        keep = ~np.isin(self.ids, item_ids)
        side = {}
        for group in self.SIDE_GROUPS:
            stay = ~np.isin(getattr(self, group[0]), item_ids)
            side.update({k: getattr(self, k)[stay] for k in group})
        return Snapshot(*(getattr(self, k)[keep] for k in self.ROW_ARRAYS), **side, **self.names(),
                        sorted_rows=int(keep[:self.sorted_rows].sum()))

    def changes_from(self, old: "Snapshot", changed: np.ndarray):
        """(remap, rows): how rows of `old`, the snapshot before the `changed` ids were
        added, changed or removed, become rows of this one (remap drops those that
        changed), and this one's rows of the changed ids. Both are in id order, so a
        kept row moves by the changed rows before it: two searches in short arrays."""
        changed = np.unique(np.asarray(changed, np.int64))
        new_rows = self.rows_of(changed)
        old_ids = np.asarray(old.ids)
        removed = old.rows_of(changed)
        if not len(removed) and getattr(self, "appended", False):
            return same_rows, new_rows  # new photos only, appended: every old row stays put
        if old.sorted_rows < len(old) or self.sorted_rows < len(self):
            gone = np.zeros(len(old), bool)
            gone[removed] = True
            return (lambda rows: self.rows_of(old_ids[rows[~gone[rows]]])), new_rows  # a lookup each
        removed = np.sort(removed)
        inserted = np.asarray(self.ids)[new_rows]

        def remap(rows: np.ndarray) -> np.ndarray:
            if not len(rows) or not len(removed):
                return rows + np.searchsorted(inserted, old_ids[rows]) if len(rows) else rows
            pos = np.searchsorted(removed, rows)
            kept = removed[np.minimum(pos, len(removed) - 1)] != rows
            rows, pos = rows[kept], pos[kept]
            return rows - pos + np.searchsorted(inserted, old_ids[rows])
        return remap, new_rows

    def joined(self, other: "Snapshot") -> "Snapshot":
        """This snapshot and `other` (built with this one's names), in id order."""
        cols = [np.concatenate([getattr(self, k), getattr(other, k)]) for k in self.ROW_ARRAYS]
        if len(cols[0]) > 1 and not (cols[0][1:] > cols[0][:-1]).all():
            order = np.argsort(cols[0], kind="stable")  # changed items come back in the middle
            cols = [c[order] for c in cols]
        side = [np.concatenate([getattr(self, k), getattr(other, k)]) for k in self.SIDE_ARRAYS]
        return Snapshot(*cols, *side, **other.names())


def same_rows(rows: np.ndarray) -> np.ndarray:
    """The remap of a change that moved no row (see Snapshot.changes_from)."""
    return rows


class Interner:
    """Distinct strings -> small codes."""

    def __init__(self, names: list[str] | None = None):
        self.names: list[str] = names if names is not None else []
        self.codes: dict[str, int] = {name: i for i, name in enumerate(self.names)}

    def __call__(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.names)
            self.names.append(value)
        return code


def _fixed(rows: list[tuple], col: int, width: int, dtype) -> np.ndarray:
    """A column of fixed-size blobs as one array; missing or malformed blobs are zeros."""
    zero = bytes(width)
    return np.frombuffer(b"".join(r[col] if r[col] and len(r[col]) == width else zero for r in rows), dtype)


def _arrays(rows: list[tuple], intern: dict[str, Interner]) -> tuple[np.ndarray, ...]:
    n = len(rows)
    keys = [name_keys(r[8]) for r in rows]
    return (
        np.fromiter((r[0] for r in rows), np.int64, n),
        np.fromiter((int(r[1], 16) for r in rows), np.uint64, n),
        np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, n),
        np.fromiter((NO_WEEK if r[3] is None else r[3] for r in rows), np.int64, n),
        np.fromiter((r[4] for r in rows), np.int64, n),
        np.fromiter(((r[5] or 0) * (r[6] or 0) for r in rows), np.int64, n),
        np.fromiter((r[7] or 0 for r in rows), np.int64, n),
        _fixed(rows, 11, 8 * len(VARIANTS), "<u8").reshape(n, len(VARIANTS)).astype(np.uint64),
        colour.group_codes(_fixed(rows, 12, 12, np.uint8).reshape(n, 12)),
        np.fromiter((intern["resolution_names"](resolution_group(r[5], r[6])) for r in rows), np.int32, n),
        np.fromiter((intern["name_group_names"](k[0]) for k in keys), np.int32, n),
        np.fromiter((intern["name_prefixes"](k[1]) for k in keys), np.int32, n),
        np.fromiter((k[2] for k in keys), np.int64, n),
        np.fromiter((k[3] for k in keys), np.int8, n),
        np.fromiter((r[13] == "video" for r in rows), bool, n),
        np.fromiter((_stack(r) for r in rows), np.int8, n),
        np.fromiter((_burst(r) for r in rows), np.int64, n),
    )


def _burst(row: tuple) -> int:
    """The burst shot as a number: the file's own burst id (63 bits of its SHA-1), else from the name."""
    if row[17]:
        return int.from_bytes(hashlib.sha1(row[17].encode("utf-8")).digest()[:8], "little") >> 1
    return burst_key(row[8])


def _stack(row: tuple) -> int:
    return ((STACK_RAW if row[13] == "raw" else 0) | (STACK_EDITED if is_edited(row[8]) else 0)
            | (STACK_REENCODED if row[16] in _REENCODING_SOURCES else 0))
