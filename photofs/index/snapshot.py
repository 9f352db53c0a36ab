"""The visible items as parallel numpy arrays: about 40 bytes an item, so tens of
millions fit in a laptop's memory, and groupings are array operations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photofs.catalog import Catalog

NO_WEEK = np.iinfo(np.int64).min  # marks an undated item in `week`


@dataclass(frozen=True)
class Snapshot:
    ids: np.ndarray     # int64 catalog ids
    phash: np.ndarray   # uint64
    taken: np.ndarray   # float64 UTC seconds, NaN when undated
    week: np.ndarray    # int64, NO_WEEK when undated
    size: np.ndarray    # int64 thumbnail bytes

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> "Snapshot":
        rows = catalog.visible_rows()
        n = len(rows)
        ids = np.fromiter((r[0] for r in rows), np.int64, n)
        phash = np.fromiter((int(r[1], 16) for r in rows), np.uint64, n)
        taken = np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, n)
        week = np.fromiter((NO_WEEK if r[3] is None else r[3] for r in rows), np.int64, n)
        size = np.fromiter((r[4] for r in rows), np.int64, n)
        return cls(ids, phash, taken, week, size)

    def hex(self, row: int) -> str:
        return f"{int(self.phash[row]):016x}"
