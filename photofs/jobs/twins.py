"""The same photo through Google's API and in a Takeout, found by its pixels.

Most such pairs share file name and capture time and are joined as they arrive
(scan, pick, import-takeout). What is left is joined here, once thumbnails exist:
a Google item whose perceptual hash is within MAX_BITS of a Takeout item's, and
whose capture time is within MAX_HOURS of it (time zones confuse one side or the
other), becomes another place the Takeout item lives. Only Google items the user
has not sorted or queued are joined, so no decision of theirs is lost.
"""

from __future__ import annotations

import numpy as np

from photofs.domain.items import ItemState
from photofs.index.hamming import HammingIndex
from photofs.library_folder import LibraryFolder

MAX_BITS = 2
MAX_HOURS = 36
GOOGLE = ("library", "picker")


def join_google_twins(lib: LibraryFolder) -> int:
    cat = lib.catalog
    items = cat.items(states=[ItemState.THUMBNAILED])
    takeout = [i for i in items if i.source == "takeout" and i.phash]
    google = [i for i in items if i.source in GOOGLE and i.phash]
    if not takeout or not google:
        return 0
    pins, _, queued = cat.load_sort_state()
    touched = {item for _, item, _ in pins} | set(queued)
    index = HammingIndex(np.array([int(i.phash, 16) for i in takeout], dtype=np.uint64))
    qi, ci, d = index.pairs(np.array([int(g.phash, 16) for g in google], dtype=np.uint64), MAX_BITS)
    joined = 0
    done = set()
    # Each Google item joins its closest Takeout photo (by bits, then by time).
    candidates = sorted(zip(qi.tolist(), ci.tolist(), d.tolist()),
                        key=lambda p: (p[0], p[2], abs((google[p[0]].taken_at or 0) - (takeout[p[1]].taken_at or 0))))
    for q, c, _ in candidates:
        g, t = google[q], takeout[c]
        if g.id in done or g.id in touched or g.taken_at is None or t.taken_at is None:
            continue
        if abs(g.taken_at - t.taken_at) > MAX_HOURS * 3600:
            continue
        cat.join_into(g.id, t.id, [("google", g.source, g.source_id, g.size)])
        done.add(g.id)
        joined += 1
    return joined
