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
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            return None
        arrays = {k: np.load(folder / f"{k}.npy", mmap_mode="r") for k in (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS)}
    except (OSError, ValueError, KeyError):
        return None  # missing, half-written by a crash, or from another version: rebuild
    snap = Snapshot(**arrays, **{k: list(meta["names"][k]) for k in Snapshot.NAME_LISTS})
    return snap, meta


def save(folder: Path, snap: Snapshot, fingerprint: list, extra: dict | None = None) -> None:
    """Write next to the folder, then swap it in: a reader sees the old or the new, whole."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        for k in (*Snapshot.ROW_ARRAYS, *Snapshot.SIDE_ARRAYS):
            np.save(tmp / f"{k}.npy", np.ascontiguousarray(getattr(snap, k)))
        meta = {"format": FORMAT, "fingerprint": fingerprint, "names": snap.names(), **(extra or {})}
        (tmp / "meta.json").write_text(json.dumps(meta))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as e:  # a full or read-only disk costs speed, never correctness
        log.warning("could not save the index in %s: %s", folder, e)
        shutil.rmtree(tmp, ignore_errors=True)


def current(catalog: Catalog, folder: Path) -> Snapshot:
    """The snapshot of the catalog as it is now: loaded, brought up to date, or built."""
    fingerprint = catalog.fingerprint()
    saved = load(folder)
    if saved is not None and saved[1]["fingerprint"] == fingerprint:
        snap = saved[0]
    else:
        snap = _updated(catalog, *saved, fingerprint) if saved is not None else None
        if snap is None:
            snap = Snapshot.from_catalog(catalog)
        save(folder, snap, fingerprint)
        reloaded = load(folder)  # memory-mapped: the arrays leave the heap
        snap = reloaded[0] if reloaded is not None and reloaded[1]["fingerprint"] == fingerprint else snap
    snap.fingerprint = fingerprint
    return snap


def _similar_key(folder: Path, snap: Snapshot, settings) -> tuple[Path, dict]:
    key = {"fingerprint": getattr(snap, "fingerprint", None), "threshold": settings.similarity_threshold,
           "flips": settings.similar_flips, "n": len(snap)}
    return folder / f"similar-{settings.similarity_threshold}-{int(settings.similar_flips)}.npz", key


def has_similar(folder: Path, snap: Snapshot, settings) -> bool:
    path, key = _similar_key(folder, snap, settings)
    try:
        with np.load(path) as f:
            return key["fingerprint"] is not None and json.loads(str(f["key"])) == key
    except (OSError, ValueError, KeyError):
        return False


def similar_tree(folder: Path, snap: Snapshot, settings):
    """/by-similar/'s grouping: saved beside the snapshot it was made from, since it
    is the one slow view (minutes at ten million photos) and depends only on it."""
    from photofs.views import by_similar
    path, key = _similar_key(folder, snap, settings)
    try:
        with np.load(path) as f:
            if key["fingerprint"] is not None and json.loads(str(f["key"])) == key:
                return by_similar.from_groups(snap, json.loads(str(f["names"])), f["rows"], f["offsets"])
    except (OSError, ValueError, KeyError):
        pass
    tree = by_similar.build(snap, settings.similarity_threshold, settings.similar_flips)
    if key["fingerprint"] is not None and folder.is_dir():
        names, rows, offsets = by_similar.to_groups(tree)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.npz")
        try:
            np.savez(tmp, key=json.dumps(key), names=json.dumps(names), rows=rows, offsets=offsets)
            os.replace(tmp, path)
        except OSError as e:
            log.warning("could not save the grouping in %s: %s", path, e)
    return tree


def _updated(catalog: Catalog, snap: Snapshot, meta: dict, fingerprint: list) -> Snapshot | None:
    """The saved snapshot with the items changed since joined in, or None when that
    cannot be exact (items were deleted from the catalog)."""
    count, last_id, last_change, _, queue_change = meta["fingerprint"]
    since = max(last_change or 0.0, queue_change or 0.0)
    chunks, gone, added = catalog.changed_since(COLUMNS, last_id or 0, since)
    if fingerprint[0] != count + added:
        return None
    changed = np.array([r[0] for chunk in chunks for r in chunk] + list(gone), np.int64)
    part = Snapshot.from_rows(chunks, snap.names())
    return snap.without(changed).joined(part)
