"""The snapshot kept on disk in LIBRARY/index/, so that a mount of ten million
photos starts in seconds: one raw file per array, memory-mapped on load (pages
are read when a view touches them), and a meta.json saying how many rows of each
are valid and which catalog state they are.

When the catalog has moved on, only the items added, changed or deleted since
are read and joined in. New photos alone (the usual change) are appended to the
files in place and meta.json replaced after them, so an update costs what the
new rows cost; readers map only the rows meta.json names, so an append never
disturbs them. Any other change writes a new folder and swaps it in. Writers
take a lock. Like the thumbnail cache it can always be regenerated: delete the
folder and the next mount rebuilds it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from photofs.catalog import Catalog
from photofs.index.snapshot import COLUMNS, Snapshot

FORMAT = 4  # 3: name_digits; 4: the videos' frame hashes beside the rows
SIMILAR_FORMAT = 2  # the saved grouping's own: a snapshot format change need not cost a regrouping
ARRAYS = (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS)
log = logging.getLogger(__name__)


def _lock(folder: Path) -> FileLock:
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / ".snapshot.lock", timeout=600)


def _read_meta(target: Path) -> dict | None:
    try:
        meta = json.loads((target / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def _map(path: Path, dtype: str, shape: list) -> np.ndarray:
    if not shape[0]:
        return np.empty(shape, dtype)  # an empty file cannot be mapped
    return np.memmap(path, dtype=dtype, mode="r", shape=tuple(shape))


def load(folder: Path) -> tuple[Snapshot, dict] | None:
    """The saved snapshot and its meta, or None when there is none that can be trusted."""
    target = folder / "snapshot"
    for _ in range(5):
        meta = _read_meta(target)
        if meta is None:
            return None  # missing, half-written by a crash, or from another version: rebuild
        try:
            arrays = {k: _map(target / f"{k}.bin", *meta["arrays"][k]) for k in ARRAYS}
        except (OSError, ValueError, KeyError, TypeError):
            arrays = None  # shorter than meta.json says, or swapped meanwhile
        again = _read_meta(target)
        if again is not None and again.get("generation") == meta["generation"]:
            if arrays is None:
                return None
            snap = Snapshot(**arrays, **{k: list(meta["names"][k]) for k in Snapshot.NAME_LISTS},
                            sorted_rows=int(meta.get("sorted_rows", len(arrays["ids"]))))
            return snap, meta
        # Another process swapped in a new folder while these files were opened: again.
    return None


def _layout(snap: Snapshot) -> dict[str, list]:
    out = {}
    for k in ARRAYS:
        a = np.asarray(getattr(snap, k))
        out[k] = [a.dtype.str, list(a.shape)]
    return out


def _meta(snap: Snapshot, fingerprint: list, generation: str, extra: dict) -> dict:
    return {"format": FORMAT, "generation": generation, "fingerprint": fingerprint, "arrays": _layout(snap),
            "names": snap.names(), "sorted_rows": snap.sorted_rows, **extra}


def _write_meta(target: Path, meta: dict) -> None:
    tmp = target / f".meta.{os.getpid()}.json"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, target / "meta.json")


def _swap_in(folder: Path, tmp: Path) -> None:
    """Make the folder `tmp` the snapshot, whole (the caller holds the lock)."""
    target, old = folder / "snapshot", folder / "snapshot.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)  # mapped elsewhere: the files live on until unmapped


def save(folder: Path, snap: Snapshot, fingerprint: list, extra: dict | None = None) -> None:
    """Write a new folder next to the snapshot folder, then swap it in: a reader
    sees the old or the new, whole."""
    try:
        with _lock(folder):
            tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder))
            try:
                for k in ARRAYS:
                    np.ascontiguousarray(getattr(snap, k)).tofile(tmp / f"{k}.bin")
                _write_meta(tmp, _meta(snap, fingerprint, uuid.uuid4().hex, extra or {}))
                _swap_in(folder, tmp)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except (OSError, Timeout) as e:  # a full or read-only disk costs speed, never correctness
        log.warning("could not save the index in %s: %s", folder, e)


def save_appended(folder: Path, part: Snapshot, was: list, fingerprint: list, extra: dict) -> bool:
    """The common update, new photos only (ids after the last): their rows are appended
    to each file in place, then meta.json is replaced to count them. False when the
    saved snapshot is no longer the one they follow (the caller then saves whole)."""
    target = folder / "snapshot"
    try:
        with _lock(folder):
            meta = _read_meta(target)
            if meta is not None and meta["fingerprint"] == fingerprint:
                return True  # another process made this very update meanwhile
            if meta is None or meta["fingerprint"] != was:
                return False
            layout = dict(meta["arrays"])
            for k in ARRAYS:
                dtype, shape = layout[k]
                rows = np.ascontiguousarray(getattr(part, k), dtype=dtype)
                if list(rows.shape[1:]) != shape[1:]:
                    return False
                valid = shape[0] * int(np.prod(shape[1:], dtype=np.int64)) * np.dtype(dtype).itemsize
                with open(target / f"{k}.bin", "r+b") as f:
                    if os.fstat(f.fileno()).st_size != valid:
                        f.truncate(valid)  # left over from an append that crashed before meta.json
                    f.seek(valid)
                    f.write(rows.tobytes())
                    f.flush()
                    os.fsync(f.fileno())  # the rows are on disk before meta.json counts them
                layout[k] = [dtype, [shape[0] + len(rows), *shape[1:]]]
            rows, head = meta["arrays"]["ids"][1][0], meta.get("sorted_rows", meta["arrays"]["ids"][1][0])
            last = _last_id(target, rows)
            in_order = head == rows and (not len(part.ids) or last is None or int(part.ids[0]) > last)
            new = {**meta, **extra, "fingerprint": fingerprint, "arrays": layout, "names": part.names(),
                   "sorted_rows": rows + len(part.ids) if in_order else head}
            _write_meta(target, new)
            return True
    except (OSError, Timeout) as e:
        log.warning("could not save the index in %s: %s", folder, e)
        return False


def save_merged(folder: Path, snap: Snapshot, removed: np.ndarray, part: Snapshot, fingerprint: list,
                extra: dict) -> bool:
    """The saved snapshot less its `removed` rows, with `part` merged in by id, written
    as a new folder a slice of rows at a time: the old files are read, not mapped, so
    a rewrite of ten million rows holds a few hundred MB, not the snapshot twice."""
    source = folder / "snapshot"
    try:
        with _lock(folder):
            meta = _read_meta(source)
            if meta is not None and meta["fingerprint"] == fingerprint:
                return True  # another process made this very update meanwhile
            if meta is None or meta["fingerprint"] != extra["previous"]:
                return False
            tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder))
            try:
                keep = np.ones(len(snap), bool)
                keep[removed] = False
                kept = np.flatnonzero(keep[:snap.sorted_rows])  # the sorted head, read in slices
                tail = np.flatnonzero(keep[snap.sorted_rows:]) + snap.sorted_rows  # short: merged with part
                del keep
                # The rows to merge into the head (part's and the tail's), in id order, and
                # where each lands among the kept head rows.
                merge_ids = np.concatenate([np.asarray(part.ids), np.asarray(snap.ids)[tail]])
                order = np.argsort(merge_ids, kind="stable")
                at = np.searchsorted(np.asarray(snap.ids)[kept], merge_ids[order]) + np.arange(len(order))
                total = len(kept) + len(order)
                for k in Snapshot.ROW_ARRAYS:
                    dtype, shape = meta["arrays"][k]
                    row_shape = tuple(shape[1:])
                    new_rows = np.concatenate([np.asarray(getattr(part, k), dtype=dtype).reshape(-1, *row_shape),
                                               np.asarray(getattr(snap, k))[tail].reshape(-1, *row_shape)])[order]
                    with open(source / f"{k}.bin", "rb") as old, open(tmp / f"{k}.bin", "wb") as out:
                        for lo in range(0, total, MERGE_ROWS):
                            hi = min(lo + MERGE_ROWS, total)
                            p_lo, p_hi = np.searchsorted(at, [lo, hi])
                            k_lo, k_hi = lo - p_lo, hi - p_hi  # the kept rows of this slice
                            rows = kept[k_lo:k_hi]
                            chunk = np.empty((hi - lo, *row_shape), dtype)
                            mine = np.zeros(hi - lo, bool)
                            mine[at[p_lo:p_hi] - lo] = True
                            chunk[mine] = new_rows[p_lo:p_hi]
                            if len(rows):
                                chunk[~mine] = _read_rows(old, dtype, row_shape, rows)
                            out.write(chunk.tobytes())
                layout = {k: [meta["arrays"][k][0], [total, *meta["arrays"][k][1][1:]]] for k in Snapshot.ROW_ARRAYS}
                gone = np.asarray(snap.ids)[removed]
                for group in Snapshot.SIDE_GROUPS:
                    stay = ~np.isin(np.asarray(getattr(snap, group[0])), gone)
                    for k in group:
                        old = np.asarray(getattr(snap, k))
                        merged = np.concatenate([old[stay], np.asarray(getattr(part, k)).reshape(-1, *old.shape[1:])])
                        merged.astype(old.dtype).tofile(tmp / f"{k}.bin")
                        layout[k] = [meta["arrays"][k][0], list(merged.shape)]
                _write_meta(tmp, {**meta, **extra, "generation": uuid.uuid4().hex, "fingerprint": fingerprint,
                                  "arrays": layout, "names": part.names(), "sorted_rows": total})
                _swap_in(folder, tmp)
                return True
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except (OSError, Timeout) as e:
        log.warning("could not save the index in %s: %s", folder, e)
        return False


MERGE_ROWS = 1 << 20


def _last_id(target: Path, rows: int) -> int | None:
    """The id of the last saved row (before anything is appended)."""
    if not rows:
        return None
    with open(target / "ids.bin", "rb") as f:
        f.seek((rows - 1) * 8)
        return int(np.frombuffer(f.read(8), np.int64)[0])


def _read_rows(f, dtype: str, row_shape: tuple, rows: np.ndarray) -> np.ndarray:
    """Rows (ascending) of a raw array file, read as one span: kept rows are nearly contiguous."""
    width = np.dtype(dtype).itemsize * int(np.prod(row_shape, dtype=np.int64))
    first, last = int(rows[0]), int(rows[-1])
    f.seek(first * width)
    span = np.frombuffer(f.read((last - first + 1) * width), dtype).reshape(-1, *row_shape)
    return span[rows - first]


def current(catalog: Catalog, folder: Path) -> Snapshot:
    """The snapshot of the catalog as it is now: loaded, brought up to date, or built."""
    fingerprint = catalog.fingerprint()
    saved = load(folder)
    if saved is not None and saved[1]["fingerprint"] == fingerprint:
        snap, meta = saved
    else:
        snap = None
        if saved is not None:
            old, was = saved[0], saved[1]["fingerprint"]
            part, removed, changed = _updated(catalog, old, saved[1])
            # New photos are appended, even with older ids (thumbnailed out of order), while
            # the unsorted tail stays short; anything else is merged into a new folder.
            only_new = not len(removed) and len(old) - old.sorted_rows + len(part) <= _tail_limit(len(old))
            meta = {"previous": was, "changed": changed.tolist(), "appended": bool(only_new)}
            if only_new:
                save_appended(folder, part, was, fingerprint, meta)
            else:
                save_merged(folder, old, removed, part, fingerprint, meta)
        else:
            snap, meta = Snapshot.from_catalog(catalog), {}
            save(folder, snap, fingerprint)
        reloaded = load(folder)  # memory-mapped: the arrays leave the heap
        if reloaded is not None and reloaded[1]["fingerprint"] == fingerprint:
            snap, meta = reloaded
        elif snap is None:  # not written (a read-only or full disk), or replaced meanwhile: join in memory
            snap = old.without(np.asarray(old.ids)[removed]).joined(part)  # joined sorts: rows may move
            meta["appended"] = False
    snap.fingerprint = fingerprint
    snap.appended = meta.get("appended", False)
    snap.previous = meta.get("previous")
    snap.changed = np.array(meta.get("changed", []), np.int64)
    return snap


def _tail_limit(n: int) -> int:
    """How many rows may wait out of id order: lookups in the tail sort it once per state."""
    return max(100_000, n // 20)


def _updated(catalog: Catalog, snap: Snapshot, meta: dict):
    """(the items changed since as they are now, the saved rows they replace or that
    left, the changed ids)."""
    chunks, gone = catalog.changed_since(COLUMNS, meta["fingerprint"])
    part = Snapshot.from_rows(chunks, snap.names())
    same = _unchanged(snap, part)
    if len(same):  # touched but shown the same (archived, say): nothing to take out or add
        part = part.without(same)
    changed = np.concatenate([np.asarray(part.ids, np.int64), np.array(list(gone), np.int64)])
    return part, snap.rows_of(np.unique(changed)), changed


# -- /by-similar/ ----------------------------------------------------------------------

def _similar_path(folder: Path, settings) -> Path:
    return folder / f"similar-{settings.similarity_threshold}-{int(settings.similar_flips)}.npz"


def saved_pairs(folder: Path, settings):
    """(fingerprint it was made from, a ids, b ids, kinds), or None."""
    try:
        with np.load(_similar_path(folder, settings)) as f:
            key = json.loads(str(f["key"]))
            if key.get("format") != SIMILAR_FORMAT:
                return None
            return key["fingerprint"], f["a"], f["b"], f["kind"]
    except (OSError, ValueError, KeyError):
        return None


def has_similar(folder: Path, settings) -> bool:
    """A grouping is saved, for this catalog state or an earlier one (which an update
    brings forward: only the photos changed since are searched)."""
    return saved_pairs(folder, settings) is not None


def _unchanged(snap: Snapshot, part: Snapshot) -> np.ndarray:
    """Ids in both whose every array holds the same: an archive job or a queue state
    touches millions of rows' updated_at without changing what the mount shows, and
    rewriting ten million rows for that would cost seconds and their memory."""
    rows = snap.rows_of(np.asarray(part.ids))
    if not len(rows):
        return np.empty(0, np.int64)
    ids = np.asarray(snap.ids)[rows]
    mine = np.isin(np.asarray(part.ids), ids)
    same = np.ones(len(rows), bool)
    for k in Snapshot.ROW_ARRAYS:
        a, b = np.asarray(getattr(snap, k))[rows], np.asarray(getattr(part, k))[mine]
        equal = (a == b) | ((a != a) & (b != b)) if a.dtype.kind == "f" else a == b
        same &= equal.reshape(len(rows), -1).all(axis=1)
    for id_key, *value_keys in Snapshot.SIDE_GROUPS:
        old_ids, new_ids = np.asarray(getattr(snap, id_key)), np.asarray(getattr(part, id_key))
        at_old, at_new = np.isin(old_ids, ids), np.isin(new_ids, ids)
        old = set(_side_entries(snap, id_key, value_keys, at_old))
        new = set(_side_entries(part, id_key, value_keys, at_new))
        differ = {i for i, *_ in old ^ new}
        if differ:
            same &= ~np.isin(ids, np.fromiter(differ, np.int64, len(differ)))
    return ids[same]


def _side_entries(snap: Snapshot, id_key: str, value_keys, at: np.ndarray):
    """(id, values...) of the side entries selected by `at`, comparable: a 2-D row as a tuple,
    NaN (an unknown duration, never equal to itself) as None."""
    columns = [np.asarray(getattr(snap, k))[at].tolist() for k in (id_key, *value_keys)]
    return zip(*([tuple(v) if isinstance(v, list) else None if v != v else v for v in c] for c in columns))


def forget_similar(folder: Path, settings) -> None:
    """Drop the saved grouping: the next one groups every photo again."""
    _similar_path(folder, settings).unlink(missing_ok=True)


def changed_since(snap: Snapshot, made_from: list, catalog: Catalog | None) -> np.ndarray | None:
    """Ids that may differ between the state a grouping was made from and `snap`.
    From the catalog they may include later changes too: searching a photo again
    that did not change costs a little time, never a wrong group."""
    if made_from == getattr(snap, "fingerprint", None):
        return np.empty(0, np.int64)
    if made_from == getattr(snap, "previous", None) and getattr(snap, "changed", None) is not None:
        return snap.changed
    if catalog is None:
        return None
    chunks, gone = catalog.changed_since(("id",), made_from)
    return np.array([r[0] for chunk in chunks for r in chunk] + list(gone), np.int64)


def save_pairs(folder: Path, settings, snap: Snapshot, pairs) -> None:
    """Keep a grouping's neighbour pairs (rows of `snap`) by item id, for the next mount."""
    fingerprint = getattr(snap, "fingerprint", None)
    if fingerprint is None or not folder.is_dir():
        return
    a, b, kind = pairs
    path = _similar_path(folder, settings)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.npz")
    try:
        np.savez(tmp, key=json.dumps({"format": SIMILAR_FORMAT, "fingerprint": fingerprint, "n": len(snap)}),
                 a=np.asarray(snap.ids)[a], b=np.asarray(snap.ids)[b], kind=kind)
        os.replace(tmp, path)
    except OSError as e:
        log.warning("could not save the grouping in %s: %s", path, e)
