"""/by-week/: one folder per life week that has photos.

- `NNNN_YYYY-MM-DD`: week index from the birth week and its Monday;
- `before-birth/YYYY/`: photos captured before week 0 (old scans);
- `undated/`: photos with no capture time.
Inside a folder, files are in capture order; a week with more photos than the
folder limit is split by day (`YYYY-MM-DD`), then into parts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from photofs.domain.weeks import LifeCalendar
from photofs.index.snapshot import NO_WEEK, Snapshot
from photofs.views.folders import FolderTree

NAME = "by-week"


def build(snap: Snapshot, cal: LifeCalendar, limit: int) -> FolderTree:
    tree = FolderTree(limit)
    # Capture order inside each week; hash then id break ties so the order is stable.
    order = np.lexsort((snap.ids, snap.phash, np.nan_to_num(snap.taken, nan=0.0), snap.week))
    weeks = snap.week[order]
    by_day = _split_by_day(snap, cal)

    undated = order[weeks == NO_WEEK]
    if len(undated):
        tree.add_leaf(("undated",), undated)
    before = order[(weeks < 0) & (weeks != NO_WEEK)]
    if len(before):
        years = _local_years(snap.taken[before], cal)
        for year in np.unique(years):
            tree.add_leaf(("before-birth", f"{year:04d}"), before[years == year], [by_day])
    life, life_weeks = order[weeks >= 0], weeks[weeks >= 0]
    starts = np.flatnonzero(np.r_[True, life_weeks[1:] != life_weeks[:-1]]) if len(life) else []
    for s, e in zip(starts, np.r_[starts[1:], len(life)] if len(life) else []):
        tree.add_leaf((cal.folder_name(int(life_weeks[s])),), life[s:e], [by_day])
    return tree


def _local_years(taken: np.ndarray, cal: LifeCalendar) -> np.ndarray:
    return np.array([dt.datetime.fromtimestamp(t, cal.tz).year for t in taken], dtype=np.int64)


def _split_by_day(snap: Snapshot, cal: LifeCalendar):
    def split(rows: np.ndarray):
        days = np.array([dt.datetime.fromtimestamp(t, cal.tz).date().isoformat() for t in snap.taken[rows]])
        return [(day, rows[days == day]) for day in dict.fromkeys(days)]
    return split
