"""Google's JSON sidecars: finding the one that belongs to a photo, and reading it.

Names Google writes for the sidecar of `IMG_1234.jpg`:
- `IMG_1234.jpg.json` (older exports);
- `IMG_1234.jpg.supplemental-metadata.json`, and any clipped form of that suffix
  (`.supplemental-metad.json`, `.suppl.json`, `.s.json`, ...);
- names cut so that the part before `.json` is at most 46 characters (51 in all);
- the duplicate counter moves: `IMG_1234(1).jpg` pairs with `IMG_1234.jpg(1).json`
  or `IMG_1234.jpg.supplemental-metadata(1).json`;
- `-edited` copies (and their localized names) have no sidecar: they share the original's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

SUFFIX = ".supplemental-metadata"
BUDGET = 46  # characters before ".json" (Google's 51-character names)
_COUNTER = re.compile(r"^(.*)\((\d+)\)$")
# "-edited" as Google localizes it.
EDITED = ("-edited", "-bearbeitet", "-modifié", "-editado", "-modificato", "-bewerkt", "-redigerad", "-muokattu",
          "-edytowane", "-upraveno", "-redigeret", "-redigert", "-編集済み", "-已编辑", "-편집됨", "-düzenlendi",
          "-отредактировано", "-bewerkte")


def sidecar_key(json_name: str) -> tuple[str, int] | None:
    """(stem, counter) of a sidecar file name, or None when it is not a `.json`."""
    if not json_name.lower().endswith(".json"):
        return None
    stem = json_name[:-5]
    m = _COUNTER.match(stem)
    return (m.group(1), int(m.group(2))) if m else (stem, 0)


def media_base(media_name: str) -> tuple[str, int, bool]:
    """(name the sidecar is about, duplicate counter, is an edited copy)."""
    stem, dot, ext = media_name.rpartition(".")
    if not dot:
        stem, ext = media_name, ""
    counter = 0
    m = _COUNTER.match(stem)
    if m:
        stem, counter = m.group(1), int(m.group(2))
    edited = False
    for suffix in EDITED:
        if stem.lower().endswith(suffix):
            stem, edited = stem[: -len(suffix)], True
            break
    return (f"{stem}.{ext}" if dot else stem), counter, edited


def candidate_keys(base: str, counter: int) -> list[tuple[str, int]]:
    """Every (stem, counter) a sidecar of `base` may be named with, best first."""
    full = base + SUFFIX
    keys = [(full[:i], counter) for i in range(len(full), len(base) - 1, -1)]  # the suffix, clipped
    keys += [(full[:BUDGET], counter), (base[:BUDGET], counter)]               # cut to Google's budget
    if "." in base:
        keys.append((base.rsplit(".", 1)[0], counter))                         # oldest: no extension
    return list(dict.fromkeys(keys))


@dataclass
class SidecarMeta:
    title: str | None = None
    description: str | None = None
    taken_at: float | None = None
    problem: str | None = None           # what was wrong with it (kept: the photo is not)
    gps: tuple[float, float, float | None] | None = None
    people: list[str] = field(default_factory=list)
    url: str | None = None
    favorited: bool = False
    archived: bool = False
    trashed: bool = False


def is_media_sidecar(data: object) -> bool:
    return isinstance(data, dict) and any(k in data for k in ("photoTakenTime", "creationTime", "imageViews", "url"))


def album_title(data: object) -> str | None:
    """The title of an album's metadata.json (flat, or the older `albumData` form)."""
    if isinstance(data, dict):
        inner = data.get("albumData") if isinstance(data.get("albumData"), dict) else data
        title = inner.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
    return None


def parse_json(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def read_sidecar(data: object) -> SidecarMeta:
    meta = SidecarMeta()
    if not isinstance(data, dict):
        meta.problem = "sidecar is not a JSON object"
        return meta
    meta.title = _text(data.get("title"))
    meta.description = _text(data.get("description"))
    meta.url = _text(data.get("url"))
    taken = data.get("photoTakenTime")
    if taken is not None:
        meta.taken_at, meta.problem = _timestamp(taken)
    meta.gps = _geo(data.get("geoData")) or _geo(data.get("geoDataExif"))
    people = data.get("people")
    if isinstance(people, list):
        meta.people = [p["name"] for p in people if isinstance(p, dict) and isinstance(p.get("name"), str)]
    meta.favorited = data.get("favorited") is True
    meta.archived = data.get("archived") is True
    meta.trashed = data.get("trashed") is True
    return meta


def _text(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _timestamp(value) -> tuple[float | None, str | None]:
    raw = value.get("timestamp") if isinstance(value, dict) else None
    try:
        ts = float(str(raw).strip())
    except (TypeError, ValueError):
        return None, f"photoTakenTime.timestamp is not a number ({raw!r})"
    latest = dt.datetime.now(dt.UTC).timestamp() + 366 * 86400
    if not -4_000_000_000 < ts < latest or ts != ts:
        return None, f"photoTakenTime.timestamp {raw!r} is not a plausible date"
    if ts == 0:
        return None, "photoTakenTime.timestamp is 0 (no date)"
    return ts, None


def _geo(value) -> tuple[float, float, float | None] | None:
    if not isinstance(value, dict):
        return None
    try:
        lat, lon = float(value.get("latitude", 0)), float(value.get("longitude", 0))
        alt = float(value.get("altitude", 0))
    except (TypeError, ValueError):
        return None
    if (lat == 0 and lon == 0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None  # Google writes zeros for "no location"
    return lat, lon, alt or None
