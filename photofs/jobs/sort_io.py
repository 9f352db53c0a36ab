"""`photofs sort export | import | reset`: save, restore and drop the sort state.

Export format (JSON lines, UTF-8), one object per line:
- first `{"photofs_sort": 1, "library": ..., "exported_at": ...}`;
- then one `{"view": V, "folder": "a/b"}` per user folder (so empty ones come back);
- then one per photo: `{"item": {"source", "source_id", "sha256", "phash",
  "original_name"}, "queued": bool, "views": {view: [folder, ...]}}`, giving the
  folders it is in (or would return to, if queued) in every view, whether by the
  view's rule or by the user's hand.
Import matches photos by source and source id, else by checksum and name, and
pins a photo only where the file says something other than the view's rule.
It checks the whole file before changing anything, and changes it in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from photofs.domain.sorting import TO_DELETE, VIEWS, SortChange
from photofs.errors import PhotofsError
from photofs.library_folder import LibraryFolder
from photofs.vfs import Placement
from photofs.views import by_week

FORMAT = 1


def export_sort(lib: LibraryFolder, out: Path) -> dict:
    places = Placement(lib)
    items = {i.id: i for i in lib.catalog.items()}
    lines = [{"photofs_sort": FORMAT, "library": str(lib.path), "exported_at": dt.datetime.now(dt.UTC).isoformat()}]
    lines += [{"view": v, "folder": p} for v in VIEWS for p in places.user_folders(v)]
    for item_id in places.item_ids:
        item = items[item_id]
        views = {view: places.folders_of(view, item_id) for view in VIEWS if view != TO_DELETE}
        lines.append({"item": {"source": item.source, "source_id": item.source_id, "sha256": item.sha256,
                               "phash": item.phash, "original_name": item.original_name},
                      "queued": places.is_queued(item_id), "views": views})
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        tmp.replace(out)
    except OSError as e:
        raise PhotofsError(f"cannot write {out}: {e.strerror or e}") from None
    photos = len(places.item_ids)
    return {"file": str(out), "photos": photos, "folders": len(lines) - 1 - photos}


def import_sort(lib: LibraryFolder, path: Path) -> dict:
    records = _read(path)
    places = Placement(lib)
    by_source, by_content = {}, {}
    for item in lib.catalog.items():
        by_source[(item.source, item.source_id)] = item.id
        by_content[(item.sha256, item.original_name)] = item.id
    change = SortChange()
    unknown = 0
    for rec in records:
        if "folder" in rec:
            change.folders_add.add((rec["view"], rec["folder"]))
            continue
        ident = rec["item"]
        item_id = by_source.get((ident.get("source"), ident.get("source_id"))) or \
            by_content.get((ident.get("sha256"), ident.get("original_name")))
        if item_id is None or not all([places.place(change, view, item_id, set(folders))
                                        for view, folders in rec.get("views", {}).items()]):
            unknown += 1
            continue
        (change.queue_add if rec.get("queued") else change.queue_remove).add(item_id)
    lib.catalog.apply_sort_change(change)
    return {"file": str(path), "photos": len(records) - len(change.folders_add) - unknown,
            "folders": len(change.folders_add), "not in this library": unknown}


def _read(path: Path) -> list[dict]:
    """Every record, checked; a bad file changes nothing and names its bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PhotofsError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PhotofsError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise PhotofsError(f"{path}:{n}: not JSON ({e.msg})") from None
        if n == 1:
            if not isinstance(rec, dict) or rec.get("photofs_sort") != FORMAT:
                raise PhotofsError(f"{path}: not a photofs sort export (first line must say photofs_sort: {FORMAT})")
            continue
        problem = _check(rec)
        if problem:
            raise PhotofsError(f"{path}:{n}: {problem}")
        records.append(rec)
    if not text.strip():
        raise PhotofsError(f"{path}: empty file")
    return records


def _check(rec) -> str | None:
    if not isinstance(rec, dict):
        return "expected an object"
    if "folder" in rec:
        if rec.get("view") not in VIEWS or rec["view"] == TO_DELETE:
            return f"unknown view {rec.get('view')!r}"
        if not isinstance(rec["folder"], str) or not rec["folder"] or _bad_path(rec["folder"]):
            return f"bad folder {rec['folder']!r}"
        return None
    if not isinstance(rec.get("item"), dict):
        return "a photo record needs an item"
    views = rec.get("views", {})
    if not isinstance(views, dict):
        return "views must be an object"
    for view, folders in views.items():
        if view not in VIEWS or view == TO_DELETE:
            return f"unknown view {view!r}"
        if not isinstance(folders, list) or any(not isinstance(f, str) or _bad_path(f) for f in folders):
            return f"bad folders for {view}"
    return None


def _bad_path(path: str) -> bool:
    """Folders are `a/b` relative to a view ("" is its top level); no `..`, no control characters."""
    return any(p in ("", ".", "..") or any(ord(c) < 32 for c in p) for p in (path.split("/") if path else ()))


def reset_sort(lib: LibraryFolder, view: str | None) -> dict:
    if view is not None and view not in VIEWS:
        raise PhotofsError(f"unknown view {view!r}; views are: {', '.join(VIEWS)}")
    if view == TO_DELETE:
        raise PhotofsError("the removal queue is not sort state; move photos out of /to-delete/ to take them back")
    weeks = {}
    if view in (None, by_week.NAME):  # the weeks the user chose are /by-week/'s overrides
        weeks = {item: lib.calendar.capture_week(taken) for item, taken in lib.catalog.user_weeks()}
    return {"view": view or "all", "overrides dropped": lib.catalog.reset_sort(view, weeks),
            "weeks restored": len(weeks)}
