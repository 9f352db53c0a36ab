"""`photofs import-takeout PATH...`: index Google Takeout parts where they lie.

Pass 1 lists every part (zip, tgz, folder; mixed) and reads the small JSON
members: sidecars and album metadata. The parts are merged by the path below
`Google Photos/`, so a sidecar in another part than its photo is found. Pass 2
streams the media: each is read once for its checksum and header, never written
anywhere. A photo that is in a year folder and in albums, or in a later Takeout
of the same account, is one item (identity: title + capture time + checksum)
with several albums and locations. Re-running skips members already indexed.
"""

from __future__ import annotations

import mimetypes
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.items import Item, ItemFile, ItemState, Place, TimeSource
from photofs.domain.media import ROLE_ORIGINAL, extension, group_folder
from photofs.domain.weeks import timestamp_of_wall_clock
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage, open_image
from photofs.imaging.metadata import read_header
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.takeout.containers import (BadContainer, BadMember, Container, Member, check_name, digest,
                                                open_container)
from photofs.sources.takeout.layout import date_from_name, is_year_folder, split_member
from photofs.sources.takeout.sidecars import (SidecarMeta, album_title, candidate_keys, is_media_sidecar, media_base,
                                              parse_json, read_sidecar, sidecar_key)

SOURCE = "takeout"
MAX_JSON_BYTES = 4 * 2**20
MAX_PHOTO_BYTES = 512 * 2**20
BATCH = 200
TRASH = {"trash", "bin", "papierkorb", "corbeille", "papelera", "cestino", "prullenbak", "lixeira"}
ARCHIVE = {"archive", "archiv", "archives", "archivo", "archivio", "archief", "arquivo"}


@dataclass
class Located:
    container: Container
    member: Member


@dataclass
class Folder:
    media: dict[str, Located] = field(default_factory=dict)
    sidecars: dict[tuple[str, int], SidecarMeta] = field(default_factory=dict)
    album: str | None = None


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


def import_takeout(lib: LibraryFolder, paths: list[Path], progress: bool | None = None) -> JobSummary:
    summary = JobSummary("import-takeout")
    containers = _open_all(paths, summary)
    ledger = Ledger()
    try:
        for c in containers:
            lib.catalog.add_root(str(c.path), SOURCE)
        folders = _list(containers, summary, ledger)
        by_title = _read_json(folders, summary, ledger)
        _index_media(lib, folders, by_title, summary, progress, ledger)
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
    folders: dict[str, Folder] = defaultdict(Folder)
    for c in containers:
        try:
            for m in c.members():
                reason = check_name(m.name)
                if reason:
                    summary.counts["refused names"] += 1
                    summary.problem(f"{c.path.name}:{m.name}", f"{reason}; skipped")
                    ledger.add((c, m.name), "error", detail=f"refused: {reason}")
                    continue
                place = split_member(m.name)
                if place is None:
                    ledger.add((c, m.name), "skipped", detail="not Google Photos (another product's export)")
                    continue
                folder, name = place
                folders[folder].media.setdefault(name, Located(c, m))  # parts overlap: the first copy wins
        except BadContainer as e:
            summary.counts["unreadable parts"] += 1
            summary.problem(str(c.path), f"{e}; the members listed before it are used")
    return folders


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
            if is_media_sidecar(data):
                meta = read_sidecar(data)
                folder.sidecars[sidecar_key(name)] = meta
                ledger.sidecar_at[id(meta)] = loc
                if meta.title:
                    by_title[meta.title].append(meta)
                # Matched to its item when that item is written (in this run or an earlier one).
                ledger.add(loc, "sidecar", detail="no media file of its own in this export", unless_known=True)
            elif album_title(data) and name.lower().startswith("metadat"):
                folder.album = album_title(data)
                ledger.add(loc, "album metadata")
            elif data is None or not isinstance(data, dict):
                summary.counts["bad sidecars"] += 1
                summary.problem(f"{path}/{name}", "not JSON; the photo falls back to its EXIF")
                ledger.add(loc, "error", detail="not JSON")
            else:
                ledger.add(loc, "skipped", detail="JSON that is neither a sidecar nor album metadata")
    return by_title


def _index_media(lib: LibraryFolder, folders: dict[str, Folder], by_title, summary: JobSummary,
                 progress: bool | None, ledger: Ledger) -> None:
    cat = lib.catalog
    known = defaultdict(set)
    # container -> member of a shown file -> (folder, its name, its companions as (role, Located))
    work: dict[Container, dict[str, tuple[str, str, list]]] = defaultdict(dict)
    for path, folder in folders.items():
        groups, others = group_folder(folder.media)
        for name in others:
            summary.counts["skipped (not media)"] += 1
            ledger.add(folder.media[name], "skipped", detail=f"not media ({extension(name) or 'no extension'})")
        for group in groups:
            loc = folder.media[group.shown]
            companions = [(role, folder.media[n]) for role, n in group.files[1:]]
            work[loc.container][loc.member.name] = (path, group.shown, group.files[0][0], group.kind, companions)
    pending: dict[str, tuple[Item, list, list]] = {}
    bar = tqdm(total=sum(len(w) for w in work.values()), desc="takeout", unit=" members",
               disable=None if progress is None else not progress)
    for container, members in work.items():
        known[container] = lib.catalog.known_members(str(container.path))
        todo = {m for m in members if m not in known[container]}
        summary.counts["already indexed"] += len(members) - len(todo)
        bar.update(len(members) - len(todo))
        try:
            for member, chunks in container.stream(todo):
                path, name, role, kind, companions = members[member]
                bar.update()
                try:
                    item, files, sidecar = _item(lib, folders[path], path, name, container, member, chunks,
                                                 role, kind, companions, by_title, summary)
                except BadMember as e:
                    summary.counts["unreadable members"] += 1
                    summary.problem(f"{path}/{name}", str(e))
                    ledger.add((container, member), "error", detail=" ".join(str(e).split()))
                    continue
                _merge(pending, item, files, ledger.sidecar_at.get(id(sidecar)) if sidecar else None)
                if len(pending) >= BATCH:
                    _flush(cat, pending, summary, ledger)
        except (BadContainer, BadMember) as e:
            summary.counts["unreadable parts"] += 1
            summary.problem(str(container.path), f"{e}; what was read before is kept")
        _flush(cat, pending, summary, ledger)
    bar.close()


def _item(lib, folder: Folder, path: str, name: str, container: Container, member: str, chunks, role: str,
          kind: str, companions: list, by_title, summary: JobSummary) -> tuple[Item, list[ItemFile], SidecarMeta | None]:
    video = kind != "photo"  # videos and RAW: their headers are read elsewhere (imaging), not here
    sha, size, data = digest(chunks, 0 if video else MAX_PHOTO_BYTES)
    base, counter, edited = media_base(name)
    meta = next((folder.sidecars[k] for k in candidate_keys(base, counter) if k in folder.sidecars), None)
    if meta is None and len(by_title.get(base, [])) == 1:
        meta = by_title[base][0]  # a sidecar that ended up in another folder
    item = Item(source=SOURCE, source_id="", original_name=name, size=size, sha256=sha,
                kind=kind, mime=mimetypes.guess_type(name)[0], state=ItemState.INDEXED)
    header = None
    if not video:
        try:
            header = read_header(open_image(data, lib.settings.max_pixels))
            item.width, item.height, item.mime = header.width, header.height, header.mime
            item.make, item.model = header.make, header.model
            if header.gps:
                item.gps_lat, item.gps_lon, item.gps_alt = header.gps
        except BadImage as e:
            item.state, item.error = ItemState.ERROR, " ".join(str(e).split())
            summary.counts["errors"] += 1
            summary.problem(f"{path}/{name}", str(e))
    cal = lib.calendar
    if meta is not None:
        if meta.problem:
            item.warnings.append(meta.problem)
            summary.problem(f"{path}/{name}", f"{meta.problem}; using EXIF or the file name instead")
        item.description, item.people, item.url = meta.description, meta.people, meta.url
        item.favorited, item.archived, item.trashed = meta.favorited, meta.archived, meta.trashed
        if meta.gps and item.gps_lat is None:
            item.gps_lat, item.gps_lon, item.gps_alt = meta.gps
        if meta.taken_at is not None:
            item.taken_at, item.time_source = meta.taken_at, TimeSource.SIDECAR
    elif not edited:
        summary.counts["without sidecar"] += 1
    if item.taken_at is None and header is not None and header.taken_local is not None:
        try:
            item.taken_at = timestamp_of_wall_clock(header.taken_local, header.tz_offset_min, cal.tz)
            item.tz_offset_min, item.time_source = header.tz_offset_min, TimeSource.EXIF
        except (ValueError, OverflowError) as e:
            item.warnings.append(f"EXIF capture date ignored: {e}")
    if item.taken_at is None and (when := date_from_name(name)) is not None:
        try:
            item.taken_at, item.time_source = timestamp_of_wall_clock(when, None, cal.tz), TimeSource.FILENAME
        except ValueError:
            pass
    item.week = cal.week_of_timestamp(item.taken_at) if item.taken_at is not None else None
    top = path.split("/", 1)[0].lower()
    item.trashed = item.trashed or top in TRASH
    item.archived = item.archived or top in ARCHIVE
    # An album has a metadata.json; a year folder ("Photos from 2019", in any language) has none.
    if folder.album or (path and not is_year_folder(path) and top not in TRASH and top not in ARCHIVE):
        item.albums = [folder.album or path.rsplit("/", 1)[-1]]
    title = name if edited or meta is None or not meta.title else meta.title
    item.original_name = title if not edited else name
    item.source_id = f"{title}|{'' if item.taken_at is None else int(item.taken_at)}|{sha}"
    shown_name = item.original_name if role == ROLE_ORIGINAL else name
    files = [ItemFile(role, shown_name, size, sha, [Place(str(container.path), member, size)])]
    for companion_role, loc in companions:  # hashed when archived: the copy's read-back verifies it
        files.append(ItemFile(companion_role, loc.member.name.rsplit("/", 1)[-1], loc.member.size, None,
                              [Place(str(loc.container.path), loc.member.name, loc.member.size)]))
    return item, files, meta


def _merge(pending: dict, item: Item, files: list[ItemFile], sidecar: Located | None) -> None:
    """The same photo seen twice in one run (year folder and album): one item."""
    sidecars = [sidecar] if sidecar is not None else []
    if item.source_id in pending:
        kept, kept_files, kept_sidecars = pending[item.source_id]
        kept_sidecars.extend(sidecars)
        kept.albums = sorted(set(kept.albums) | set(item.albums))
        for name in ("description", "url", "gps_lat", "gps_lon", "gps_alt"):
            if getattr(kept, name) is None:
                setattr(kept, name, getattr(item, name))
        kept.people = kept.people or item.people
        kept.favorited |= item.favorited
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
