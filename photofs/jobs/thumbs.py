"""`photofs thumbs`: make (or refresh) thumbnails and perceptual hashes.

Resumable: an item is done once its thumbnail is in the cache and its hash in
the catalog; a re-run only does what is missing.
"""

from __future__ import annotations

from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import ItemState
from photofs.errors import PhotofsError
from photofs.sources.google.client import QuotaSpent
from photofs.imaging.decode import BadImage
from photofs.imaging.decoder_log import decoder_messages
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.registry import source_of


def make_thumbs(lib: LibraryFolder, weeks: tuple[int, int] | None = None, progress: bool | None = None) -> JobSummary:
    """Thumbnails for the items of `weeks` (inclusive), or of every item when None."""
    summary = JobSummary("thumbs")
    with decoder_messages(lib.log_path, "thumbs") as said:
        _make_thumbs(lib, weeks, progress, summary)
    if said.count:
        summary.counts["decoder warnings (in photofs.log)"] = said.count
    return summary


def _make_thumbs(lib: LibraryFolder, weeks, progress, summary: JobSummary) -> None:
    cat, store = lib.catalog, lib.thumbs
    todo = []
    for item in cat.items(weeks=weeks, states=[ItemState.INDEXED, ItemState.THUMBNAILED]):
        if item.state == ItemState.THUMBNAILED and item.dihedral and store.has(item):
            summary.counts["already done"] += 1
        else:
            todo.append(item)
    try:
        lib.prefetch_originals(todo)
    except PhotofsError as e:  # no login or Google unreachable: those items wait, the rest go on
        summary.problem("Google", str(e))
    google_day_over = False
    for item in tqdm(todo, desc="thumbnails", unit=" photos", disable=None if progress is None else not progress):
        if google_day_over and source_of(item).kind == "google":
            summary.counts["waiting for tomorrow's Google quota"] += 1
            continue
        try:
            data, thumb = store.make(item)
        except BadImage as e:
            cat.set_error(item.id, str(e))
            summary.counts["errors"] += 1
            summary.problem(item.source_id, str(e))
            continue
        except QuotaSpent as e:  # Google's day is over: its items wait for tomorrow, the others go on
            google_day_over = True
            summary.counts["waiting for tomorrow's Google quota"] += 1
            summary.problem("Google", str(e))
            continue
        except (OSError, PhotofsError) as e:
            # The original is not reachable right now (NAS offline? Google?): leave it for the next run.
            summary.counts["not reachable"] += 1
            summary.problem(item.source_id, f"cannot read original: {getattr(e, 'strerror', None) or e}; will retry next run")
            continue
        cat.set_thumbnail(item.id, thumb.phash, len(data), thumb.dihedral, thumb.histogram, thumb.frames)
        summary.counts["made"] += 1
    if any(source_of(i).kind == "google" for i in todo):
        from photofs.jobs.twins import join_google_twins
        joined = join_google_twins(lib)
        if joined:
            summary.counts["Google items found to be Takeout photos"] = joined
