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
        parts = [_arrays(rows) for rows in catalog.visible_rows()]
        if not parts:
            return cls(*(np.empty(0, t) for t in (np.int64, np.uint64, np.float64, np.int64, np.int64)))
        return cls(*(np.concatenate(column) for column in zip(*parts)))

    def hex(self, row: int) -> str:
        return f"{int(self.phash[row]):016x}"


def _arrays(rows: list[tuple]) -> tuple[np.ndarray, ...]:
    n = len(rows)
    return (
        np.fromiter((r[0] for r in rows), np.int64, n),
        np.fromiter((int(r[1], 16) for r in rows), np.uint64, n),
        np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, n),
        np.fromiter((NO_WEEK if r[3] is None else r[3] for r in rows), np.int64, n),
        np.fromiter((r[4] for r in rows), np.int64, n),
    )
