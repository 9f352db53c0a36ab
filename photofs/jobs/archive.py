"""`photofs archive [--weeks A-B]`: copy every file of every item to the NAS, verified.

An item's files (the still or video, its motion video, the RAW and JPEG of a pair)
go to `NAS/YYYY/NNNN_YYYY-MM-DD/` (undated ones to `NAS/undated/`), side by side
under one stem: `IMG_1.HEIC` and `IMG_1.MOV`, or `IMG_1 (2).HEIC` and
`IMG_1 (2).MOV` when the name was taken. Names are made safe for any NAS
(domain/names.safe_file_name); the true name stays in the catalog and the record.
Nothing is ever written over another file, and every path is checked to be inside
the NAS folder.

Each file is streamed (memory stays flat whatever its size) into a temporary file
while being hashed, fsynced, read back and hashed again, and only then linked into
place (jobs/archive_copy.py); its SHA-256 and size go into the catalog. The copies
run in the pass's worker pool (jobs/pool.py: every core, or a Dask cluster), and an
item without a thumbnail gets it from the same bytes: each original is read once
(with `thumbnails=True`, as `photofs week` runs it). An item counts as archived (and
a queued removal becomes safe to offer) only once every one of its files is. A
JSON record of everything photofs knows sits next to the shown file
(`<name>.photofs.json`). Each file's mtime is the capture time. A JPEG that lacks
GPS or a description that Google's sidecar has gets them written into its EXIF
(Google strips GPS from downloads).

Re-running copies nothing twice; a killed run resumes, and a copy interrupted
before its rename leaves only a temporary file, which the next run removes. A
file already there under the same name with the same bytes is verified and used.
One item's failure is that item's problem and the run goes on; only a failure of
the whole NAS (full, gone, read-only) stops it.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from pathlib import Path

from photofs.domain.items import Item, ItemFile, ItemState
from photofs.errors import PhotofsError
from photofs.imaging.decoder_log import decoder_messages
from photofs.imaging.exif_record import record_of
from photofs.jobs.archive_copy import (HOST, NAS_MARKER, TMP_PREFIX, CopyResult, CopyTask, SourceError, _still_there,
                                       copy_item, still_mounted as _still_mounted, sweep_leftovers)
from photofs.jobs.pool import open_pool, read_ahead_files
from photofs.jobs.summary import JobSummary, Tally
from photofs.library_folder import LibraryFolder
from photofs.sources.registry import local_paths, source_of

__all__ = ["NAS_MARKER", "TMP_PREFIX", "archive", "destination_folder", "nas_root"]

# Errors that mean the NAS itself cannot take files now: the job stops, nothing is half-written.
NAS_WIDE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENODEV, errno.ENXIO,
            errno.ESTALE, errno.EHOSTDOWN, errno.ENOTCONN}


def nas_root(lib: LibraryFolder) -> Path:
    """The NAS folder, checked to be the one photofs archives into. An unmounted share
    leaves its empty mount point behind: copies written there would land on the laptop
    and vanish under the share once it is mounted again. The marker file tells them apart."""
    if not lib.settings.nas_path:
        raise PhotofsError("no NAS folder is set: add nas_path to photofs.toml (or photofs init --nas DIR)")
    root = Path(lib.settings.nas_path).expanduser()
    if not root.is_dir():
        raise PhotofsError(f"NAS folder {root} is not reachable (not mounted?); nothing was copied")
    marker = root / NAS_MARKER
    if not marker.exists():
        if lib.catalog.verified_file_count():
            raise PhotofsError(f"NAS folder {root} has no {NAS_MARKER}, yet photofs archived there before: "
                               "is the share mounted? Nothing was copied")
        try:
            marker.write_text("photofs archives this folder; see photofs.log in the library for its runs\n")
        except OSError as e:
            raise PhotofsError(f"cannot write to the NAS folder {root} ({e.strerror or e}); nothing was copied") from None
    return root


def destination_folder(lib: LibraryFolder, item: Item) -> Path:
    """The item's effective week decides: a photo the user moved into another week (an
    undated one too) is archived in that week's folder, under that week's year."""
    cal = lib.calendar
    if item.week is None or (item.taken_at is None and item.week_source != "user"):
        return Path("undated")
    if item.week_source == "user" or item.taken_at is None:
        year = cal.monday_of_week(item.week).year
    else:
        year = dt.datetime.fromtimestamp(item.taken_at, cal.tz).year
    if item.week < 0:
        return Path("before-birth") / f"{year:04d}"
    return Path(f"{year:04d}") / cal.folder_name(item.week)


def archive(lib: LibraryFolder, weeks: tuple[int, int] | None = None, progress: bool | None = None,
            workers: int | None = None, cluster: str | None = None, thumbnails: bool = False) -> JobSummary:
    """Archive the items of `weeks` (every item when None). With `thumbnails`, an item that has
    none yet gets it from the bytes read for its copy."""
    summary = JobSummary("archive")
    with decoder_messages(lib.log_path, "archive") as said:
        _archive(lib, weeks, progress, workers, cluster, thumbnails, summary, said)
    if said.count:
        summary.counts["decoder warnings (in photofs.log)"] = said.count
    return summary


def _archive(lib, weeks, progress, workers, cluster, thumbnails, summary, said) -> None:
    root = nas_root(lib)
    cat, s = lib.catalog, lib.settings
    cluster = s.cluster_address if cluster is None else cluster
    planned = cat.unverified_bytes(weeks)
    google: list[CopyTask] = []  # kept for this process (below); Google's quota bounds them
    swept: set[Path] = set()

    def sweep(folder: Path) -> None:
        """Before the first copy into a folder: its temporary files of runs that died go."""
        if folder not in swept:
            swept.add(folder)
            if folder.is_dir():
                sweep_leftovers(folder)

    def local_tasks():
        """The copies to make, a catalog batch at a time: the pass never holds them all."""
        for batch in cat.item_batches(weeks=weeks):
            for item in batch:
                # Items in error too: a file Pillow cannot read is still the user's, and is copied like any other.
                if item.state == ItemState.MISSING or item.trashed:
                    continue
                files = cat.files(item.id)
                if files and all(f.verified and _still_there(Path(f.nas_path), f.nas_size) for f in files):
                    summary.counts["already archived"] += 1
                    shown = Path(files[0].nas_path)
                    sweep(shown.parent)
                    if not _record_path(shown).exists():  # a run killed between the copies and their record
                        _write_record(shown, item, files)
                    continue
                folder = destination_folder(lib, item)
                sweep(root / folder)
                wants_thumb = thumbnails and item.state != ItemState.ERROR and not lib.thumbs.is_done(item)
                task = CopyTask(item, tuple(files), str(root), str(folder), wants_thumb, s.thumbnail_size, s.max_pixels)
                if source_of(item).kind == "google":
                    google.append(task)
                else:
                    yield task

    with Tally("archive", planned, progress) as tally:

        def record(task: CopyTask, result: CopyResult) -> None:
            said.elsewhere += result.said
            _record(lib, root, task, result, summary)
            tally.add(sum(f.size or 0 for f in task.files if not f.verified), result.bytes_read)

        stopped: list[PhotofsError] = []  # the NAS as a whole failed: what is in flight is still recorded
        with open_pool(workers, cluster) as pool:
            for task, result, failed in pool.run(copy_item, local_tasks(), stop=lambda: bool(stopped),
                                                 read_ahead=lambda t: read_ahead_files(local_paths(t.item, t.files))):
                if failed is not None:  # a worker died on it: the copy, if any, was never recorded
                    summary.counts["not done (will retry next run)"] += 1
                    summary.problem(task.item.original_name, failed.reason)
                    tally.add(0, 0)
                    continue
                try:
                    record(task, result)
                except PhotofsError as e:
                    stopped.append(e)
        for task in google if not stopped else []:  # Google's items here: they share this process's login and quota
            try:
                record(task, copy_item(task, lib))
            except PhotofsError as e:
                stopped.append(e)
                break
        if stopped:
            raise stopped[0]
    summary.rates.update(tally.rates())
    cat.record_rate(summary.job, tally.photos, tally.bytes, tally.elapsed())  # for the ETA in `photofs status`
    promoted = cat.promote_archived()
    if promoted:
        summary.counts["queued photos now safe to remove"] = promoted


def _record(lib: LibraryFolder, root: Path, task: CopyTask, result: CopyResult, summary: JobSummary) -> None:
    """Write what one worker copied into the catalog; a NAS-wide failure stops the job."""
    cat, item = lib.catalog, task.item
    complete = False
    for c in result.copied:
        complete = cat.set_file_archived(item.id, c.role, c.name, c.nas_path, c.sha256, c.size)
    e, current = result.error, cat.get(item.id)  # with the hashes and copies just recorded
    if result.copied:  # the record beside the shown file names every file's hash, now known
        try:
            _write_record(Path(result.copied[0].nas_path), current, cat.files(item.id))
        except OSError as record_error:
            e = e or record_error
    if isinstance(e, SourceError):
        summary.counts["original not reachable"] += 1
        summary.problem(item.original_name, f"cannot read the original ({e}); will retry next run")
        return
    if e is not None:
        if _nas_wide(root, e):
            raise PhotofsError(_nas_error(root, e, summary)) from None
        summary.counts["errors"] += 1
        summary.problem(item.original_name, f"cannot be written to the NAS ({e.strerror or e}); the other photos go on")
        return
    summary.counts["archived"] += 1
    if len(result.copied) > 1:
        summary.counts["of them with more than one file"] += 1
    if result.thumb is not None:  # read once: the thumbnail came from the bytes just copied
        data = lib.thumbs.put(current, result.thumb)
        t = result.thumb
        cat.set_thumbnail(item.id, t.phash, len(data), t.dihedral, t.histogram, t.frames)
        summary.counts["thumbnails made on the way"] += 1
    elif result.bad is not None:
        cat.set_error(item.id, result.bad)
        summary.problem(item.original_name, f"archived, but {result.bad}")
    elif complete:  # the thumbnail's record now names the NAS copies: served bytes and st_size follow
        size = lib.thumbs.restamp(current)
        if size is not None:
            cat.set_thumb_size(item.id, size)


def _nas_wide(root: Path, e: OSError) -> bool:
    return e.errno in NAS_WIDE or not _still_mounted(root)


def _nas_error(root: Path, e: OSError, summary: JobSummary) -> str:
    done = summary.counts["archived"]
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the NAS is full ({root}); {done} photos were archived and verified, none is half-written. Free space and run archive again"
    if not _still_mounted(root):
        return f"the NAS folder {root} went away during the archive; {done} photos were archived and verified. Run archive again when it is back"
    return f"cannot write to the NAS ({e.strerror or e}: {root}); {done} photos were archived and verified"


def _record_path(copy: Path) -> Path:
    return copy.with_name(copy.name + ".photofs.json")


def _write_record(final: Path, item: Item, files: list[ItemFile]) -> None:
    record = record_of(item)
    record["nas_path"] = str(final)
    record["files"] = [{"role": f.role, "name": f.name, "size": f.size, "sha256": f.sha256} for f in files]
    data = (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    side = _record_path(final)
    tmp = final.with_name(f"{TMP_PREFIX}{HOST}-{os.getpid()}-record.json")  # a dead run's is cleared like a copy's
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, side)  # ours alone: replacing an older record of the same copy is right
    finally:
        tmp.unlink(missing_ok=True)  # a full NAS must not leave a half-written record behind
