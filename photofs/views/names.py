"""Which name each photo has when several share one perceptual hash.

The rule (README, "The mount tree"): a photo has one name, the same in every
folder of every view. A photo whose hash no other visible photo has is
`<phash>.jpg`. Of photos that share a hash, the oldest in the catalog (the
lowest id: the first indexed) is `<phash>.jpg` and every other is
`<phash>~<its catalog id>.jpg`. So a name does not depend on what else is in
the folder: deleting, moving or adding a twin renames nobody.

Only the plain name can pass from one photo to another, and only when the
catalog changes under a running mount (its photo stops being visible or gets
another hash, or an older twin gets its thumbnail). For that case a mount keeps
a NameBook: for the rest of its life, the photo that held `<phash>.jpg` keeps
it, or, once gone, nobody gets it (a photo indexed again under a new catalog id
is `<phash>~<id>.jpg` until the next mount).
"""

from __future__ import annotations

import numpy as np

from photofs.domain.names import photo_name
from photofs.index.snapshot import Snapshot

NONE = -1  # no photo holds the plain name


def _left(old: Snapshot, new: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(ids, their hashes in `old`) of the photos of `old` that `new` no longer shows
    under the same hash. Only the changed ids are looked at when `new` was made from
    `old` (the saved index says which); else every row."""
    ids, hashes = np.asarray(old.ids), np.asarray(old.phash)
    if getattr(new, "previous", None) is not None and new.previous == getattr(old, "fingerprint", None):
        rows = old.rows_of(np.asarray(new.changed, np.int64))
        ids, hashes = ids[rows], hashes[rows]
    if len(ids) == len(new) and np.array_equal(ids, new.ids):  # the same photos in the same rows: compare in place
        same = np.asarray(new.phash) == hashes
    else:
        found = new.rows_of(ids)  # in the order asked, the invisible left out
        same = np.isin(ids, np.asarray(new.ids)[found])
        same[same] = np.asarray(new.phash)[found] == hashes[same]
    return ids[~same], hashes[~same]


class Twins:
    """The rows of a snapshot whose hash another row shares, grouped by hash.

    Found with a sort of the hashes and a bucket filter rather than an argsort:
    a few tenths of a second at ten million photos."""

    def __init__(self, snap: Snapshot):
        phash, ids = np.asarray(snap.phash), np.asarray(snap.ids)
        if len(phash) < 2:
            members = np.empty(0, np.int64)
        else:
            s = np.sort(phash)
            shared = np.unique(s[1:][s[1:] == s[:-1]])
            bucket = np.zeros(1 << 20, bool)  # a first cut on the top bits, then an exact look-up
            bucket[shared >> np.uint64(44)] = True
            maybe = np.flatnonzero(bucket[phash >> np.uint64(44)])
            pos = np.minimum(np.searchsorted(shared, phash[maybe]), max(len(shared) - 1, 0))
            members = maybe[shared[pos] == phash[maybe]] if len(shared) else np.empty(0, np.int64)
        order = np.lexsort((ids[members], phash[members]))
        self.member_hash = phash[members][order]   # by hash, then id
        self.member_id = ids[members][order]
        starts = np.flatnonzero(np.r_[True, self.member_hash[1:] != self.member_hash[:-1]]) if len(members) else members
        self.hashes = self.member_hash[starts]     # sorted, unique
        self.first = self.member_id[starts]        # the lowest id of each

    def _find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(is shared, index into self.hashes) for each hash."""
        if not len(self.hashes):
            return np.zeros(len(hashes), bool), np.zeros(len(hashes), np.int64)
        pos = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        return self.hashes[pos] == hashes, pos

    def holders(self, hashes: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """By the rule alone: who holds each row's plain name (the row itself when its hash is its own)."""
        shared, pos = self._find(hashes)
        return np.where(shared, self.first[pos] if len(self.first) else ids, ids)


class NameBook:
    """For the life of one mount: hash -> the photo that keeps `<phash>.jpg` (present
    or not), for the hashes where the rule alone would now give it to another photo."""

    def __init__(self):
        self.plain: dict[int, int] = {}

    def names(self, snap: Snapshot, twins: Twins, rows: np.ndarray) -> list[str]:
        """The names of these rows."""
        hashes, ids = np.asarray(snap.phash)[rows], np.asarray(snap.ids)[rows]
        holders = twins.holders(hashes, ids)
        if self.plain:
            holders = np.array([self.plain.get(int(h), int(k)) for h, k in zip(hashes, holders)], np.int64)
        return [photo_name(f"{int(h):016x}", int(i), bool(p))
                for h, i, p in zip(hashes, ids, holders == ids)]

    def carry(self, old: Snapshot, old_twins: Twins, new: Snapshot, new_twins: Twins) -> None:
        """The catalog changed from `old` to `new` while names from `old` were shown:
        where a plain name would change hands, or its photo left, the old holder keeps it."""
        hashes = np.union1d(old_twins.hashes, new_twins.hashes)  # the hashes shared before or after
        if len(hashes):
            before = self._holders_in(old, old_twins, hashes, new_twins)
            after = self._holders_in(new, new_twins, hashes, old_twins)
            for h, was, now in zip(hashes.tolist(), before.tolist(), after.tolist()):
                if was != NONE and was != now and h not in self.plain:
                    self.plain[h] = was
        # A photo that held its hash's plain name and left (gone, or another hash now),
        # shared or not: the name stays its own, so a stale `<phash>.jpg` names nobody.
        ids, hashes = _left(old, new)
        if len(ids):
            shared, pos = old_twins._find(hashes)
            held = np.where(shared, old_twins.first[pos] if len(old_twins.first) else ids, ids) == ids
            for h, i in zip(hashes[held].tolist(), ids[held].tolist()):
                self.plain.setdefault(h, i)
        # (A hash named here keeps its entry: its holder, present or not, stays the holder.)

    def _holders_in(self, snap: Snapshot, twins: Twins, hashes: np.ndarray, other: Twins) -> np.ndarray:
        """Who held each hash's plain name in `snap`: the book's entry, the lowest id of a
        shared hash, or the one photo with it (found among the other state's twins)."""
        shared, pos = twins._find(hashes)
        out = np.where(shared, twins.first[pos] if len(twins.first) else NONE, NONE).astype(np.int64)
        # A hash shared only in the other state: its one photo here, if it was one of those.
        rows = snap.rows_of(other.member_id)  # in the order asked, the invisible left out
        here = np.isin(other.member_id, np.asarray(snap.ids)[rows])
        here[here] = np.asarray(snap.phash)[rows] == other.member_hash[here]
        alone_hash, alone_id = other.member_hash[here], other.member_id[here]
        lone = ~shared
        if lone.any() and len(alone_hash):
            at = np.minimum(np.searchsorted(alone_hash, hashes[lone]), len(alone_hash) - 1)
            found = alone_hash[at] == hashes[lone]
            out[np.flatnonzero(lone)[found]] = alone_id[at[found]]
        for i, h in enumerate(hashes.tolist()):
            if h in self.plain:
                out[i] = self.plain[h]
        return out
