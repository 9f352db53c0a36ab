"""`photofs add-folder DIR`: index a folder of originals, recursively, in place.

Re-running does nothing new; a changed file (size or mtime) is re-indexed; a
file that vanished is marked missing, never dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import Item, ItemState, TimeSource
from photofs.domain.local_time import week_of
from photofs.domain.name_dates import date_from_name
from photofs.domain.weeks import timestamp_of_wall_clock
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage, open_image
from photofs.imaging.metadata import read_header
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.folder import FileFound, OtherFile, Unreadable, sha256_file, walk

SOURCE = "folder"
BATCH = 200  # catalog writes per transaction: a crash loses at most this much work


def add_folder(lib: LibraryFolder, folder: str | Path, progress: bool | None = None) -> JobSummary:
    root = Path(folder).expanduser()
    if not root.exists():
        raise PhotofsError(f"{root}: no such folder")
    if not root.is_dir():
        raise PhotofsError(f"{root}: not a folder")
    root_s = os.path.realpath(root)
    cat = lib.catalog
    known = cat.source_fingerprints(SOURCE, root_s + os.sep)
    seen: set[str] = set()
    unreadable: list[str] = []
    summary = JobSummary("add-folder")

    bar = tqdm(desc="indexing", unit=" files", disable=None if progress is None else not progress)
    pending: list = []
    for found in walk(root_s):
        bar.update()
        if isinstance(found, Unreadable):
            unreadable.append(found.path)
            summary.counts["unreadable"] += 1
            summary.problem(found.path, f"cannot read: {found.reason}; left as it was")
            continue
        if isinstance(found, OtherFile):
            summary.counts["skipped (not a photo type)"] += 1
            continue
        source_id = _source_id(found.path)
        seen.add(source_id)
        old = known.get(source_id)
        if old and old[1] == found.size and old[2] == found.mtime_ns and old[3] != ItemState.MISSING:
            summary.counts["unchanged"] += 1
            continue
        item = index_file(lib, found, source_id)
        pending.append(item)
        if len(pending) >= BATCH:
            cat.upsert_many(pending)
            pending.clear()
        if item.state == ItemState.ERROR:
            summary.counts["errors"] += 1
            summary.problem(source_id, item.error)
        else:
            summary.counts["re-indexed" if old else "new"] += 1
        for warning in item.warnings:
            summary.problem(source_id, warning)
    cat.upsert_many(pending)
    bar.close()

    # Vanished files: only those under folders we could read (an unreadable
    # folder's photos are not gone, we just cannot see them today).
    blocked = tuple(p.rstrip(os.sep) + os.sep for p in unreadable)
    gone = [v[0] for sid, v in known.items()
            if sid not in seen and v[3] != ItemState.MISSING and not sid.startswith(blocked)]
    if gone:
        summary.counts["missing"] += cat.mark_missing(gone)
    return summary


def _source_id(path: str) -> str:
    """Paths are stored as text; a name that is not valid UTF-8 is stored escaped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def index_file(lib: LibraryFolder, found: FileFound, source_id: str) -> Item:
    """Read one file's header and checksum into an Item; problems become state=error."""
    name = os.path.basename(source_id)
    item = Item(source=SOURCE, source_id=source_id, original_name=name, size=found.size, mtime_ns=found.mtime_ns)
    if source_id != found.path:
        return _error(item, "file name is not valid UTF-8; rename the file to index it")
    if not name.isprintable():
        item.warnings.append("file name has control characters; indexed, shown escaped")
    if found.size == 0:
        return _error(item, "empty file (0 bytes)")
    try:
        with open(found.path, "rb") as f:
            meta = read_header(open_image(f, lib.settings.max_pixels))
        item.sha256 = sha256_file(found.path)
    except BadImage as e:
        return _error(item, str(e))
    except OSError as e:
        return _error(item, f"cannot read: {e.strerror or e}")
    item.width, item.height, item.mime = meta.width, meta.height, meta.mime
    item.make, item.model = meta.make, meta.model
    if meta.gps:
        item.gps_lat, item.gps_lon, item.gps_alt = meta.gps
    cal = lib.calendar
    if meta.taken_local is not None:
        item.taken_at = timestamp_of_wall_clock(meta.taken_local, meta.tz_offset_min, cal.tz)
        item.tz_offset_min = meta.tz_offset_min
        item.time_source = TimeSource.EXIF
    elif (when := date_from_name(name)) is not None:  # before the mtime: often the day of a copy
        item.taken_at = timestamp_of_wall_clock(when.wall_clock, None, cal.tz)
        item.time_source = TimeSource.FILENAME
    elif found.mtime_ns > 0:
        item.taken_at = found.mtime_ns / 1e9
        item.time_source = TimeSource.MTIME
    # The EXIF offset places the photo on its local day (domain/local_time.py).
    item.week = week_of(cal, item.taken_at, item.tz_offset_min) if item.taken_at is not None else None
    item.state = ItemState.INDEXED
    return item


def _error(item: Item, reason: str) -> Item:
    item.state = ItemState.ERROR
    item.error = reason
    return item
