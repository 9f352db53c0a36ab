"""`photofs import-takeout PATH...`: index Google Takeout parts where they lie.

Pass 1 lists every part (zip, tgz, folder, at any level of a Takeout; mixed) and
reads the small JSON members: sidecars and album metadata. The parts are merged
by the path below the Photos folder (sources/takeout/layout.py), so a sidecar in
another part than its photo is found; which sidecar is whose is decided in
sources/takeout/sidecar_match.py. Pass 2
streams the media on a pool of workers (jobs/pool.py, jobs/takeout_work.py): each is
read once, never written anywhere, and that one read gives its checksum, its header
and its thumbnail (a video's: from the few frames it needs, read by seeking), stored
here once the item is in the catalog, so `thumbs` has nothing left to read for it.
A photo that is in a year folder and in albums, or in a later Takeout of the same
account, is one item (identity: title + capture time + checksum) with several albums
and locations. Re-running skips members already indexed.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from photofs.domain.items import Item, ItemFile, ItemState, Place
from photofs.domain.media import ROLE_ORIGINAL, extension, group_folder
from photofs.errors import PhotofsError
from photofs.imaging.decoder_log import decoder_messages
from photofs.imaging.thumbnail import Thumbnail
from photofs.jobs.capture_time import place_capture_time
from photofs.jobs.pool import in_task_order, open_pool
from photofs.jobs.summary import JobSummary, Tally
from photofs.jobs.takeout_work import MemberRead, ReadTask, Wanted, read_members
from photofs.library_folder import LibraryFolder
from photofs.sources.takeout.containers import (BadContainer, BadMember, Container, Member, check_name,
                                                open_container)
from photofs.sources.takeout.layout import FolderKind, PhotosTree, folder_kind
from photofs.sources.takeout.sidecar_match import find_sidecar, sidecar_stem, unedited
from photofs.sources.takeout.sidecars import ALBUM, MEDIA, SidecarMeta, album_title, json_kind, parse_json, read_sidecar
from photofs.sources.takeout.tar_index import prune_indexes
from photofs.sources.takeout.titles import safe_original_name

SOURCE = "takeout"
MAX_JSON_BYTES = 4 * 2**20
BATCH = 200


@dataclass
class Located:
    container: Container
    member: Member


@dataclass
class Folder:
    media: dict[str, Located] = field(default_factory=dict)
    sidecars: dict[str, SidecarMeta] = field(default_factory=dict)   # by sidecar stem (sidecar_match.py)
    album: str | None = None          # the album's title
    has_album_metadata: bool = False  # an album, even an untitled one


class Ledger:
    """What each member that is not a file of an item is, for `photofs ledger`."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.unless_known: list[tuple] = []     # written only where no row says more already
        self.sidecar_at: dict[int, Located] = {}  # id(SidecarMeta) -> where that sidecar is

    def add(self, loc: Located | tuple[Container, str], what: str, item_id: int | None = None,
            detail: str | None = None, unless_known: bool = False) -> None:
        container, member = (loc.container, loc.member.name) if isinstance(loc, Located) else loc
        (self.unless_known if unless_known else self.rows).append((str(container.path), member, what, item_id, detail))

    def write(self, cat) -> None:
        cat.record_ledger(self.unless_known, replace=False)
        cat.record_ledger(self.rows)


def import_takeout(lib: LibraryFolder, paths: list[Path], progress: bool | None = None,
                   workers: int | None = None, cluster: str | None = None) -> JobSummary:
    """Index the parts at `paths`; the media are read on `workers` local processes (default:
    every core) or on the Dask cluster at `cluster` (default: the library's `cluster_address`)."""
    summary = JobSummary("import-takeout")
    cluster = lib.settings.cluster_address if cluster is None else cluster
    prune_indexes(lib.index_path / "parts")  # parts deleted or rewritten since
    containers = _open_all(paths, summary)
    ledger = Ledger()
    try:
        for c in containers:
            lib.catalog.add_root(str(c.path), SOURCE)
        folders = _list(containers, summary, ledger)
        by_title = _read_json(folders, summary, ledger)
        with decoder_messages(lib.log_path, "import-takeout") as said:  # decoders' chatter: to photofs.log
            _index_media(lib, folders, by_title, summary, progress, ledger, workers, cluster, said)
        if said.count:
            summary.counts["decoder warnings (in photofs.log)"] = said.count
    finally:
        for c in containers:
            c.close()
        ledger.write(lib.catalog)
    return summary


def _open_all(paths: list[Path], summary: JobSummary) -> list[Container]:
    if not paths:
        raise PhotofsError("give at least one Takeout part (.zip, .tgz) or unpacked folder")
    out = []
    for path in paths:
        path = Path(path).expanduser()
        if not path.exists():
            raise PhotofsError(f"{path}: no such file or folder")
        try:
            out.append(open_container(path.absolute()))
        except BadContainer as e:
            summary.counts["unreadable parts"] += 1
            summary.problem(str(path), str(e))
    return out


def _list(containers: list[Container], summary: JobSummary, ledger: Ledger | None = None) -> dict[str, Folder]:
    ledger = ledger or Ledger()
    listed: list[tuple[Container, list[Member]]] = []
    for c in containers:
        members = []
        try:
            for m in c.members():
                reason = check_name(m.name)
                if reason:
                    summary.counts["refused names"] += 1
                    summary.problem(f"{c.path.name}:{m.name}", f"{reason}; skipped")
                    ledger.add((c, m.name), "error", detail=f"refused: {reason}")
                    continue
                members.append(m)
        except BadContainer as e:
            summary.counts["unreadable parts"] += 1
            summary.problem(str(c.path), f"{e}; the members listed before it are used")
        listed.append((c, members))
    # Where the Photos folder is, for every part at once (a part may hold only media).
    tree = PhotosTree((str(c.path), _own_name(c.path), [m.name for m in ms]) for c, ms in listed)
    folders: dict[str, Folder] = defaultdict(Folder)
    for c, members in listed:
        key = str(c.path)
        for m in members:
            place = tree.place(key, m.name)
            if place is None:  # another Google product in the same Takeout
                ledger.add((c, m.name), "skipped", detail="not Google Photos (another product's export)")
                continue
            folder, name = place
            first = folders[folder].media.setdefault(name, Located(c, m))  # parts overlap: the first copy wins
            if first.member.size != m.size:  # the same path with other bytes: never taken for a copy
                summary.problem(f"{c.path.name}:{m.name}", "another part has a different file at this path; "
                                                          "import this part on its own to index it")
                ledger.add((c, m.name), "error", detail="a different file at the same path in another part: "
                                                        "import this part on its own")
    return folders


def _own_name(path: Path) -> str:
    """The folder name a part stands for when it is one album or year folder."""
    if path.is_dir():
        return path.resolve().name
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _read_json(folders: dict[str, Folder], summary: JobSummary,
               ledger: Ledger | None = None) -> dict[str, list[SidecarMeta]]:
    """Sidecars per folder, album titles, and every sidecar by title (for strays)."""
    ledger = ledger or Ledger()
    by_title: dict[str, list[SidecarMeta]] = defaultdict(list)
    for path, folder in folders.items():
        for name in [n for n in folder.media if n.lower().endswith(".json")]:
            loc = folder.media.pop(name)
            try:
                data = parse_json(loc.container.read(loc.member.name, MAX_JSON_BYTES))
            except (BadMember, BadContainer) as e:
                summary.problem(f"{path}/{name}", str(e))
                ledger.add(loc, "error", detail=str(e))
                continue
            kind = json_kind(data, name)
            if kind == MEDIA:
                meta = read_sidecar(data)
                folder.sidecars[sidecar_stem(name)] = meta
                ledger.sidecar_at[id(meta)] = loc
                if meta.title:
                    by_title[meta.title].append(meta)
                # Matched to its item when that item is written (in this run or an earlier one).
                ledger.add(loc, "sidecar", detail="no media file of its own in this export", unless_known=True)
            elif kind == ALBUM and path:  # album metadata, whatever its name in the account's language
                folder.has_album_metadata = True
                folder.album = folder.album or album_title(data)
                ledger.add(loc, "album metadata")
            elif data is None or not isinstance(data, dict):
                summary.counts["bad sidecars"] += 1
                summary.problem(f"{path}/{name}", "not JSON; the photo falls back to its EXIF")
                ledger.add(loc, "error", detail="not JSON")
            else:
                ledger.add(loc, "skipped", detail="JSON that is neither a sidecar nor album metadata")
    return by_title


def _index_media(lib: LibraryFolder, folders: dict[str, Folder], by_title, summary: JobSummary,
                 progress: bool | None, ledger: Ledger, workers: int | None, cluster: str, said) -> None:
    cat, s = lib.catalog, lib.settings
    # container -> member of a shown file -> (folder, its name, its role, its kind, its companions as (role, Located))
    work: dict[Container, dict[str, tuple[str, str, str, str, list]]] = defaultdict(dict)
    for path, folder in folders.items():
        groups, others = group_folder(folder.media)
        for name in others:
            summary.counts["skipped (not media)"] += 1
            ledger.add(folder.media[name], "skipped", detail=f"not media ({extension(name) or 'no extension'})")
        for group in groups:
            loc = folder.media[group.shown]
            companions = [(role, folder.media[n]) for role, n in group.files[1:]]
            work[loc.container][loc.member.name] = (path, group.shown, group.files[0][0], group.kind, companions)
    size = {(loc.container, loc.member.name): loc.member.size or 0
            for folder in folders.values() for loc in folder.media.values()}
    tally = Tally("takeout", sum(size[(c, m)] for c, members in work.items() for m in members), progress)
    tasks, part_of = [], {}
    for container, members in work.items():
        known = cat.known_members(str(container.path))
        todo = sorted(m for m in members if m not in known)
        summary.counts["already indexed"] += len(members) - len(todo)
        tally.skip(sum(size[(container, m)] for m in members if m in known))
        part_of[str(container.path)] = container
        wanted = [Wanted(m, members[m][3]) for m in todo]
        # A tar is read front to back: one task reads the whole part. A zip or a folder: one task a member.
        runs = [[w] for w in wanted] if container.seeks else [wanted]
        tasks += [ReadTask(str(container.path), tuple(r), s.thumbnail_size, s.max_pixels) for r in runs if r]
    batch, broken = _Batch(lib, summary, ledger), set()
    with tally, open_pool(workers, cluster) as pool:
        current = None
        for task, result, failed in in_task_order(tasks, pool.run(read_members, tasks)):
            container, members = part_of[task.part], work[part_of[task.part]]
            if container is not current:  # each part's items are written before the next part's
                batch.write()
                current = container
            planned = sum(size[(container, w.member)] for w in task.wanted)
            if failed is not None:
                _not_read(container, task, failed, summary, ledger)
                tally.skip(planned)
                continue
            said.elsewhere += result.said
            # Linux counts what the task read; elsewhere the members' own sizes stand in.
            read_bytes = result.rchar if result.rchar is not None else sum(r.size for r in result.reads)
            tally.add(planned, read_bytes, photos=len(result.reads))
            for read in result.reads:
                path, name, role, kind, companions = members[read.member]
                if read.unreadable is not None:
                    summary.counts["unreadable members"] += 1
                    summary.problem(f"{path}/{name}", read.unreadable)
                    ledger.add((container, read.member), "error", detail=" ".join(read.unreadable.split()))
                    continue
                item, files, sidecar = _item(lib, folders[path], path, name, container, read, role, kind,
                                             companions, by_title, summary)
                batch.add(item, files, ledger.sidecar_at.get(id(sidecar)) if sidecar else None, read.thumb)
            if result.broken is not None and task.part not in broken:  # said once for the part
                broken.add(task.part)
                summary.counts["unreadable parts"] += 1
                summary.problem(str(container.path), f"{result.broken}; what was read before is kept")
    batch.write()
    summary.rates.update(tally.rates())
    summary.bytes_read = tally.bytes


def _not_read(container: Container, task: ReadTask, failed, summary: JobSummary, ledger: Ledger) -> None:
    """A task that came back with nothing: its own fault (it killed its worker alone), or the pool's."""
    if not failed.culprit:
        summary.counts["not done (the pool failed; will retry next run)"] += len(task.wanted)
        where = f"{container.path.name}:{task.wanted[0].member}" if len(task.wanted) == 1 else str(container.path)
        summary.problem(where, failed.reason)
        return
    for wanted in task.wanted:  # a decoder crash: an error the ledger shows, and the next run tries again
        summary.counts["unreadable members"] += 1
        summary.problem(f"{container.path.name}:{wanted.member}", failed.reason)
        ledger.add((container, wanted.member), "error", detail=failed.reason)


class _Batch:
    """Items read but not yet written, with the thumbnails made from the same read. Written
    together every BATCH items and at the end of each part: a crash loses only this batch."""

    def __init__(self, lib: LibraryFolder, summary: JobSummary, ledger: Ledger):
        self.lib, self.summary, self.ledger = lib, summary, ledger
        self.pending: dict[str, tuple[Item, list, list]] = {}
        self.thumbs: dict[str, Thumbnail] = {}  # by source_id: copies of one photo have one thumbnail

    def add(self, item: Item, files: list[ItemFile], sidecar: Located | None, thumb: Thumbnail | None) -> None:
        _merge(self.pending, item, files, sidecar)
        if thumb is not None and item.state != ItemState.ERROR:
            self.thumbs.setdefault(item.source_id, thumb)
        if len(self.pending) >= BATCH:
            self.write()

    def write(self) -> None:
        if not self.pending:
            return
        items = [item for item, _, _ in self.pending.values()]
        _flush(self.lib.catalog, self.pending, self.summary, self.ledger)
        for item in items:
            thumb = self.thumbs.get(item.source_id)
            if thumb is not None and item.id is not None:  # None: it joined a Google item, which has its own
                _store_thumbnail(self.lib, item.id, thumb, self.summary)
            elif item.id is not None and item.state == ItemState.THUMBNAILED:
                # Merged into a photo thumbnailed before (more albums, another place): its cached
                # thumbnail takes the new record, and the size the mount shows follows.
                size = self.lib.thumbs.restamp(self.lib.catalog.get(item.id))
                if size is not None:
                    self.lib.catalog.set_thumb_size(item.id, size)
        self.thumbs.clear()


def _store_thumbnail(lib: LibraryFolder, item_id: int, thumb: Thumbnail, summary: JobSummary) -> None:
    """What `thumbs` would store for the item: stamped with its record as the catalog has it
    now (with every place found so far; a later copy in this run stamps it again)."""
    item = lib.catalog.get(item_id)
    if item is None or item.state not in (ItemState.INDEXED, ItemState.THUMBNAILED):
        return
    data = lib.thumbs.put(item, thumb)
    lib.catalog.set_thumbnail(item_id, thumb.phash, len(data), thumb.dihedral, thumb.histogram, thumb.frames)
    summary.counts["thumbnails made"] += 1


def _item(lib, folder: Folder, path: str, name: str, container: Container, read: MemberRead, role: str,
          kind: str, companions: list, by_title, summary: JobSummary) -> tuple[Item, list[ItemFile], SidecarMeta | None]:
    sha, size, member, header = read.sha256, read.size, read.member, read.header
    meta, borrowed = _sidecar_of(folder, name, by_title)
    item = Item(source=SOURCE, source_id="", original_name=name, size=size, sha256=sha,
                kind=kind, mime=mimetypes.guess_type(name)[0], state=ItemState.INDEXED)
    if header is not None:
        header.fill(item, lib.calendar.tz)  # sizes, camera, GPS, a video's duration; the time is placed below
    if read.bad is not None:  # its header or its picture cannot be decoded
        item.state, item.error = ItemState.ERROR, read.bad
        summary.counts["errors"] += 1
        summary.problem(f"{path}/{name}", item.error)
    if meta is not None:
        if meta.problem:
            item.warnings.append(meta.problem)
            summary.problem(f"{path}/{name}", f"{meta.problem}; using EXIF or the file name instead")
        item.description, item.people, item.url = meta.description, meta.people, meta.url
        item.favorited, item.archived, item.trashed = meta.favorited, meta.archived, meta.trashed
        item.partner_shared = meta.partner_shared
        # Google's geoData is where the user put the photo (often a correction): it beats the
        # file's own GPS, which beats geoDataExif (Google's reading of that same GPS).
        gps = meta.gps or (None if item.gps_lat is not None else meta.gps_exif)
        if gps:
            item.gps_lat, item.gps_lon, item.gps_alt = gps
    else:
        summary.counts["without sidecar"] += 1
    _place_time(item, lib.calendar, meta, header, name, summary, f"{path}/{name}")
    _folder_facts(item, folder, path)
    title = meta.title.strip() if meta is not None and meta.title and not borrowed else None
    if title:  # Google's title kept as it is; the original name is a safe file name made from it
        item.title, item.original_name = meta.title, safe_original_name(meta.title, name)
    item.source_id = f"{title or name}|{'' if item.taken_at is None else int(item.taken_at)}|{sha}"
    shown_name = item.original_name if role == ROLE_ORIGINAL else name
    files = [ItemFile(role, shown_name, size, sha, [Place(str(container.path), member, size)])]
    for companion_role, loc in companions:  # hashed when archived: the copy's read-back verifies it
        files.append(ItemFile(companion_role, loc.member.name.rsplit("/", 1)[-1], loc.member.size, None,
                              [Place(str(loc.container.path), loc.member.name, loc.member.size)]))
    return item, files, meta


def _sidecar_of(folder: Folder, name: str, by_title) -> tuple[SidecarMeta | None, bool]:
    """(the member's sidecar, whether it is borrowed from the original of an edited copy)."""
    match = find_sidecar(name, folder.sidecars)
    if match is not None:
        return folder.sidecars[match.stem], match.borrowed
    original = unedited(name)
    for title, borrowed in ((name, False), (original, True)):
        if title and len(by_title.get(title, ())) == 1:
            return by_title[title][0], borrowed  # a sidecar that ended up in another folder
    return None, False


def _place_time(item: Item, cal, meta: SidecarMeta | None, header, name: str, summary: JobSummary,
                where: str) -> None:
    """The sidecar's instant first, then the file's header, then a date in the name."""
    refused = place_capture_time(item, cal, header, name, meta.taken_at if meta is not None else None)
    if refused:
        item.warnings.append(refused)
        summary.problem(where, refused)


def _folder_facts(item: Item, folder: Folder, path: str) -> None:
    """What the item's folder says: album, Trash, Archive, Google's failed videos."""
    kind = folder_kind(path, folder.has_album_metadata)
    item.trashed = item.trashed or kind == FolderKind.TRASH
    item.archived = item.archived or kind in (FolderKind.ARCHIVE, FolderKind.LOCKED)
    if kind == FolderKind.ALBUM:  # an untitled album is named by its folder ("Sans titre(9)")
        item.albums = [folder.album or path.rsplit("/", 1)[-1]]
    elif kind == FolderKind.FAILED:
        item.warnings.append("in Google's 'Failed Videos': Google could not process this video")


def _merge(pending: dict, item: Item, files: list[ItemFile], sidecar: Located | None) -> None:
    """The same photo seen twice in one run (year folder and album): one item."""
    sidecars = [sidecar] if sidecar is not None else []
    if item.source_id in pending:
        kept, kept_files, kept_sidecars = pending[item.source_id]
        kept_sidecars.extend(sidecars)
        kept.albums = sorted(set(kept.albums) | set(item.albums))
        for name in ("title", "description", "url", "gps_lat", "gps_lon", "gps_alt"):
            if getattr(kept, name) is None:
                setattr(kept, name, getattr(item, name))
        kept.people = kept.people or item.people
        kept.favorited |= item.favorited
        kept.partner_shared |= item.partner_shared
        kept_files.extend(_as_files_of(kept_files, files))
    else:
        pending[item.source_id] = (item, files, sidecars)


def _as_files_of(kept: list[ItemFile], more: list[ItemFile]) -> list[ItemFile]:
    """Another copy's files, named as the kept item's files of the same role are."""
    by_role = {f.role: f.name for f in kept}
    return [ItemFile(f.role, by_role.get(f.role, f.name) if f.role == kept[0].role else f.name, f.size, f.sha256,
                     f.places) for f in more]


def _flush(cat, pending: dict, summary: JobSummary, ledger: Ledger) -> None:
    if not pending:
        return
    items = []
    for key, (item, files, sidecars) in list(pending.items()):
        twin = cat.same_photo(item.original_name, item.taken_at, SOURCE) if item.taken_at is not None else None
        if twin is not None and twin.source != SOURCE and cat.get_by_source(SOURCE, item.source_id) is None:
            # Seen through Google's API already: the Takeout copy is another place it lives.
            cat.add_item_files(twin.id, [ItemFile(f.role, twin.original_name if f is files[0] else f.name, f.size,
                                                  f.sha256, f.places) for f in files])
            for loc in sidecars:
                ledger.add(loc, "sidecar", twin.id)
            summary.counts["matched a Google item"] += 1
            del pending[key]
    for item, _, _ in pending.values():
        old = cat.get_by_source(SOURCE, item.source_id)
        if old is not None:  # seen in an earlier run or Takeout: keep what it knew
            item.albums = sorted(set(old.albums) | set(item.albums))
            if old.state == ItemState.THUMBNAILED and old.sha256 == item.sha256:
                item.state, item.phash, item.thumb_size = old.state, old.phash, old.thumb_size
                item.dihedral, item.histogram = old.dihedral, old.histogram
            summary.counts["merged"] += 1
        else:
            summary.counts["new"] += 1
        items.append(item)
    cat.upsert_many(items, [files for _, files, _ in pending.values()])
    for item, files, sidecars in pending.values():
        for loc in sidecars:
            ledger.add(loc, "sidecar", item.id)
        if len({f.role for f in files}) > 1:
            summary.counts["with more than one file (motion, Live, RAW + JPEG)"] += 1
    pending.clear()
