"""The visible items as parallel numpy arrays: tens of millions fit in a laptop's
memory, and groupings are array operations. Strings (names, albums, folders) are
interned: each array holds a small integer code into a list of distinct values."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from photofs.catalog import Catalog
from photofs.imaging import colour
from photofs.imaging.similarity import VARIANTS
from photofs.index.groupings import collections_of, folder_gallery, resolution_group
from photofs.index.names import name_keys

NO_WEEK = np.iinfo(np.int64).min  # marks an undated item in `week`
COLUMNS = ("id", "phash", "taken_at", "week", "thumb_size", "width", "height", "size",
           "original_name", "source_id", "albums", "dihedral", "histogram", "kind")


class Interner:
    """Distinct strings -> small codes."""

    def __init__(self):
        self.codes: dict[str, int] = {}
        self.names: list[str] = []

    def __call__(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.names)
            self.names.append(value)
        return code


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
    name_prefix: np.ndarray  # int32 code into name_prefixes (for inferred galleries)
    name_number: np.ndarray  # int64 the last number in the name, -1 if none
    is_video: np.ndarray     # bool: a placeholder thumbnail, never a near-duplicate
    gallery_rows: np.ndarray  # int64 rows, with gallery_codes: explicit galleries (albums, folders)
    gallery_codes: np.ndarray  # int32 code into gallery_names
    colour_names: list[str] = field(default_factory=list)
    resolution_names: list[str] = field(default_factory=list)
    name_group_names: list[str] = field(default_factory=list)
    name_prefixes: list[str] = field(default_factory=list)
    gallery_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def hex(self, row: int) -> str:
        return f"{int(self.phash[row]):016x}"

    def rows_of(self, item_ids) -> np.ndarray:
        """Rows of the given ids (ids not visible are dropped)."""
        ids = np.fromiter(item_ids, np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos = np.clip(pos, 0, max(len(self.ids) - 1, 0))
        return pos[(len(self.ids) > 0) & (self.ids[pos] == ids)] if len(ids) else np.empty(0, np.int64)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> "Snapshot":
        interners = {k: Interner() for k in ("resolution", "name_group", "name_prefix", "gallery")}
        parts, galleries = [], ([], [])
        offset = 0
        loose: list[tuple[int, str]] = []  # (row, folder) of folder photos without albums
        folders: set[str] = set()
        for rows in catalog.visible_rows(COLUMNS):
            parts.append(_arrays(rows, interners))
            for i, r in enumerate(rows):
                albums = json.loads(r[10]) if r[10] else []
                for g in (a.replace("/", "_") for a in albums if a):
                    galleries[0].append(offset + i)
                    galleries[1].append(interners["gallery"](g))
                if not albums:
                    folder = r[9].rpartition(os.sep)[0]
                    folders.add(folder)
                    loose.append((offset + i, r[9]))
            offset += len(rows)
        collections = collections_of(folders)
        for row, source_id in loose:
            g = folder_gallery(source_id, collections)
            if g:
                galleries[0].append(row)
                galleries[1].append(interners["gallery"](g))
        if parts:
            cols = [np.concatenate(c) for c in zip(*parts)]
        else:
            cols = [np.empty(0, t) for t in (np.int64, np.uint64, np.float64, np.int64, np.int64, np.int64, np.int64)]
            cols.append(np.empty((0, len(VARIANTS)), np.uint64))
            cols += [np.empty(0, np.int32)] * 4 + [np.empty(0, np.int64), np.empty(0, bool)]
        return cls(*cols, np.array(galleries[0], np.int64), np.array(galleries[1], np.int32),
                   colour.GROUP_NAMES, interners["resolution"].names, interners["name_group"].names,
                   interners["name_prefix"].names, interners["gallery"].names)


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
        np.fromiter((intern["resolution"](resolution_group(r[5], r[6])) for r in rows), np.int32, n),
        np.fromiter((intern["name_group"](k[0]) for k in keys), np.int32, n),
        np.fromiter((intern["name_prefix"](k[1]) for k in keys), np.int32, n),
        np.fromiter((k[2] for k in keys), np.int64, n),
        np.fromiter((r[13] == "video" for r in rows), bool, n),
    )
