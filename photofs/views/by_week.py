"""/by-week/: one folder per life week that has photos.

- `NNNN_YYYY-MM-DD`: week index from the birth week and its Monday;
- `before-birth/YYYY/`: photos captured before week 0 (old scans);
- `undated/`: photos with no capture time.
A week with more photos than the folder limit is split by day (`YYYY-MM-DD`),
then into parts. Moving a photo into another week folder corrects its week.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from photofs.domain.weeks import LifeCalendar
from photofs.index.snapshot import NO_WEEK, Snapshot
from photofs.views.folders import FolderTree, runs

NAME = "by-week"


def build(snap: Snapshot, cal: LifeCalendar, rows: np.ndarray | None = None) -> FolderTree:
    """The tree of all photos, or of some `rows` only (new photos, to add to a tree):
    `undated`, `before-birth`, then the weeks in order. A folder's rows are in no
    particular order (a listing sorts them)."""
    def by_day(rows: np.ndarray):
        days = np.array([_day(t, cal) for t in snap.taken[rows]])
        return [(day, rows[days == day]) for day in dict.fromkeys(days)]

    def locate(row: int):
        week = int(snap.week[row])
        if week == NO_WEEK:
            return [("undated",)]
        if week < 0:
            return [("before-birth", f"{dt.datetime.fromtimestamp(snap.taken[row], cal.tz).year:04d}")]
        return [(cal.folder_name(week),)]

    tree = FolderTree([by_day], lambda name: (name != "undated", name != "before-birth", name), locate)
    week = np.asarray(snap.week)
    if rows is None:
        rows = np.argsort(week, kind="stable")  # one integer key: a second at ten million photos
        weeks = week[rows]
    else:
        rows = np.asarray(rows)
        rows = rows[np.argsort(week[rows], kind="stable")]
        weeks = week[rows]
    # Sorted, NO_WEEK (the smallest integer) comes first, then weeks before birth: slices, not copies.
    born, dated = np.searchsorted(weeks, [0, NO_WEEK + 1])
    undated, before, life_rows, life_weeks = rows[:dated], rows[dated:born], rows[born:], weeks[born:]
    if len(undated):
        tree.add_leaf(("undated",), undated)
    if len(before):
        years = np.array([dt.datetime.fromtimestamp(t, cal.tz).year for t in snap.taken[before]], dtype=np.int64)
        for year in np.unique(years):
            tree.add_leaf(("before-birth", f"{year:04d}"), before[years == year])
    for s, e in runs(life_weeks[1:] != life_weeks[:-1], len(life_rows)):
        tree.add_leaf((cal.folder_name(int(life_weeks[s])),), life_rows[s:e])
    return tree


def _day(t: float, cal: LifeCalendar) -> str:
    return "undated" if t != t else dt.datetime.fromtimestamp(t, cal.tz).date().isoformat()
