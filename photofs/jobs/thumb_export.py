"""`photofs export-thumbs DIR [--view V]` and `photofs rebuild --from-thumbs DIR`.

Export writes views as real folders of real thumbnail files (the same bytes the
mount serves, mtime = capture time). Every thumbnail carries its item's record
in EXIF, so such a folder is a backup of the catalog: rebuild reads the records
back into a catalog, puts the thumbnails back into the cache, and takes the
folder each file sits in as its sort state (a folder the view's rule would not
have put it in becomes a pin; folders the rule does not make become your
folders; files in `to-delete/` are queued again).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from photofs.domain.items import ItemState
from photofs.domain.local_time import week_of
from photofs.domain.sorting import TO_DELETE, VIEWS, SortChange, is_desktop_name
from photofs.errors import PhotofsError
from photofs.imaging import colour
from photofs.domain.sorting import QueueState
from photofs.imaging.exif_record import files_from_record, item_from_record, read_record
from photofs.imaging.phash import phash_and_variants
from photofs.jobs.removal_queue import queue_entries
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.vfs import PhotoVFS, Placement


REMOVED = "removed"  # beside the views: photos deleted from Google, kept on the NAS


def export_thumbs(lib: LibraryFolder, out: Path, views: list[str] | None = None) -> JobSummary:
    for view in views or []:
        if view not in VIEWS:
            raise PhotofsError(f"unknown view {view!r}; views are: {', '.join(VIEWS)}")
    summary = JobSummary("export-thumbs")
    vfs = PhotoVFS(lib.path, refresh_seconds=3600)
    try:
        for view in views or VIEWS:
            _export_dir(vfs, f"/{view}", out / view, summary)
        if not views:
            _export_removed(lib, out / REMOVED, summary)
    except OSError as e:
        raise PhotofsError(f"cannot write to {out}: {e.strerror or e}") from None
    finally:
        vfs.close()
    return summary


def _export_dir(vfs: PhotoVFS, path: str, dest: Path, summary: JobSummary) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name, st in vfs.listdir(path):
        if is_desktop_name(name):
            continue
        child = f"{path}/{name}"
        if st.is_dir:
            _export_dir(vfs, child, dest / name, summary)
            continue
        target = dest / name
        data = vfs.read_file(child)
        if not (target.exists() and target.read_bytes() == data):
            target.write_bytes(data)
            summary.counts["written"] += 1
        else:
            summary.counts["unchanged"] += 1
        os.utime(target, (st.mtime, st.mtime))


def _export_removed(lib: LibraryFolder, dest: Path, summary: JobSummary) -> None:
    """Photos confirmed deleted from Google are in no view, yet the NAS keeps them: the
    backup must too, or a rebuild would forget them and their NAS copies."""
    removed = [item for item, _ in queue_entries(lib, [str(QueueState.REMOVED)]) if item.phash]
    if not removed:
        return
    dest.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for item in removed:
        name = f"{item.phash}.jpg" if f"{item.phash}.jpg" not in taken else f"{item.phash}~{item.id}.jpg"
        taken.add(name)
        try:
            data = lib.thumbs.get_or_make(item)
        except Exception as e:  # neither the cache, the source nor the NAS copy can give it back
            summary.problem(item.original_name, f"no thumbnail to export ({e})")
            continue
        target = dest / name
        if not (target.exists() and target.read_bytes() == data):
            target.write_bytes(data)
            summary.counts["written"] += 1
        else:
            summary.counts["unchanged"] += 1
        if item.taken_at is not None:
            os.utime(target, (item.taken_at, item.taken_at))


def rebuild_from_thumbs(lib: LibraryFolder, folder: Path) -> JobSummary:
    if not folder.is_dir():
        raise PhotofsError(f"{folder}: not a folder of thumbnails")
    summary = JobSummary("rebuild")
    cat, store = lib.catalog, lib.thumbs
    found: dict[tuple[str, str], tuple] = {}   # identity -> (item, jpeg, its files)
    places: list[tuple[tuple[str, str], tuple[str, ...]]] = []
    removed: set[tuple[str, str]] = set()
    for path in sorted(folder.rglob("*.jpg")):
        rel = path.relative_to(folder).parts
        try:
            data = path.read_bytes()
            record = read_record(data)
            item = item_from_record(record)
        except (OSError, ValueError, TypeError) as e:
            summary.counts["not photofs thumbnails"] += 1
            summary.problem(str(path), str(e))
            continue
        key = (item.source, item.source_id)
        found.setdefault(key, (item, data, files_from_record(record)))
        if rel[0] in VIEWS:
            places.append((key, rel[:-1]))
        elif rel[0] == REMOVED:
            removed.add(key)
    # Items back into the catalog, their thumbnails back into the cache.
    existing = {(i.source, i.source_id) for i in cat.items()}
    new = [(item, files) for key, (item, _, files) in found.items() if key not in existing]
    for item, _ in new:
        item.week = week_of(lib.calendar, item.taken_at, item.tz_offset_min) if item.taken_at is not None else None
        item.state = ItemState.INDEXED
    cat.upsert_many([i for i, _ in new], [f or None for _, f in new])
    for item, files in new:  # their verified NAS copies come back with them
        for f in files:
            if f.nas_path and f.nas_sha256:
                cat.set_file_archived(item.id, f.role, f.name, f.nas_path, f.nas_sha256, f.nas_size)
    summary.counts["items restored"] = len(new)
    summary.counts["already in the catalog"] = len(found) - len(new)
    for item, data, _ in found.values():
        item_id = cat.get_by_source(item.source, item.source_id).id
        item.id = item_id
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            pixels = img.convert("RGB")
            phash, variants = phash_and_variants(pixels)
            cat.set_thumbnail(item_id, f"{phash:016x}", len(data), variants.astype("<u8").tobytes(), colour.signature(pixels))
        item.phash = phash
        store.cache.set(store.key(cat.get(item_id)), data)
    empty_dirs = [p.relative_to(folder).parts for p in folder.rglob("*") if p.is_dir()]
    _restore_sort_state(lib, found, places, [d for d in empty_dirs if d[0] in VIEWS and len(d) > 1], summary)
    if removed:  # deleted from Google already: back in the queue, as removed
        ids = [cat.get_by_source(*key).id for key in removed]
        cat.apply_sort_change(SortChange(queue_add=set(ids)))
        cat.set_queue_state(ids, QueueState.REMOVED, tuple(QueueState))
        summary.counts["removed from the cloud"] = len(ids)
    return summary


def _restore_sort_state(lib, found, places, dirs, summary: JobSummary) -> None:
    cat = lib.catalog
    where = Placement(lib)
    for view, *sub in dirs:  # folders, the empty ones too: the rule's, or the user's
        if view != TO_DELETE and not where.exists(view, tuple(sub)):
            where.apply(SortChange(folders_add={(view, "/".join(sub[:d])) for d in range(1, len(sub) + 1)}))
    ids = {key: cat.get_by_source(*key).id for key in found}
    seen: dict[tuple[str, int], set[str]] = {}
    change = SortChange()
    for key, rel in places:
        view, sub = rel[0], rel[1:]
        item_id = ids[key]
        if view == TO_DELETE:
            change.queue_add.add(item_id)
            continue
        folder = where.rule_folder(view, sub)
        if folder is None:  # a folder the rule does not make: the user's
            folder = "/".join(sub)
            for depth in range(1, len(sub) + 1):
                change.folders_add.add((view, "/".join(sub[:depth])))
        seen.setdefault((view, item_id), set()).add(folder)
    for (view, item_id), folders in seen.items():
        where.place(change, view, item_id, folders)
    cat.apply_sort_change(change)
    summary.counts["queued again"] = len(change.queue_add)
    summary.counts["pins"] = sum(1 for f in change.pins.values() if f)
