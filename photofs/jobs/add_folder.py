"""`photofs add-folder DIR`: index a folder of originals, recursively, in place.

Every media kind is an item (stills, RAW, videos), and the files of one shot are
one item (domain/media.py): a still with its motion video, a RAW with its JPEG.
Everything else below the folder is written into the ledger as skipped, with why,
so `photofs ledger` accounts for every file.

Only headers are read here: a new file's SHA-256 comes from its first full read, in
`thumbs` or `archive`, from the same bytes the thumbnail or the NAS copy is made of
(each original read once). Re-running does nothing new; a changed file (size or
mtime) is re-indexed and hashed at once; a file
that vanished is marked missing, never dropped, unless every file of its item has
a verified NAS copy (then the copy serves) or photofs itself moved it to its trash.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import Item, ItemFile, ItemState, Place
from photofs.domain.media import ROLE_JPEG, ROLE_ORIGINAL, Group, group_folder
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage
from photofs.imaging.decoder_log import caught_messages, decoder_messages
from photofs.imaging.metadata import read_media_header
from photofs.jobs.capture_time import place_capture_time
from photofs.jobs.pool import open_pool
from photofs.jobs.summary import JobSummary
from photofs.domain.weeks import LifeCalendar
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.sources.folder import NAS_FOLDER, FileFound, OtherFile, Unreadable, nas_holding, sha256_file, walk

SOURCE = "folder"
BATCH = 200  # catalog writes per transaction: a crash loses at most this much work
SHOTS_PER_TASK = 32  # shots a worker indexes per task: enough to outweigh sending it


def add_folder(lib: LibraryFolder, folder: str | Path, progress: bool | None = None,
               workers: int | None = None, cluster: str | None = None) -> JobSummary:
    """Headers are read in the pass's worker pool (jobs/pool.py), a folder a task; the
    catalog is written here. Decoders' own messages go to photofs.log, counted."""
    cluster = lib.settings.cluster_address if cluster is None else cluster
    with decoder_messages(lib.log_path, "add-folder") as said:
        summary = _add_folder(lib, folder, progress, workers, cluster, said)
    if said.count:
        summary.counts["decoder warnings (in photofs.log)"] = said.count
    return summary


def _add_folder(lib: LibraryFolder, folder: str | Path, progress: bool | None, workers, cluster, said) -> JobSummary:
    root = Path(folder).expanduser()
    if not root.exists():
        raise PhotofsError(f"{root}: no such folder")
    if not root.is_dir():
        raise PhotofsError(f"{root}: not a folder")
    root_s = os.path.realpath(root)
    nas = nas_holding(root_s)
    if nas:
        raise PhotofsError(f"{root} is in the NAS folder photofs archives into ({nas}): its files are "
                           "photofs's copies of photos already in the catalog, not new photos; nothing was indexed")
    cat = lib.catalog
    cat.add_root(root_s, SOURCE)
    known = cat.source_fingerprints(SOURCE, root_s + os.sep)
    seen: set[str] = set()
    unreadable: list[str] = []
    summary = JobSummary("add-folder")
    ledger: list[tuple] = []

    bar = tqdm(desc="indexing", unit=" files", disable=None if progress is None else not progress)
    pending: list[tuple[Item, list[ItemFile]]] = []
    context = IndexContext(lib.settings, lib.calendar)

    def flush():
        cat.upsert_many([i for i, _ in pending], [f for _, f in pending])
        cat.record_ledger(ledger)
        pending.clear()
        ledger.clear()

    def folder_tasks():
        """One task per folder with shots to (re)index; what is unchanged or no media is
        settled here, as the walk goes (the walk is never held whole)."""
        entries = walk(root_s, everything=True)
        for folder_path, found_here in groupby(entries, key=lambda f: _source_id(os.path.dirname(f.path))):
            media: dict[str, FileFound] = {}
            for found in found_here:
                bar.update()
                name = _source_id(os.path.basename(found.path))
                if isinstance(found, Unreadable):
                    unreadable.append(found.path)
                    summary.counts["unreadable"] += 1
                    summary.problem(found.path, f"cannot read: {found.reason}; left as it was")
                    ledger.append((folder_path, name, "error", None, f"cannot read: {found.reason}"))
                elif isinstance(found, OtherFile):
                    if found.reason == NAS_FOLDER:
                        summary.counts["NAS folder left out (photofs's own copies)"] += 1
                    elif found.reason != "desktop metadata":  # litter is in the ledger, not worth a count
                        summary.counts["skipped (not media)"] += 1
                    ledger.append((folder_path, name, "skipped", None, found.reason))
                else:
                    media[name] = found
            if not media:
                continue
            places = cat.places_in(folder_path)
            groups, _ = group_folder(list(media))
            shots = []
            for group in groups:
                shown = media[group.shown]
                source_id = _source_id(shown.path)
                seen.add(source_id)
                old = known.get(source_id)
                if old and old[1] == shown.size and old[2] == shown.mtime_ns and old[3] != ItemState.MISSING \
                        and _companions_unchanged(group, places, old[0]):
                    summary.counts["unchanged"] += 1
                    continue
                # A known file that changed is hashed now, so the catalog sees its bytes changed and
                # its old NAS copy stops counting; a new file is hashed at its first full read.
                shots.append(Shot(group, source_id, rehash=old is not None))
            for i in range(0, len(shots), SHOTS_PER_TASK):  # a camera folder of thousands is many tasks
                chunk = shots[i:i + SHOTS_PER_TASK]
                needed = {name for shot in chunk for _, name in shot.group.files}
                yield FolderTask(folder_path, chunk, {n: f for n, f in media.items() if n in needed}, context)

    with open_pool(workers, cluster) as pool:
        for task, result, failed in pool.run(index_folder, folder_tasks()):
            if failed is not None:  # its worker died: nothing of this folder's new shots is recorded yet
                summary.counts["not indexed (will retry next run)"] += len(task.shots)
                summary.problem(task.folder, failed.reason)
                continue
            said.elsewhere += result.said
            for shot, (item, files) in zip(task.shots, result.items):
                pending.append((item, files))
                if len(pending) >= BATCH:
                    flush()
                if item.state == ItemState.ERROR:
                    summary.counts["errors"] += 1
                    summary.problem(shot.source_id, item.error)
                else:
                    summary.counts["re-indexed" if shot.rehash else "new"] += 1
                    if item.kind != "photo" or len(files) > 1:
                        summary.counts[_kind_label(item, files)] += 1
                for warning in item.warnings:
                    summary.problem(shot.source_id, warning)
    flush()
    bar.close()

    # Vanished files: only those under folders we could read (an unreadable
    # folder's photos are not gone, we just cannot see them today).
    blocked = tuple(p.rstrip(os.sep) + os.sep for p in unreadable)
    gone = [v[0] for sid, v in known.items()
            if sid not in seen and v[3] != ItemState.MISSING and not sid.startswith(blocked)]
    if gone:
        folded = _fold_absorbed(cat, gone)
        if folded:
            summary.counts["joined the shot they belong to (a still found beside a video)"] += folded
            gone = [i for i in gone if cat.get(i) is not None]
    if gone:
        kept = cat.safe_elsewhere(gone)
        if kept:
            summary.counts["moved away, served from the verified NAS copy"] += len(kept)
        summary.counts["missing"] += cat.mark_missing([i for i in gone if i not in kept])
    return summary


def _fold_absorbed(cat, gone: list[int]) -> int:
    """Items whose file is now a file of another item (a lone video that a still copied in
    later made the still's motion video) are that item: they join it rather than stay
    behind as `missing`. Not an item you pinned or queued: that stays yours to decide."""
    pins, _, queued = cat.load_sort_state()
    touched = {item for _, item, _ in pins} | set(queued)
    folded = 0
    for item_id in gone:
        item = cat.get(item_id)
        if item is None or item_id in touched:
            continue
        owner = cat.places_in(os.path.dirname(item.source_id)).get(os.path.basename(item.source_id))
        if owner is not None and owner[0] != item_id:
            cat.join_into(item_id, owner[0], [])
            folded += 1
    return folded


def _kind_label(item: Item, files: list[ItemFile]) -> str:
    roles = {f.role for f in files}
    if "motion" in roles:
        return "of them motion or Live Photos"
    if "raw" in roles and ROLE_JPEG in roles:
        return "of them RAW + JPEG pairs"
    return f"of them {item.kind}s"


def _companions_unchanged(group: Group, places: dict, item_id: int) -> bool:
    """Every companion in the group is already a place of this item, in the same role."""
    for role, name in group.files[1:]:
        known = places.get(name)
        if known is None or known[0] != item_id or known[1] != role or known[3] is not None:
            return False
    return True


def _source_id(path: str) -> str:
    """Paths are stored as text; a name that is not valid UTF-8 is stored escaped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class IndexContext:
    """What indexing needs of the library, picklable for a worker: its settings and calendar."""
    settings: Settings
    calendar: LifeCalendar


@dataclass(frozen=True)
class Shot:
    group: Group
    source_id: str
    rehash: bool  # known before and changed: hashed now


@dataclass(frozen=True)
class FolderTask:
    folder: str
    shots: list[Shot]
    media: dict[str, FileFound]
    context: IndexContext


@dataclass
class FolderResult:
    items: list[tuple[Item, list[ItemFile]]]
    said: list[str] = field(default_factory=list)


def index_folder(task: FolderTask) -> FolderResult:
    """A worker's task: the items of one folder's shots, from their headers."""
    with caught_messages() as said:
        items = [index_group(task.context, task.folder, shot.group, task.media, shot.source_id, shot.rehash)
                 for shot in task.shots]
    return FolderResult(items, said)


def index_group(lib: IndexContext | LibraryFolder, folder: str, group: Group, media: dict[str, FileFound],
                source_id: str, rehash: bool = False) -> tuple[Item, list[ItemFile]]:
    """One item from the files of one shot; problems become state=error, never an exception.
    Only headers are read unless `rehash`: each file's bytes are read in full once, later,
    by whichever job first needs them (thumbs or archive), which hashes them then."""
    shown = media[group.shown]
    item = index_file(lib, shown, source_id, group.kind, rehash)
    files = []
    for role, name in group.files:
        found = media[name]
        f = ItemFile(role, name if role != ROLE_ORIGINAL else item.original_name, found.size,
                     places=[Place(folder, _source_id(name), found.size)])
        if found is shown:
            f.sha256 = item.sha256
        elif rehash:
            try:
                f.sha256 = sha256_file(found.path)
            except OSError as e:
                item.state, item.error = ItemState.ERROR, f"cannot read its {role} file {name}: {e.strerror or e}"
        files.append(f)
    return item, files


def index_file(lib: IndexContext | LibraryFolder, found: FileFound, source_id: str, kind: str = "photo",
               rehash: bool = False) -> Item:
    """Read one file's header (and with `rehash` its checksum) into an Item; problems become state=error."""
    name = os.path.basename(source_id)
    item = Item(source=SOURCE, source_id=source_id, original_name=name, size=found.size, mtime_ns=found.mtime_ns,
                kind=kind, mime=mimetypes.guess_type(name)[0])
    if source_id != found.path:
        return _error(item, "file name is not valid UTF-8; rename the file to index it")
    if not name.isprintable():
        item.warnings.append("file name has control characters; indexed, shown escaped")
    if found.size == 0:
        return _error(item, "empty file (0 bytes)")
    meta = None
    try:
        with open(found.path, "rb") as f:
            meta = read_media_header(f, kind, lib.settings.max_pixels, name)
        if rehash:
            item.sha256 = sha256_file(found.path)
    except BadImage as e:
        return _error(item, str(e))
    except OSError as e:
        return _error(item, f"cannot read: {e.strerror or e}")
    meta.fill(item, lib.calendar.tz)  # sizes, camera, GPS, a video's duration; the time is placed below
    refused = place_capture_time(item, lib.calendar, meta, name,
                                 fallback=found.mtime_ns / 1e9 if found.mtime_ns > 0 else None)
    if refused:
        item.warnings.append(refused)
    item.state = ItemState.INDEXED
    return item


def _error(item: Item, reason: str) -> Item:
    item.state = ItemState.ERROR
    item.error = " ".join(reason.split())  # one line, whatever the decoder said
    return item
