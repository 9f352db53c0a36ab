"""`photofs thumbs`: make (or refresh) thumbnails and perceptual hashes.

Resumable: an item is done once its thumbnail is in the cache and its hash in
the catalog; a re-run only does what is missing.

The work (read, decode, thumbnail, hashes, colour) runs in a pool of workers, one
per core by default or on a Dask cluster (jobs/pool.py, jobs/thumb_work.py); the
catalog and the cache are written here, in this one process, one item at a time as
its result comes back, so a crash loses only the work in flight. Google's items stay
in this process: they share its login and its daily quota.
"""

from __future__ import annotations

from dataclasses import replace

from photofs.domain.items import ItemState
from photofs.errors import PhotofsError, QuotaSpent
from photofs.imaging.decoder_log import decoder_messages
from photofs.jobs.pool import open_pool, read_ahead_files
from photofs.jobs.summary import JobSummary, Tally
from photofs.jobs.thumb_work import ThumbTask, make_one
from photofs.library_folder import LibraryFolder
from photofs.sources.registry import local_paths, source_of


def make_thumbs(lib: LibraryFolder, weeks: tuple[int, int] | None = None, progress: bool | None = None,
                workers: int | None = None, cluster: str | None = None) -> JobSummary:
    """Thumbnails for the items of `weeks` (inclusive), or of every item when None; on `workers`
    local processes (default: every core) or on the Dask cluster at `cluster` (default: the
    library's `cluster_address`, "" for none)."""
    summary = JobSummary("thumbs")
    cluster = lib.settings.cluster_address if cluster is None else cluster
    with decoder_messages(lib.log_path, "thumbs") as said:
        _make_thumbs(lib, weeks, progress, summary, workers, cluster, said)
    if said.count:
        summary.counts["decoder warnings (in photofs.log)"] = said.count
    return summary


def _make_thumbs(lib: LibraryFolder, weeks, progress, summary: JobSummary, workers, cluster: str, said) -> None:
    cat, store, s = lib.catalog, lib.thumbs, lib.settings
    states = [ItemState.INDEXED, ItemState.THUMBNAILED]
    nbytes = cat.size_of_items(weeks, states)  # the bar's total
    google: list[ThumbTask] = []  # kept for this process (below); they are few: Google's quota bounds them

    def local_tasks():
        """The tasks of local items, a catalog batch at a time: the pass never holds them all."""
        for batch in cat.item_batches(weeks=weeks, states=states):
            for item in batch:
                if store.is_done(item):
                    summary.counts["already done"] += 1
                    tally.skip(item.size or 0)
                    continue
                task = ThumbTask(item, tuple(cat.files(item.id)), s.thumbnail_size, s.max_pixels)
                if source_of(item).kind == "google":
                    google.append(task)
                else:
                    yield task

    def record(task: ThumbTask, result) -> None:
        item = task.item
        said.elsewhere += result.said
        if result.bad is not None:
            cat.set_error(item.id, result.bad)
            summary.counts["errors"] += 1
            summary.problem(item.source_id, result.bad)
        elif result.unreachable is not None:
            # The original is not reachable right now (NAS offline? Google?): leave it for the next run.
            summary.counts["not reachable"] += 1
            summary.problem(item.source_id, f"cannot read original: {result.unreachable}; will retry next run")
        elif item.sha256 and result.sha256 and result.sha256 != item.sha256:
            summary.counts["changed since indexed"] += 1
            summary.problem(item.source_id, "its bytes changed since it was indexed; run add-folder again")
        else:
            if result.sha256 and not item.sha256:  # its first full read: the content hash is known now,
                cat.set_content_hash(item.id, result.sha256)  # and goes into the thumbnail's record
                item = replace(item, sha256=result.sha256)
            data = store.put(item, result.thumb)
            t = result.thumb
            cat.set_thumbnail(item.id, t.phash, len(data), t.dihedral, t.histogram, t.frames)
            summary.counts["made"] += 1
        tally.add(item.size or 0, result.bytes_read)

    with Tally("thumbnails", nbytes, progress) as tally:
        with open_pool(workers, cluster) as pool:
            for task, result, failed in pool.run(make_one, local_tasks(), read_ahead=_read_ahead):
                if failed is None:
                    record(task, result)
                elif failed.culprit:
                    cat.set_error(task.item.id, failed.reason)
                    summary.counts["errors"] += 1
                    summary.problem(task.item.source_id, failed.reason)
                else:
                    summary.counts["not done (the pool failed; will retry next run)"] += 1
                    summary.problem(task.item.source_id, failed.reason)
                if failed is not None:
                    tally.add(task.item.size or 0, 0)
        if google:
            _google_thumbs(lib, google, summary, record)
    summary.rates.update(tally.rates())
    cat.record_rate(summary.job, tally.photos, tally.bytes, tally.elapsed())  # for the ETA in `photofs status`
    if google:
        from photofs.jobs.twins import join_google_twins
        joined = join_google_twins(lib)
        if joined:
            summary.counts["Google items found to be Takeout photos"] = joined


def _read_ahead(task: ThumbTask) -> None:
    read_ahead_files(local_paths(task.item, task.files[:1]))


def _google_thumbs(lib: LibraryFolder, tasks: list[ThumbTask], summary: JobSummary, record) -> None:
    """Google's items, here and one after another: its login and quota are this process's."""
    try:
        lib.prefetch_originals([t.item for t in tasks])
    except PhotofsError as e:  # no login or Google unreachable: those items wait, the rest go on
        summary.problem("Google", str(e))
    for i, task in enumerate(tasks):
        try:
            record(task, make_one(task, lib))
        except QuotaSpent as e:  # Google's day is over: its items wait for tomorrow
            summary.counts["waiting for tomorrow's Google quota"] += len(tasks) - i
            summary.problem("Google", str(e))
            return
