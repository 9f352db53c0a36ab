"""/by-gallery/: the galleries photos came from.

- Albums (Takeout and Google albums) and, for photos from a folder, the folder
  they sit in, unless its name is generic (`DCIM`, `Camera`, `Photos from 2019`,
  a bare year or date).
- Every other photo may join an inferred gallery: a run of at least two photos
  whose names share a prefix and count upwards (a camera counter) and whose
  capture times are no more than RUN_GAP apart. It is named after where it
  starts, with the first name as it is written: `YYYY-MM-DD IMG_0004`.
- A photo in neither (a lone `Canon_40D.jpg`) is under `not in a gallery/YYYY/`,
  so the view still shows every photo once, and no gallery is a single photo.
Inside a gallery, files are in capture order (their mtime).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from photofs.domain.weeks import LifeCalendar
from photofs.index.names import spelled
from photofs.index.snapshot import Snapshot
from photofs.views.folders import FolderTree, group_leaves, runs

NAME = "by-gallery"
NO_GALLERY = "not in a gallery"
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
    single = []
    for name, rows in inferred_runs(snap, loose, cal):
        if len(rows) >= 2:
            tree.add_leaf((name,), rows)
        else:
            single.append(rows)
    if single:
        rows = np.concatenate(single)
        taken = snap.taken[rows]
        years = np.array(["undated" if t != t else f"{dt.datetime.fromtimestamp(t, cal.tz).year:04d}" for t in taken])
        for year in sorted(set(years.tolist())):
            tree.add_leaf((NO_GALLERY, year), rows[years == year])
    return tree


def inferred_runs(snap: Snapshot, rows: np.ndarray, cal: LifeCalendar):
    """(name, rows) of each run; a run of one photo is that photo alone (no gallery)."""
    taken = np.nan_to_num(snap.taken[rows], nan=-1.0)
    order = rows[np.lexsort((snap.ids[rows], taken, snap.name_prefix[rows]))]
    prefix, number, when = snap.name_prefix[order], snap.name_number[order], np.nan_to_num(snap.taken[order], nan=-1.0)
    # A name without a number counts nothing: each such photo is a run of its own.
    breaks = (prefix[1:] != prefix[:-1]) | (number[1:] < number[:-1]) | (number[1:] < 0) \
        | (when[1:] - when[:-1] > RUN_GAP)
    galleries: dict[str, list[np.ndarray]] = {}
    for s, e in runs(breaks, len(order)):
        day = "undated" if when[s] < 0 else dt.datetime.fromtimestamp(when[s], cal.tz).date().isoformat()
        first = spelled(snap.name_prefixes[int(prefix[s])], int(number[s]), int(snap.name_digits[order[s]]))
        name = f"{day} {first}".strip().replace("/", "_")
        galleries.setdefault(name, []).append(order[s:e])
    return [(name, np.concatenate(parts)) for name, parts in galleries.items()]
