"""`photofs rebuild --originals DIR`: match originals on the NAS to catalog items.

A file matches an item by checksum (the same bytes: recorded as its verified NAS
copy), else by original name and capture time (within 2 s), else by perceptual
hash (within 4 bits: a re-encoded or edited copy; reported, not recorded). What
is only on one side is reported, never deleted or changed.
"""

from __future__ import annotations

import os

import numpy as np

from pathlib import Path

from photofs.domain.weeks import timestamp_of_wall_clock
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage, open_image
from photofs.imaging.metadata import read_header
from photofs.imaging.thumbnail import make_thumbnail
from photofs.index.hamming import HammingIndex
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.folder import FileFound, Unreadable, sha256_file, walk

PHASH_BITS = 4


def reconcile(lib: LibraryFolder, folder: Path) -> JobSummary:
    if not folder.is_dir():
        raise PhotofsError(f"{folder}: not a folder of originals")
    summary = JobSummary("reconcile")
    cat = lib.catalog
    items = [i for i in cat.items() if i.sha256]
    by_sha: dict[str, list] = {}  # byte-identical twins share one copy
    for i in items:
        by_sha.setdefault(i.sha256, []).append(i)
        if i.nas_sha256 and i.nas_sha256 != i.sha256:
            by_sha.setdefault(i.nas_sha256, []).append(i)
    by_name: dict[str, list] = {}
    for i in items:
        by_name.setdefault(i.original_name, []).append(i)
    matched: set[int] = set()
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
        twins = by_sha.get(sha)
        if twins:
            for item in twins:
                matched.add(item.id)
                if item.nas_sha256 != sha or item.nas_path != found.path:
                    cat.set_archived(item.id, found.path, sha, found.size)
            summary.counts["matched by checksum"] += 1
            continue
        leftovers.append(found)
    unmatched_files = []
    for found in leftovers:
        item = _by_name_and_time(lib, found, by_name.get(os.path.basename(found.path), []))
        if item is not None:
            matched.add(item.id)
            summary.counts["matched by name and time"] += 1
            summary.problem(found.path, f"same name and time as item {item.id} but other bytes (edited?): not recorded as its copy")
        else:
            unmatched_files.append(found)
    _by_phash(lib, unmatched_files, [i for i in items if i.id not in matched and i.phash], matched, summary)
    missing = [i for i in items if i.id not in matched]
    summary.counts["in the catalog only"] = len(missing)
    for i in missing[:50]:
        summary.problem(i.original_name, f"item {i.id} has no original in {folder}")
    return summary


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
    if not items:
        qi = np.empty(0, np.int64)
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
