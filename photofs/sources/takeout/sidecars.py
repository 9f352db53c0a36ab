"""Google's JSON files in a Takeout: what each one is, and what a media sidecar says.

Which sidecar belongs to which media member is decided in sidecar_match.py. Here,
by content whatever the file's name (album metadata is `metadata.json`,
`métadonnées.json`, `метаданные.json`, ... by language):
- a media sidecar has `photoTakenTime`, or the fields only photos have (`url`,
  `imageViews`, `creationTime`);
- album metadata has an album `title` (flat, or in the older `albumData`) and none
  of those, and is not named after a media file; its title may be "" (an untitled album).

Location: `geoData` is where Google places the photo (the user's correction when
they moved it in Google Photos), `geoDataExif` what Google read from the file.
All zeros means "no location".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from photofs.domain.media import kind_of

MEDIA, ALBUM = "media", "album"
_MEDIA_FIELDS = ("photoTakenTime", "creationTime", "imageViews", "url")


@dataclass
class SidecarMeta:
    title: str | None = None
    description: str | None = None
    taken_at: float | None = None
    problem: str | None = None           # what was wrong with it (kept: the photo is not)
    gps: tuple[float, float, float | None] | None = None        # geoData
    gps_exif: tuple[float, float, float | None] | None = None   # geoDataExif
    people: list[str] = field(default_factory=list)
    url: str | None = None
    favorited: bool = False
    archived: bool = False
    trashed: bool = False
    partner_shared: bool = False        # googlePhotosOrigin.fromPartnerSharing: a partner's photo


def json_kind(data: object, json_name: str) -> str | None:
    """MEDIA, ALBUM, or None for a JSON that is neither. A bare `{"title": ...}` named after a
    media file (`IMG_1.jpg.json`) is that photo's sidecar: album metadata never is."""
    if not isinstance(data, dict):
        return None
    if any(k in data for k in _MEDIA_FIELDS):
        return MEDIA
    inner = data.get("albumData") if isinstance(data.get("albumData"), dict) else data
    if not isinstance(inner.get("title"), str):
        return None
    stem = json_name[:-5] if json_name.lower().endswith(".json") else json_name
    clipped_suffix = "." in stem and ".supplemental-metadata".startswith("." + stem.rsplit(".", 1)[-1])
    named_for_media = kind_of(stem) is not None or clipped_suffix
    return MEDIA if named_for_media and "albumData" not in data else ALBUM


def album_title(data: object) -> str | None:
    """The title of album metadata; None when it is untitled ("")."""
    inner = data.get("albumData") if isinstance(data.get("albumData"), dict) else data
    title = inner.get("title")
    return title.strip() or None if isinstance(title, str) else None


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
    title = data.get("title")
    meta.title = title if isinstance(title, str) and title.strip() else None  # Google's, unchanged
    meta.description = _text(data.get("description"))
    meta.url = _text(data.get("url"))
    taken = data.get("photoTakenTime")
    if taken is not None:
        meta.taken_at, meta.problem = _timestamp(taken)
    meta.gps, meta.gps_exif = _geo(data.get("geoData")), _geo(data.get("geoDataExif"))
    people = data.get("people")
    if isinstance(people, list):
        meta.people = [p["name"] for p in people if isinstance(p, dict) and isinstance(p.get("name"), str)]
    meta.favorited = data.get("favorited") is True
    meta.archived = data.get("archived") is True
    meta.trashed = data.get("trashed") is True
    origin = data.get("googlePhotosOrigin")
    meta.partner_shared = isinstance(origin, dict) and "fromPartnerSharing" in origin
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
