"""The snapshot kept on disk in LIBRARY/index/, so that a mount of ten million
photos starts in seconds: plain .npy arrays, memory-mapped on load (pages are
read when a view touches them), and a meta.json saying which catalog state
they are.

When the catalog has moved on, only the items added or changed since are read
and joined in; anything else (an item deleted from the catalog) rebuilds. Like
the thumbnail cache it can always be regenerated: delete the folder and the
next mount rebuilds it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from photofs.catalog import Catalog
from photofs.index.snapshot import COLUMNS, Snapshot

FORMAT = 1
log = logging.getLogger(__name__)


def load(folder: Path) -> tuple[Snapshot, dict] | None:
    folder = folder / "snapshot"
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            return None
        arrays = {k: np.load(folder / f"{k}.npy", mmap_mode="r") for k in (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS)}
    except (OSError, ValueError, KeyError):
        return None  # missing, half-written by a crash, or from another version: rebuild
    snap = Snapshot(**arrays, **{k: list(meta["names"][k]) for k in Snapshot.NAME_LISTS})
    return snap, meta


def save(folder: Path, snap: Snapshot, fingerprint: list, extra: dict | None = None,
         changed: np.ndarray | None = None) -> None:
    """Write next to the snapshot folder, then swap it in: a reader sees the old or the
    new, whole. `changed`: the ids that differ from the previous snapshot (for grouping)."""
    target = folder / "snapshot"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder))
    try:
        for k in (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS):
            np.save(tmp / f"{k}.npy", np.ascontiguousarray(getattr(snap, k)))
        if changed is not None:
            np.save(tmp / "changed.npy", changed)
        meta = {"format": FORMAT, "fingerprint": fingerprint, "names": snap.names(), **(extra or {})}
        (tmp / "meta.json").write_text(json.dumps(meta))
        old = folder / "snapshot.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as e:  # a full or read-only disk costs speed, never correctness
        log.warning("could not save the index in %s: %s", folder, e)
        shutil.rmtree(tmp, ignore_errors=True)


def save_appended(folder: Path, snap: Snapshot, part: Snapshot, fingerprint: list, extra: dict,
                  changed: np.ndarray) -> bool:
    """The common update, new photos only (ids after the last): each array file is
    copied by the kernel, its header rewritten and the new rows appended, so the
    mount never holds the whole snapshot in its heap. False when it cannot be done
    that way (the caller then saves the joined snapshot)."""
    source, target = folder / "snapshot", folder / "snapshot"
    tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder))
    try:
        for k in (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS):
            if not _append_npy(source / f"{k}.npy", tmp / f"{k}.npy", np.asarray(getattr(part, k))):
                shutil.rmtree(tmp, ignore_errors=True)
                return False
        np.save(tmp / "changed.npy", changed)
        meta = {"format": FORMAT, "fingerprint": fingerprint, "names": part.names(), **extra}
        (tmp / "meta.json").write_text(json.dumps(meta))
        old = folder / "snapshot.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
        return True
    except OSError as e:
        log.warning("could not save the index in %s: %s", folder, e)
        shutil.rmtree(tmp, ignore_errors=True)
        return False


def _append_npy(src: Path, dst: Path, rows: np.ndarray) -> bool:
    with open(src, "rb") as f:
        major, _ = np.lib.format.read_magic(f)
        if major != 1:
            return False
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        data_at = f.tell()
    if fortran or rows.shape[1:] != shape[1:]:
        return False
    shape = (shape[0] + len(rows), *shape[1:])
    header = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
    header = header.encode("latin1")
    if 10 + len(header) + 1 > data_at:
        return False  # the new shape does not fit the old header's padding
    header = header + b" " * (data_at - 10 - len(header) - 1) + b"\n"
    shutil.copyfile(src, dst)  # copy_file_range/sendfile: the kernel copies, not this process
    with open(dst, "r+b") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
        f.seek(0, os.SEEK_END)
        f.write(np.ascontiguousarray(rows, dtype=dtype).tobytes())
    return True


def current(catalog: Catalog, folder: Path) -> Snapshot:
    """The snapshot of the catalog as it is now: loaded, brought up to date, or built."""
    fingerprint = catalog.fingerprint()
    saved = load(folder)
    if saved is not None and saved[1]["fingerprint"] == fingerprint:
        snap, meta = saved
    else:
        update = _updated(catalog, *saved, fingerprint) if saved is not None else None
        if update is not None:
            kept, part, changed = update
            meta = {"previous": saved[1]["fingerprint"]}
            appended = (kept is saved[0] and (not len(kept.ids) or not len(part.ids) or part.ids[0] > kept.ids[-1])
                        and save_appended(folder, kept, part, fingerprint, meta, changed))
            snap = None if appended else kept.joined(part)
            if not appended:
                save(folder, snap, fingerprint, meta, changed)
        else:
            snap, meta = Snapshot.from_catalog(catalog), {}
            save(folder, snap, fingerprint)
        reloaded = load(folder)  # memory-mapped: the arrays leave the heap
        if reloaded is not None and reloaded[1]["fingerprint"] == fingerprint:
            snap, meta = reloaded
        elif snap is None:  # appended, then lost (another process saved meanwhile): join in memory
            snap = kept.joined(part)
    snap.fingerprint = fingerprint
    snap.previous = meta.get("previous")
    return snap


def _updated(catalog: Catalog, snap: Snapshot, meta: dict, fingerprint: list):
    """(the saved snapshot less the items changed since, those items as they are now,
    the changed ids), or None when that cannot be exact (items deleted from the catalog)."""
    count, last_id, last_change, _, queue_change = meta["fingerprint"]
    since = max(last_change or 0.0, queue_change or 0.0)
    chunks, gone, added = catalog.changed_since(COLUMNS, last_id or 0, since)
    if fingerprint[0] != count + added:
        return None
    changed = np.array([r[0] for chunk in chunks for r in chunk] + list(gone), np.int64)
    part = Snapshot.from_rows(chunks, snap.names())
    existing = changed[changed <= (last_id or 0)] if len(changed) else changed
    kept = snap.without(existing) if len(existing) else snap  # new photos only: nothing to take out
    return kept, part, changed


def changed_ids(folder: Path) -> np.ndarray | None:
    try:
        return np.load(folder / "snapshot" / "changed.npy")
    except (OSError, ValueError):
        return None


# -- /by-similar/ ----------------------------------------------------------------------

def _similar_path(folder: Path, settings) -> Path:
    return folder / f"similar-{settings.similarity_threshold}-{int(settings.similar_flips)}.npz"


def _saved_pairs(folder: Path, settings):
    """(fingerprint it was made from, a ids, b ids, kinds), or None."""
    try:
        with np.load(_similar_path(folder, settings)) as f:
            key = json.loads(str(f["key"]))
            if key.get("format") != FORMAT:
                return None
            return key["fingerprint"], f["a"], f["b"], f["kind"]
    except (OSError, ValueError, KeyError):
        return None


def has_similar(folder: Path, snap: Snapshot, settings) -> bool:
    """Saved for this very snapshot, or for the one before it (an update is quick)."""
    saved = _saved_pairs(folder, settings)
    fingerprint = getattr(snap, "fingerprint", None)
    return saved is not None and fingerprint is not None and saved[0] in (fingerprint, getattr(snap, "previous", None))


def similar_tree(folder: Path, snap: Snapshot, settings):
    """/by-similar/'s grouping. Its neighbour pairs are saved by item id beside the
    snapshot: a later mount reads them, and after a change only the changed photos
    are searched for (seconds at ten million photos, where a full grouping takes
    hours at the default threshold)."""
    from photofs.views import by_similar
    t, flips = settings.similarity_threshold, settings.similar_flips
    fingerprint = getattr(snap, "fingerprint", None)
    saved = _saved_pairs(folder, settings)
    tree = None
    if saved is not None and fingerprint is not None:
        made_from, a_ids, b_ids, kind = saved
        if made_from in (fingerprint, getattr(snap, "previous", None)):
            changed = changed_ids(folder) if made_from != fingerprint else np.empty(0, np.int64)
            if changed is not None:
                # Pairs between unchanged photos still hold; the changed ones are searched again.
                stale = np.isin(a_ids, changed) | np.isin(b_ids, changed)
                a, b = snap.rows_of(a_ids[~stale]), snap.rows_of(b_ids[~stale])
                if len(a) == int((~stale).sum()) and len(b) == len(a):
                    fresh = by_similar.pairs_of_rows(snap, snap.rows_of(changed), t, flips)
                    tree = by_similar.tree_of_pairs(snap, np.concatenate([a, fresh[0]]), np.concatenate([b, fresh[1]]),
                                                    np.concatenate([kind[~stale], fresh[2]]))
                    if made_from == fingerprint:
                        return tree
    if tree is None:
        tree = by_similar.build(snap, t, flips)
    if fingerprint is not None and folder.is_dir():
        a, b, kind = tree.pairs
        path = _similar_path(folder, settings)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.npz")
        try:
            np.savez(tmp, key=json.dumps({"format": FORMAT, "fingerprint": fingerprint, "n": len(snap)}),
                     a=np.asarray(snap.ids)[a], b=np.asarray(snap.ids)[b], kind=kind)
            os.replace(tmp, path)
        except OSError as e:
            log.warning("could not save the grouping in %s: %s", path, e)
    return tree
