"""`photofs week [N]`: one life week end to end, and what is left for you.

1. thumbnails for the week's photos;
2. the near-duplicate groups that hold its photos (to look at in /by-similar/);
3. its originals archived to the NAS, verified;
4. a removal worksheet for its photos that are safe to delete in Google Photos;
then the week is marked reviewed. Without N: the next unfinished week. Every
step resumes, and running it twice does nothing twice.

`--all-pending --quiet` is for cron or a systemd timer: a lock keeps two runs
apart, and the summary goes to LIBRARY/photofs.log. Exit codes: 0 done, 1 an
error (one line on stderr), 2 a mistyped command, 3 another run holds the lock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
import logging
import sys
from contextlib import contextmanager

from filelock import FileLock, Timeout

from photofs.domain.items import ItemState
from photofs.domain.progress import WeekState, week_state
from photofs.domain.wording import plural
from photofs.errors import PhotofsError
from photofs.index import saved
from photofs.jobs import removal_queue
from photofs.jobs.archive import archive
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.views import by_similar


class Locked(PhotofsError):
    exit_code = 3


@contextmanager
def library_lock(lib: LibraryFolder):
    """One `photofs week` at a time per library, on every system (filelock: flock on
    POSIX, msvcrt on Windows); a lock left by a killed run is freed by the system."""
    lock = FileLock(lib.path / ".photofs.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise Locked(f"another photofs run is working on {lib.path}; try again later") from None
    try:
        yield
    finally:
        lock.release()


def unfinished_weeks(lib: LibraryFolder) -> list[int]:
    figures = lib.catalog.week_figures()
    reviewed = lib.catalog.reviewed_weeks()
    # Reviewing is a step of its own: a week `archive` finished that nobody has been
    # through is still to do. Before-birth weeks (old scans) are pending work too; they come first.
    return [w for w in sorted(figures) if w not in reviewed or week_state(figures[w], True) < WeekState.ARCHIVED]


def run_weeks(lib: LibraryFolder, n: int | None, all_pending: bool = False, quiet: bool = False,
              workers: int | None = None, cluster: str | None = None) -> list[dict]:
    """`workers`, `cluster`: where the work runs (jobs/pool.py)."""
    log = _logger(lib)
    with library_lock(lib):
        if n is not None:
            weeks = [n]
        else:
            weeks = unfinished_weeks(lib)
            if not all_pending:
                weeks = weeks[:1]
        if not weeks and not quiet:
            print("every week with photos is done: nothing to do")
        results = []
        for week in weeks:
            result = run_week(lib, week, workers, cluster)
            results.append(result)
            log.info("week %s: %s", week, result["summary"])
            for problem in result["failures"]:
                log.error("week %s: %s", week, problem)
                if quiet:  # unattended: every failure is a line on stderr, and the exit code says so
                    print(f"photofs: week {week}: {problem}", file=sys.stderr)
            if not quiet:
                print(result["text"])
        return results


def run_week(lib: LibraryFolder, week: int, workers: int | None = None, cluster: str | None = None) -> dict:
    cat = lib.catalog
    cal = lib.calendar
    if not cat.items(week=week):
        raise PhotofsError(f"week {week} ({cal.folder_name(week)}) has no photos")
    # With a NAS, the archive comes first and makes the missing thumbnails from the bytes it
    # copies: each original is read once, plus the copy's verifying read-back.
    archived = None
    failures: list[str] = []
    archive_lines: list[str] = []
    if lib.settings.nas_path:
        try:
            archived = archive(lib, (week, week), progress=False, thumbnails=True, workers=workers, cluster=cluster)
            archive_lines.append("  " + archived.as_text())
            failures += [f"archive: {p}" for p in archived.problems]
        except PhotofsError as e:
            archive_lines.append(f"  ! archive: {e}")
            failures.append(f"archive could not run: {e}")
    else:
        archive_lines.append("  (no NAS set in photofs.toml: originals not archived yet)")
    thumbs = make_thumbs(lib, (week, week), progress=False, workers=workers, cluster=cluster)  # those the archive did not read
    if archived is not None:  # one line for the week's thumbnails, wherever they were made
        on_the_way = archived.counts.pop("thumbnails made on the way", 0)
        thumbs.counts["made"] += on_the_way
        thumbs.counts["already done"] -= on_the_way
        thumbs.counts += Counter()  # drop the zeros
    groups = similar_groups_of_week(lib, week)
    lines = [f"week {cal.folder_name(week)}:", "  " + thumbs.as_text()]
    if groups:
        lines.append("  near-duplicates to look at in /by-similar/:")
        lines += [f"    {name} (best: {why})" for name, why in groups.items()]
    lines += archive_lines
    folder = lib.path / "worksheets"
    folder.mkdir(exist_ok=True)
    sheet = removal_queue.worksheet(lib, folder / f"week-{week:04d}.html", weeks=(week, week))
    if sheet["offered"]:
        lines.append(f"  {plural(sheet['offered'], 'photo')} to delete in Google Photos: {(folder / f'week-{week:04d}.html').as_uri()}")
    # Reviewed only when nothing of the week is left behind: every item verified on the NAS,
    # or in error with its reason in front of the user.
    left = [i for i in cat.items(week=week) if not i.trashed and not i.nas_sha256 and i.state != ItemState.ERROR]
    if left:
        lines.append(f"  {plural(len(left), 'photo')} of this week not on the NAS yet: the week stays open")
    else:
        cat.mark_reviewed(week)
    failures += [f"{i.original_name}: {i.error}" for i in cat.items(week=week, states=[ItemState.ERROR])]
    done = thumbs.counts["made"] + (archived.counts["archived"] if archived else 0)
    cat.record_activity(dt.datetime.now(cal.tz).date().isoformat(), max(done, 1))
    figures = cat.week_figures().get(week)
    state = week_state(figures, not left)
    lines.append(f"  this week is now: {state.label}")
    summary = {"thumbs": thumbs.counts, "similar groups": len(groups),
               "archived": dict(archived.counts) if archived else None, "worksheet": sheet["offered"],
               "state": state.label, "reviewed": not left}
    return {"week": week, "folder": cal.folder_name(week), "summary": summary, "similar_groups": list(groups),
            "similar_best_because": groups, "failures": failures, "text": "\n".join(lines)}


def similar_tree(lib: LibraryFolder):
    """(snapshot, /by-similar/ tree) of the library as it is now: the mount's own,
    saved in LIBRARY/index/ and brought up to date, not regrouped on every call."""
    snap = saved.current(lib.catalog, lib.index_path)
    return snap, by_similar.saved_tree(lib.index_path, snap, lib.settings, lib.catalog)


def similar_groups_of_week(lib: LibraryFolder, week: int) -> dict[str, str]:
    """The /by-similar/ groups that hold photos of `week`: name -> why its best photo leads it."""
    from photofs.views.by_similar import why_best
    snap, tree = similar_tree(lib)
    return {path[0]: why_best(snap, rows) for path, rows in tree.leaves.items() if (snap.week[rows] == week).any()}


def _logger(lib: LibraryFolder) -> logging.Logger:
    log = logging.getLogger(f"photofs.week.{lib.path}")
    if not log.handlers:
        handler = logging.FileHandler(lib.log_path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log
