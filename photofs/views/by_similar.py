"""/by-similar/: near-duplicate groups.

Two photos are neighbours when their 64-bit phashes differ in at most
`similarity_threshold` bits, or when one's phash is that close to a flip or
rotation of the other (hashes of the 7 variants are made at thumbnail time).
A group is a connected set of two or more neighbours; single photos are not
listed. The folder is named after the group's best photo (most pixels, then the
largest original) and says its size and kinds of match:
`<phash>_<n>-photos_near+mirrored+rotated`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from photofs.imaging.similarity import VARIANTS
from photofs.index import saved
from photofs.index.hamming import HammingIndex, self_pairs
from photofs.index.hamming import estimate_seconds as estimate_seconds_of
from photofs.index.snapshot import Snapshot, same_rows
from photofs.views.folders import FolderTree, runs

NAME = "by-similar"
KIND_ORDER = ("near", "mirrored", "rotated")


_GROUP_NAME = re.compile(r"([0-9a-f]{16})_\d+-photos_[a-z+]+")


class SimilarTree(FolderTree):
    def key_of(self, path):
        # Pins survive the group growing: they keep only the best photo's hash.
        m = _GROUP_NAME.fullmatch(path[0]) if path else None
        return (m.group(1), *path[1:]) if m else path

    def resolve_key(self, key):
        return self.by_key.get(key[0], key[:1]) + key[1:] if key else key


def neighbour_pairs(snap: Snapshot, threshold: int, flips: bool = True):
    """(a, b, kind index) of neighbouring rows, a != b, enough to connect every group.
    Videos (placeholder thumbnails, all alike) take no part.

    Photos with identical hashes are joined to the first of them and searched once:
    a thousand copies of one screenshot cost one hash, not half a million pairs."""
    photos = np.flatnonzero(~snap.is_video)
    unique, first, inverse = np.unique(snap.phash[photos], return_index=True, return_inverse=True)
    same = np.flatnonzero(first[inverse] != np.arange(len(photos)))
    pairs = [(photos[first[inverse[same]]], photos[same], np.zeros(len(same), np.int8))]
    a, b, _ = self_pairs(unique, threshold)
    pairs.append((photos[first[a]], photos[first[b]], np.zeros(len(a), np.int8)))
    if flips and len(photos):
        pairs.append(_flip_pairs(snap, photos, HammingIndex(unique), photos[first], threshold))
    return tuple(np.concatenate(x) for x in zip(*pairs))


def _flip_pairs(snap: Snapshot, rows: np.ndarray, index: HammingIndex, row_of: np.ndarray, threshold: int):
    """(row, matched row, kind) where one of a row's 7 flipped or rotated variants is
    within the threshold of a hash in `index` (whose entry i is snapshot row row_of[i])."""
    queries = np.asarray(snap.dihedral)[rows].T.ravel()  # variant k of rows[r] is at k * len(rows) + r
    has = queries != 0
    vq, vc, _ = index.pairs(queries[has], threshold)
    src = np.flatnonzero(has)[vq]
    a, variant, b = rows[src % len(rows)], src // len(rows), row_of[vc]
    keep = a != b  # a symmetric photo matches its own flip
    kinds = np.array([KIND_ORDER.index(k) for _, k in VARIANTS], np.int8)[variant[keep]]
    return a[keep], b[keep], kinds


def estimate_seconds(snap: Snapshot, threshold: int, flips: bool = True) -> float:
    """How long build() should take here (the cost model of index/hamming.py). The
    flips are counted in a few runs of rows: reading all of them would page the whole
    variant array (560 MB at ten million photos) into the mount's memory."""
    n = int((~np.asarray(snap.is_video)).sum())
    variants = 0
    if flips and len(snap):
        dihedral = np.asarray(snap.dihedral)
        starts = np.unique(np.linspace(0, max(len(snap) - 4096, 0), 16).astype(np.int64))
        runs_ = [dihedral[s:s + 4096] for s in starts.tolist()]
        sampled = sum(len(r) for r in runs_)
        variants = round(sum(int((r != 0).sum()) for r in runs_) * len(snap) / sampled)
    return estimate_seconds_of(n, threshold, variants)


def pairs_of_rows(snap: Snapshot, rows: np.ndarray, threshold: int, flips: bool = True):
    """(a, b, kind) of every neighbour pair that has one of `rows` on either side: what
    an incremental update must look for when those photos are new or changed. A new
    photo's flips are found through its own 7 variants (a full build also tries every
    other photo's variants against it)."""
    is_video = np.asarray(snap.is_video)
    photos = np.flatnonzero(~is_video)
    rows = np.unique(rows)
    rows = rows[~is_video[rows]]  # a mask: intersect1d would sort every photo's row again
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))
    if not len(rows) or not len(photos):
        return empty
    index = HammingIndex(np.asarray(snap.phash)[photos])
    qi, ci, _ = index.pairs(np.asarray(snap.phash)[rows], threshold)
    a, b = rows[qi], photos[ci]
    keep = a != b
    pairs = [(a[keep], b[keep], np.zeros(int(keep.sum()), np.int8))]
    if flips:
        pairs.append(_flip_pairs(snap, rows, index, photos, threshold))
    return tuple(np.concatenate(x) for x in zip(*pairs))


def build(snap: Snapshot, threshold: int, flips: bool = True) -> SimilarTree:
    n = len(snap)
    if n < 2:
        return tree_of_pairs(snap, *(np.empty(0, np.int64),) * 2, np.empty(0, np.int8))
    return tree_of_pairs(snap, *neighbour_pairs(snap, threshold, flips))


def without_changed(tree: SimilarTree, remap) -> SimilarTree:
    """The groups as they were, less the photos that changed (`remap`: see
    Snapshot.changes_from): what the mount shows while the groups are updated."""
    if remap is same_rows:
        return tree
    out = SimilarTree()
    out.by_key = {}
    for path, rows in tree.leaves.items():
        rows = remap(rows)
        if len(rows) >= 2:
            out.add_leaf(path, rows)
    out.by_key = {k: p for k, p in getattr(tree, "by_key", {}).items() if p in out.leaves}
    return out


def counted(tree: SimilarTree, snap: Snapshot, hidden_ids) -> SimilarTree:
    """The groups named by the photos they show: a photo on the removal queue is in
    /to-delete/, not in its group, so `_6-photos` with one deleted is `_5-photos`.
    Only the groups holding such a photo are renamed; pins keep working (they store
    the best photo's hash, key_of), and so does the old name (resolve_key)."""
    if not len(tree.leaves) or not hidden_ids:
        return tree
    hidden = np.asarray(sorted(hidden_ids), np.int64)
    touched = {p for r in snap.rows_of(hidden).tolist() for p in tree.folders_of(int(r))}
    if not touched:
        return tree
    # A row's groups are the base tree's, under their names here (no second row index).
    out = SimilarTree(tree.splitters, tree.folder_order,
                      lambda row: [out.resolve_key(tree.key_of(p)) for p in tree.folders_of(row)])
    out.pairs, out.by_key = tree.pairs, dict(tree.by_key)
    out.leaves, out.subdirs = dict(tree.leaves), dict(tree.subdirs)
    top = list(tree.subdirs[()])
    position = {name: i for i, name in enumerate(top)} if len(touched) > 8 else None
    for path in touched:
        rows = tree.leaves[path]
        shown = int((~np.isin(snap.ids[rows], hidden)).sum())
        m = _GROUP_NAME.fullmatch(path[0])
        if m is None or shown == len(rows):
            continue
        name = f"{m.group(1)}_{shown}-photos_{path[0].rsplit('_', 1)[1]}"
        out.leaves[(name,)] = out.leaves.pop(path)
        out.subdirs[(name,)] = out.subdirs.pop(path, [])
        top[position[path[0]] if position is not None else top.index(path[0])] = name
        out.by_key[m.group(1)] = (name,)
    out.subdirs[()] = top
    return out


def tree_of_pairs(snap: Snapshot, a: np.ndarray, b: np.ndarray, kind: np.ndarray) -> SimilarTree:
    """The groups (connected components) of these neighbour pairs, each named after its best photo."""
    tree = SimilarTree()
    tree.by_key = {}
    tree.pairs = (a, b, kind)  # kept so that the grouping can be saved and brought up to date
    n = len(snap)
    if not len(a):
        return tree
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    kinds_of = {}
    for lab, k in zip(label[a].tolist(), kind.tolist()):
        kinds_of.setdefault(lab, set()).add(k)
    grouped = np.flatnonzero(sizes[label] >= 2)
    order = grouped[np.lexsort((snap.ids[grouped], -snap.orig_size[grouped], -snap.pixels[grouped], label[grouped]))]
    labels = label[order]
    for s, e in runs(labels[1:] != labels[:-1], len(order)):
        rows = order[s:e]  # best photo first
        best = snap.hex(int(rows[0]))
        kinds = "+".join(KIND_ORDER[k] for k in sorted(kinds_of[int(labels[s])]))
        name = f"{best}_{len(rows)}-photos_{kinds}"
        tree.add_leaf((name,), rows)
        tree.by_key[best] = (name,)
    return tree


def saved_tree(folder: Path, snap: Snapshot, settings, catalog=None) -> SimilarTree:
    """The grouping, kept between mounts. Its neighbour pairs are saved by item id
    beside the snapshot (index/saved.py): a later mount reads them, and after changes
    only the photos changed since are searched for (seconds at ten million photos,
    where a full grouping takes half an hour at the default threshold)."""
    t, flips = settings.similarity_threshold, settings.similar_flips
    fingerprint = getattr(snap, "fingerprint", None)
    kept = saved.saved_pairs(folder, settings)
    tree = None
    if kept is not None and fingerprint is not None:
        made_from, a_ids, b_ids, kind = kept
        changed = saved.changed_since(snap, made_from, catalog)
        if changed is not None:
            # Pairs between unchanged photos still hold; the changed ones are searched again.
            stale = np.isin(a_ids, changed) | np.isin(b_ids, changed)
            a, b = snap.rows_of(a_ids[~stale]), snap.rows_of(b_ids[~stale])
            if len(a) == int((~stale).sum()) and len(b) == len(a):  # else a photo left unseen: regroup
                fresh = pairs_of_rows(snap, snap.rows_of(changed), t, flips)
                tree = tree_of_pairs(snap, np.concatenate([a, fresh[0]]), np.concatenate([b, fresh[1]]),
                                     np.concatenate([kind[~stale], fresh[2]]))
                if made_from == fingerprint:
                    return tree
    if tree is None:
        tree = build(snap, t, flips)
    saved.save_pairs(folder, settings, snap, tree.pairs)
    return tree
