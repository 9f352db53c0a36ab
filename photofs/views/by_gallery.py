"""/by-gallery/: the galleries photos came from.

- Albums (Takeout and Google albums) and, for photos from a folder, the folder
  they sit in, unless its name is generic (`DCIM`, `Camera`, `Photos from 2019`,
  a bare year or date).
- Every other photo joins an inferred gallery: a run of photos whose names share
  a prefix and count upwards (a camera counter) and whose capture times are no
  more than RUN_GAP apart. It is named after where it starts:
  `YYYY-MM-DD <prefix><first number>`.
Inside a gallery, files are in capture order (their mtime).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from photofs.domain.weeks import LifeCalendar
from photofs.index.snapshot import Snapshot
from photofs.views.folders import FolderTree, group_leaves, runs

NAME = "by-gallery"
RUN_GAP = 6 * 3600  # a pause of more than six hours ends a run


def build(snap: Snapshot, cal: LifeCalendar) -> FolderTree:
    tree = FolderTree()
    if len(snap.gallery_rows):
        group_leaves(tree, snap.gallery_codes, snap.gallery_names, np.arange(len(snap.gallery_codes)))
        # group_leaves worked on membership indexes: map them back to rows.
        rows = snap.gallery_rows
        for path, members in tree.leaves.items():
            tree.leaves[path] = rows[members]
    in_gallery = np.zeros(len(snap), bool)
    in_gallery[snap.gallery_rows] = True  # a mask, not setdiff1d: that sorts every row
    loose = np.flatnonzero(~in_gallery)
    for name, rows in inferred_runs(snap, loose, cal):
        tree.add_leaf((name,), rows)
    return tree


def inferred_runs(snap: Snapshot, rows: np.ndarray, cal: LifeCalendar):
    taken = np.nan_to_num(snap.taken[rows], nan=-1.0)
    order = rows[np.lexsort((snap.ids[rows], taken, snap.name_prefix[rows]))]
    prefix, number, when = snap.name_prefix[order], snap.name_number[order], np.nan_to_num(snap.taken[order], nan=-1.0)
    breaks = (prefix[1:] != prefix[:-1]) | (number[1:] < number[:-1]) | (when[1:] - when[:-1] > RUN_GAP)
    galleries: dict[str, list[np.ndarray]] = {}
    for s, e in runs(breaks, len(order)):
        day = "undated" if when[s] < 0 else dt.datetime.fromtimestamp(when[s], cal.tz).date().isoformat()
        num = "" if number[s] < 0 else str(int(number[s]))
        name = f"{day} {snap.name_prefixes[int(prefix[s])]}{num}".strip().replace("/", "_")
        galleries.setdefault(name, []).append(order[s:e])
    return [(name, np.concatenate(parts)) for name, parts in galleries.items()]
