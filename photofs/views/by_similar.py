"""/by-similar/: near-duplicate groups.

Two photos are neighbours when their 64-bit phashes differ in at most
`similarity_threshold` bits, or when one's phash is that close to a flip or
rotation of the other (hashes of the 7 variants are made at thumbnail time).
A group is a connected set of two or more neighbours; single photos are not
listed. The folder is named after the group's best photo (most pixels, then the
original rather than Google's re-encode, then the largest file) and says its size
and its kinds: `<phash>_<n>-photos_near+mirrored+rotated`. A pair that is a stack
of one shot is named for what it is rather than how it matches: `burst` (frames of
one burst), `raw+jpeg` (a RAW and the JPEG of the same name), `edited` (an
`-edited` copy and its original), `live` (a still and a video of the same name taken
together that came as two items, such as a Live Photo's halves from two sources).

Videos are not compared by their thumbnails but by frames spread across them
(Czkawka's rule): two videos are neighbours, of kind `video`, when their durations
are within 20 % and most of their frame hashes, position by position, are within
the threshold. A sub-clip is not a copy; a re-encode at another size is.
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
from photofs.index.snapshot import STACK_EDITED, STACK_RAW, STACK_REENCODED, Snapshot, same_rows
from photofs.views.folders import FolderTree, runs

NAME = "by-similar"
# Saved pairs store the index of the first four: append only. The stack kinds are
# worked out from the snapshot when the tree is made, never saved.
KIND_ORDER = ("near", "mirrored", "rotated", "video", "burst", "raw+jpeg", "edited", "live")
LIVE_SECONDS = 3.0  # a Live Photo's still and video are taken together
VIDEO_DURATION_SHARE = 0.2  # durations within 20 % of the longer one
VIDEO_MIN_FRAMES = 3        # of video.FRAME_HASHES (5): most frames alike


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
    Videos take part through their frames only (video_pairs).

    Photos with identical hashes are joined to the first of them and searched once:
    a thousand copies of one screenshot cost one hash, not half a million pairs."""
    photos = np.flatnonzero(~snap.is_video)
    pairs = [video_pairs(snap, threshold), live_pairs(snap, photos, np.flatnonzero(snap.is_video))]
    if len(photos):
        unique, first, inverse = np.unique(snap.phash[photos], return_index=True, return_inverse=True)
        same = np.flatnonzero(first[inverse] != np.arange(len(photos)))
        pairs.append((photos[first[inverse[same]]], photos[same], np.zeros(len(same), np.int8)))
        a, b, _ = self_pairs(unique, threshold)
        pairs.append((photos[first[a]], photos[first[b]], np.zeros(len(a), np.int8)))
        if flips:
            pairs.append(_flip_pairs(snap, photos, HammingIndex(unique), photos[first], threshold))
    return tuple(np.concatenate(x) for x in zip(*pairs))


def live_pairs(snap: Snapshot, photos: np.ndarray, videos: np.ndarray):
    """(photo, video, kind `live`) of `photos` and `videos` rows with the same name stem taken
    within LIVE_SECONDS: the two halves of one Live or motion photo that arrived as two items
    (one source had the still, another the video). Joined through the videos, which are few."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))
    if not len(photos) or not len(videos):
        return empty
    prefix, number, taken = np.asarray(snap.name_prefix), np.asarray(snap.name_number), np.asarray(snap.taken)
    by_name: dict[tuple[int, int], list[int]] = {}
    for row in videos.tolist():
        by_name.setdefault((int(prefix[row]), int(number[row])), []).append(row)
    names = np.array(list(by_name), np.int64).reshape(-1, 2)
    maybe = photos[np.isin(prefix[photos], names[:, 0].astype(prefix.dtype), kind="table")]
    maybe = maybe[np.isin(number[maybe], names[:, 1])]
    a, b = [], []
    for row in maybe.tolist():
        for video in by_name.get((int(prefix[row]), int(number[row])), ()):
            if abs(taken[row] - taken[video]) <= LIVE_SECONDS:  # NaN (undated) never is
                a.append(row)
                b.append(video)
    return np.array(a, np.int64), np.array(b, np.int64), np.full(len(a), KIND_ORDER.index("live"), np.int8)


def video_pairs(snap: Snapshot, threshold: int):
    """(a, b, kind `video`) of every pair of videos that are near-duplicates: durations within
    VIDEO_DURATION_SHARE and at least VIDEO_MIN_FRAMES frame hashes within the threshold,
    frame k against frame k. Videos are few, so every pair is searched per frame position."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))
    ids = np.asarray(snap.video_ids)
    seen = np.isin(ids, np.asarray(snap.ids))
    if seen.sum() < 2:
        return empty
    rows = snap.rows_of(ids[seen])
    frames, duration = np.asarray(snap.video_frames)[seen], np.asarray(snap.video_duration)[seen]
    m = len(rows)
    matches = []
    for k in range(frames.shape[1]):
        column = frames[:, k]
        qi, ci, _ = HammingIndex(column).pairs(column, threshold)
        keep = (qi < ci) & (column[qi] != 0) & (column[ci] != 0)  # 0: a frame that could not be decoded
        matches.append(qi[keep].astype(np.int64) * m + ci[keep])
    if not matches:
        return empty
    pair, count = np.unique(np.concatenate(matches), return_counts=True)
    pair = pair[count >= VIDEO_MIN_FRAMES]
    a, b = pair // m, pair % m
    da, db = duration[a], duration[b]
    # An unknown duration (not read at indexing) leaves it to the frames, which were taken at
    # the same shares of each clip's own length: a sub-clip's frames differ anyway.
    unknown = ~(da > 0) | ~(db > 0)
    close = unknown | (np.abs(da - db) <= VIDEO_DURATION_SHARE * np.maximum(da, db))
    a, b = a[close], b[close]
    return rows[a], rows[b], np.full(len(a), KIND_ORDER.index("video"), np.int8)


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
    return estimate_seconds_of(n, threshold, variants) if n else 0.0  # videos alone: a few thousand at most


def pairs_of_rows(snap: Snapshot, rows: np.ndarray, threshold: int, flips: bool = True):
    """(a, b, kind) of every neighbour pair that has one of `rows` on either side: what
    an incremental update must look for when those photos are new or changed. A new
    photo's flips are found through its own 7 variants (a full build also tries every
    other photo's variants against it)."""
    is_video = np.asarray(snap.is_video)
    photos = np.flatnonzero(~is_video)
    rows = np.unique(rows)
    videos = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))
    if is_video[rows].any():  # a changed video is compared with every video again (they are few)
        videos = video_pairs(snap, threshold)
        touched = np.isin(videos[0], rows) | np.isin(videos[1], rows)
        videos = tuple(v[touched] for v in videos)
    all_videos = np.flatnonzero(is_video)
    live = [live_pairs(snap, rows[~is_video[rows]], all_videos), live_pairs(snap, photos, rows[is_video[rows]])]
    videos = tuple(np.concatenate(x) for x in zip(videos, *live))
    rows = rows[~is_video[rows]]
    if not len(rows) or not len(photos):
        return videos
    index = HammingIndex(np.asarray(snap.phash)[photos])
    qi, ci, _ = index.pairs(np.asarray(snap.phash)[rows], threshold)
    a, b = rows[qi], photos[ci]
    keep = a != b
    pairs = [(a[keep], b[keep], np.zeros(int(keep.sum()), np.int8)), videos]
    if flips:
        pairs.append(_flip_pairs(snap, rows, index, photos, threshold))
    return tuple(np.concatenate(x) for x in zip(*pairs))


def build(snap: Snapshot, threshold: int, flips: bool = True) -> SimilarTree:
    n = len(snap)
    if n < 2:
        return tree_of_pairs(snap, *(np.empty(0, np.int64),) * 2, np.empty(0, np.int8))
    return tree_of_pairs(snap, *neighbour_pairs(snap, threshold, flips))


def stack_kinds(snap: Snapshot, a: np.ndarray, b: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Each pair's kind as what the two are, where they are one shot: frames of one burst,
    a RAW and the JPEG of the same name, an -edited copy and its original; else how they match."""
    stack, burst = np.asarray(snap.stack), np.asarray(snap.burst)
    out = np.asarray(kind, np.int8).copy()
    if not len(a):
        return out
    same_name = (np.asarray(snap.name_prefix)[a] == np.asarray(snap.name_prefix)[b]) & (
        np.asarray(snap.name_number)[a] == np.asarray(snap.name_number)[b])  # stems compare without -edited
    differ = stack[a] ^ stack[b]
    out[same_name & ((differ & STACK_EDITED) != 0)] = KIND_ORDER.index("edited")
    out[same_name & ((differ & STACK_RAW) != 0)] = KIND_ORDER.index("raw+jpeg")
    out[(burst[a] >= 0) & (burst[a] == burst[b])] = KIND_ORDER.index("burst")
    return out


def why_best(snap: Snapshot, rows: np.ndarray) -> str:
    """Why the group's first photo (the best, see tree_of_pairs) leads it, against the runner-up."""
    best, next_ = int(rows[0]), int(rows[1])
    pixels, size = np.asarray(snap.pixels), np.asarray(snap.orig_size)
    reencoded = (np.asarray(snap.stack)[[best, next_]] & STACK_REENCODED) != 0
    if pixels[best] > pixels[next_]:
        return f"most pixels ({pixels[best] / 1e6:.1f} MP against {pixels[next_] / 1e6:.1f} MP)"
    if reencoded[1] and not reencoded[0]:
        return "as many pixels, and the original rather than Google's re-encode"
    if size[best] > size[next_]:
        return f"as many pixels, and the largest file ({size[best] / 1e6:.1f} MB against {size[next_] / 1e6:.1f} MB)"
    return "alike in pixels and size: the first one indexed"


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
    for lab, k in zip(label[a].tolist(), stack_kinds(snap, a, b, kind).tolist()):
        kinds_of.setdefault(lab, set()).add(k)
    grouped = np.flatnonzero(sizes[label] >= 2)
    reencoded = (np.asarray(snap.stack)[grouped] & STACK_REENCODED) != 0
    order = grouped[np.lexsort((snap.ids[grouped], -snap.orig_size[grouped], reencoded, -snap.pixels[grouped],
                                label[grouped]))]
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
