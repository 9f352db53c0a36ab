"""`photofs rebuild --originals DIR`: match originals on the NAS to the catalog's files.

Each file of an item (the still, a Live Photo's video, a RAW twin) is matched on its
own. A NAS file matches by checksum (the same bytes: recorded as that file's verified
NAS copy); a file whose hash was never taken (add-folder reads headers only) matches
when a NAS file of its name and size has the same bytes as its original, hashed where
it lies. Otherwise an item matches by original name and capture time (within 2 s), else
by perceptual hash (within 4 bits: a re-encoded or edited copy); those are reported,
not recorded. What is only on one side is reported, never deleted or changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from photofs.domain.items import Item, ItemFile
from photofs.domain.weeks import timestamp_of_wall_clock
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage, open_image
from photofs.imaging.metadata import read_header
from photofs.imaging.thumbnail import make_thumbnail
from photofs.index.hamming import HammingIndex
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.folder import FileFound, Unreadable, sha256_file, walk
from photofs.sources.registry import places_to_try

PHASH_BITS = 4


def reconcile(lib: LibraryFolder, folder: Path) -> JobSummary:
    if not folder.is_dir():
        raise PhotofsError(f"{folder}: not a folder of originals")
    summary = JobSummary("reconcile")
    cat = lib.catalog
    items = cat.items()  # a missing item too: its source lost it, and its copy is what is looked for
    files = {i.id: cat.files(i.id) for i in items}
    by_sha: dict[str, list] = {}  # byte-identical twins share one copy
    unhashed: dict[tuple[str, int], list] = {}  # (name, size) of files read by their header only
    for i in items:
        for f in files[i.id]:
            for sha in {f.sha256, f.nas_sha256} - {None}:
                by_sha.setdefault(sha, []).append((i, f))
            if f.sha256 is None and f.size is not None:
                unhashed.setdefault((os.path.basename(f.name), f.size), []).append((i, f))
    by_name: dict[str, list] = {}
    for i in items:
        by_name.setdefault(i.original_name, []).append(i)
    matched: set[tuple[int, str, str]] = set()  # (item, role, name) of each file found
    leftovers = []
    for found in walk(str(folder)):
        if isinstance(found, Unreadable):
            summary.problem(found.path, f"cannot read: {found.reason}")
            continue
        if not isinstance(found, FileFound) or found.path.endswith(".photofs.json"):
            continue
        try:
            sha = sha256_file(found.path)
        except OSError as e:
            summary.problem(found.path, f"cannot read: {e.strerror or e}")
            continue
        twins = by_sha.get(sha) or _confirmed(lib, unhashed.get((os.path.basename(found.path), found.size), []),
                                             sha, found, summary)
        if twins:
            for item, f in twins:
                matched.add((item.id, f.role, f.name))  # hashed just now: a fresh verification
                cat.set_file_archived(item.id, f.role, f.name, found.path, sha, found.size)
            summary.counts["matched by checksum"] += 1
            continue
        leftovers.append(found)
    copied = {item_id for item_id, _, _ in matched}  # items with at least one file found by its bytes
    found_items = set(copied)
    unmatched_files = []
    for found in leftovers:
        item = _by_name_and_time(lib, found, by_name.get(os.path.basename(found.path), []))
        if item is not None:
            found_items.add(item.id)
            summary.counts["matched by name and time"] += 1
            summary.problem(found.path, f"same name and time as item {item.id} but other bytes (edited?): not recorded as its copy")
        else:
            unmatched_files.append(found)
    _by_phash(lib, unmatched_files, [i for i in items if i.id not in found_items and i.phash], found_items, summary)
    missing = [i for i in items if i.id not in found_items]
    summary.counts["in the catalog only"] = len(missing)
    for i in missing[:50]:
        summary.problem(i.original_name, f"item {i.id} has no original in {folder}")
    for item_id in sorted(copied):  # found, but not whole: a Live Photo's video, a RAW twin
        for f in files[item_id]:
            if (item_id, f.role, f.name) not in matched:
                summary.counts["files in the catalog only"] += 1
                summary.problem(f.name, f"the {f.role} file of item {item_id} has no copy in {folder}")
    return summary


def _confirmed(lib, candidates, sha: str, found: FileFound, summary: JobSummary) -> list:
    """The header-only files of this name and size whose original, hashed where it lies
    (never a copy on the NAS, nor Google: no quota spent), has the NAS file's bytes."""
    out = []
    for item, f in candidates:
        got = _original_sha(lib, item, f)
        if got == sha:
            out.append((item, f))
        elif got is None:
            summary.problem(found.path, f"same name and size as the {f.role} file of item {item.id}, whose original "
                                        "cannot be read to compare: not recorded as its copy")
    return out


def _original_sha(lib, item: Item, f: ItemFile) -> str | None:
    for src, place in places_to_try(item, f):
        if src.kind == "google":
            continue
        try:
            with src.open(lib, item, place) as stream:
                return hashlib.file_digest(stream, "sha256").hexdigest()
        except OSError:
            continue
    return None


def _by_name_and_time(lib, found: FileFound, candidates):
    if not candidates:
        return None
    try:
        with open(found.path, "rb") as f:
            meta = read_header(open_image(f, lib.settings.max_pixels))
    except (BadImage, OSError):
        return None
    if meta.taken_local is None:
        return None
    ts = timestamp_of_wall_clock(meta.taken_local, meta.tz_offset_min, lib.calendar.tz)
    return next((i for i in candidates if i.taken_at is not None and abs(i.taken_at - ts) <= 2), None)


def _by_phash(lib, files: list[FileFound], items, matched: set[int], summary: JobSummary) -> None:
    if not files:
        return
    hashes, kept = [], []
    for found in files:
        try:
            thumb = make_thumbnail(Path(found.path).read_bytes(), lib.settings.thumbnail_size, lib.settings.max_pixels)
        except (BadImage, OSError):
            summary.counts["on the NAS only"] += 1
            summary.problem(found.path, "not in the catalog (and not a readable photo)")
            continue
        hashes.append(int(thumb.phash, 16))
        kept.append(found)
    if not items or not hashes:  # nothing to compare with (no item has a thumbnail yet)
        qi = ci = np.empty(0, np.int64)
    else:
        index = HammingIndex(np.array([int(i.phash, 16) for i in items], dtype=np.uint64))
        qi, ci, _ = index.pairs(np.array(hashes, dtype=np.uint64), PHASH_BITS)
    hit = {}
    for q, c in zip(qi.tolist(), ci.tolist()):
        hit.setdefault(q, items[c])
    for n, found in enumerate(kept):
        if n in hit:
            matched.add(hit[n].id)
            summary.counts["matched by perceptual hash"] += 1
            summary.problem(found.path, f"looks like item {hit[n].id} ({hit[n].original_name}) but is another file: not recorded")
        else:
            summary.counts["on the NAS only"] += 1
            summary.problem(found.path, "not in the catalog")
