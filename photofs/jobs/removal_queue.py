"""`photofs queue list | worksheet | confirm | cancel`: the cloud-removal queue.

An item moves `queued -> archived (NAS copy verified) -> worksheet -> removed`,
or is `cancelled`. Nothing reaches a worksheet, and nothing is confirmed removed,
without a verified copy on the NAS that is still there.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import html
import os
from collections import defaultdict
from pathlib import Path

from photofs.domain.items import Item
from photofs.domain.sorting import PENDING, QueueState
from photofs.domain.wording import plural
from photofs.domain.names import printable
from photofs.errors import PhotofsError
from photofs.library_folder import LibraryFolder
from photofs.sources.folder import sha256_file
from photofs.sources.registry import source_of

SAFE = (QueueState.ARCHIVED, QueueState.WORKSHEET)


def queue_entries(lib: LibraryFolder, states=None) -> list[tuple[Item, str]]:
    cat = lib.catalog
    out = []
    for item_id, state, _, _ in cat.queue_rows():
        if states is None or state in states:
            item = cat.get(item_id)
            if item is not None:
                out.append((item, state))
    return out


def verified_copy(lib: LibraryFolder, item: Item) -> bool:
    """Every file of the item has a recorded NAS copy that is still there, byte for byte
    (re-hashed: safety first). A still whose motion video is not on the NAS is not safe."""
    files = lib.catalog.files(item.id)
    if not files or not item.nas_sha256:
        return False
    for f in files:
        if not f.verified:
            return False
        try:
            path = Path(f.nas_path)
            if path.stat().st_size != f.nas_size or sha256_file(str(path)) != f.nas_sha256:
                return False
        except OSError:
            return False
    return True


def worksheet(lib: LibraryFolder, out: Path, weeks: tuple[int, int] | None = None) -> dict:
    entries = queue_entries(lib, [str(s) for s in PENDING])
    if weeks is not None:
        entries = [(i, s) for i, s in entries if i.week is not None and weeks[0] <= i.week <= weeks[1]]
    offered = [i for i, state in entries if state in SAFE and verified_copy(lib, i)]
    waiting = [i for i, state in entries if i not in offered]
    page = render(lib, offered, waiting)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(out)
    except OSError as e:
        raise PhotofsError(f"cannot write {out}: {e.strerror or e}") from None
    lib.catalog.set_queue_state([i.id for i in offered], QueueState.WORKSHEET, SAFE)
    return {"file": str(out), "offered": len(offered), "waiting for a verified NAS copy": len(waiting)}


def render(lib: LibraryFolder, offered: list[Item], waiting: list[Item]) -> str:
    """A self-contained page: thumbnails inline, every string escaped, links only to http(s)."""
    tz = lib.calendar.tz
    days: dict[str, list[Item]] = defaultdict(list)
    for item in sorted(offered, key=lambda i: (i.taken_at is None, i.taken_at or 0)):
        day = dt.datetime.fromtimestamp(item.taken_at, tz).date().isoformat() if item.taken_at else "undated"
        days[day].append(item)
    e = html.escape
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
             "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
             "<title>photofs: photos to delete in Google Photos</title><style>",
             "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}figure{display:inline-block;width:14em;",
             "margin:.5em;vertical-align:top;font-size:.85em;word-break:break-all}img{max-width:100%}h2{margin-top:2em}",
             "</style></head><body>",
             f"<h1>{plural(len(offered), 'photo')} to delete in Google Photos</h1>",
             "<p>Each has a verified copy on your NAS. Delete them in Google Photos day by day, then run "
             "<code>photofs queue confirm --day YYYY-MM-DD</code>.</p>"]
    for day, items in days.items():
        parts.append(f"<h2>{e(day)} <small>({len(items)})</small></h2>")
        for item in items:
            thumb = lib.thumbs.get(item)
            img = (f"<img alt=\"{e(item.original_name)}\" src=\"data:image/jpeg;base64,{base64.b64encode(thumb).decode()}\">"
                   if thumb else "")
            when = dt.datetime.fromtimestamp(item.taken_at, tz).strftime("%H:%M") if item.taken_at else ""
            url = item.url or ""
            link = (f"<a href=\"{e(url)}\" rel=\"noreferrer noopener\" target=_blank>open in Google Photos</a>"
                    if url.startswith(("https://", "http://")) else "<em>no Google Photos link</em>")
            parts.append(f"<figure data-id=\"{item.id}\">{img}<figcaption><b>{e(item.original_name)}</b> {e(when)}<br>"
                         f"NAS: {e(item.nas_path or '')}<br>{link}</figcaption></figure>")
    if waiting:
        parts.append(f"<h2>Not yet: {len(waiting)} waiting for a verified copy on the NAS</h2><ul>")
        parts += [f"<li>{e(i.original_name)}</li>" for i in waiting]
        parts.append("</ul><p>Run <code>photofs archive</code> first.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def confirm(lib: LibraryFolder, ids: list[int] | None = None, day: str | None = None) -> dict:
    entries = queue_entries(lib, [str(s) for s in PENDING])
    tz = lib.calendar.tz
    chosen = []
    for item, state in entries:
        if ids is not None and item.id not in ids:
            continue
        if day is not None:
            when = dt.datetime.fromtimestamp(item.taken_at, tz).date().isoformat() if item.taken_at else "undated"
            if when != day:
                continue
        chosen.append((item, state))
    if ids is not None and len(chosen) < len(set(ids)):
        missing = sorted(set(ids) - {i.id for i, _ in chosen})
        raise PhotofsError(f"not in the removal queue: {', '.join(map(str, missing))}")
    unsafe = [i for i, state in chosen if state not in SAFE or not verified_copy(lib, i)]
    if unsafe:
        raise PhotofsError(f"{len(unsafe)} of these have no verified NAS copy yet ({unsafe[0].original_name}, ...): "
                           "run photofs archive first; nothing was confirmed")
    moved, done, problems = 0, [], []
    for item, _ in chosen:
        if source_of(item).owns_originals:
            try:
                _to_trash(lib, item)
            except OSError as e:  # this photo stays queued, its files where they were or whole in the trash
                problems.append(f"{printable(item.original_name)}: its original could not be moved into "
                                f".photofs-trash ({e.strerror or e}); not confirmed, still queued")
                continue
            moved += 1
        done.append(item.id)
    n = lib.catalog.set_queue_state(done, QueueState.REMOVED, SAFE)
    return {"confirmed removed": n, "folder originals moved to .photofs-trash": moved, "problems": problems}


def absent_from_takeout(lib: LibraryFolder, parts: list[Path]) -> list[int]:
    """Ids of offered Takeout items that a newer Takeout no longer has. Conservative:
    absent means neither the file name nor the (title, capture time) appears anywhere."""
    from photofs.jobs.import_takeout import _list, _open_all, _read_json
    from photofs.jobs.summary import JobSummary
    summary = JobSummary("absent-from")
    containers = _open_all(parts, summary)
    if summary.counts["unreadable parts"]:
        raise PhotofsError(f"cannot tell what is absent from an unreadable Takeout: {summary.problems[0]}")
    try:
        folders = _list(containers, summary)
        by_title = _read_json(folders, summary)
    finally:
        for c in containers:
            c.close()
    names = {name for f in folders.values() for name in f.media}
    seen = {(title, int(m.taken_at)) for title, metas in by_title.items() for m in metas if m.taken_at is not None}
    absent = []
    for item, state in queue_entries(lib, [str(s) for s in SAFE]):
        if item.source != "takeout" or item.original_name in names:
            continue
        titles = {item.original_name, item.title} - {None}  # Google's title, when the name was made safe
        if item.taken_at is not None and any((t, int(item.taken_at)) in seen for t in titles):
            continue
        absent.append(item.id)
    return absent


def _to_trash(lib: LibraryFolder, item: Item) -> None:
    """Folder originals are never deleted: every file of the item moves into
    .photofs-trash/ on the NAS. Across file systems a move is a copy: it goes to a
    temporary name, is verified, renamed, and only then is the original removed, so
    a kill at any point leaves the original or a complete copy, never half of one."""
    from photofs.jobs.archive_copy import write_verified
    trash = Path(lib.settings.nas_path).expanduser() / ".photofs-trash"
    for f in lib.catalog.files(item.id):
        for place in f.places:
            src = Path(place.container) / place.member
            if not src.is_file():
                continue
            dest_folder = trash / src.parent.relative_to(src.anchor)
            try:
                dest_folder.mkdir(parents=True, exist_ok=True)
                os.rename(src, _free_name(dest_folder, src.name))  # same file system: atomic
                continue
            except OSError as e:
                if e.errno != errno.EXDEV:
                    raise
            with open(src, "rb") as stream:
                write_verified(dest_folder, src.name, stream, f.sha256 if f.role == "original" else None)
            src.unlink()


def _free_name(folder: Path, name: str) -> Path:
    dest, n = folder / name, 2
    stem, suffix = os.path.splitext(name)
    while dest.exists():
        dest = folder / f"{stem} ({n}){suffix}"
        n += 1
    return dest


def cancel(lib: LibraryFolder, ids: list[int] | None) -> dict:
    pending = [i.id for i, _ in queue_entries(lib, [str(s) for s in PENDING])]
    chosen = pending if ids is None else [i for i in ids if i in pending]
    n = lib.catalog.set_queue_state(chosen, QueueState.CANCELLED, PENDING)
    return {"cancelled": n}
