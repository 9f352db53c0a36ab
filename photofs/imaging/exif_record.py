"""The metadata record a thumbnail carries in its EXIF.

A folder of thumbnails is a backup of the catalog: ImageDescription holds the
original file name, DateTimeOriginal/Make/Model/GPS are the usual fields, and
UserComment holds a JSON record with everything needed to find and rebuild the item.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import struct
from fractions import Fraction

import piexif
import piexif.helper

from photofs.domain.items import Item, ItemFile, TimeSource

RECORD_VERSION = 1
# The fields of Item that describe the original (not the catalog's working state).
RECORD_FIELDS = (
    "source", "source_id", "original_name", "size", "mtime_ns", "sha256", "mime", "width", "height",
    "make", "model", "gps_lat", "gps_lon", "gps_alt", "taken_at", "tz_offset_min", "time_source",
    "albums", "nas_path", "nas_sha256", "url", "phash", "kind", "title", "time_zone_source", "partner_shared",
    "duration", "fps", "codec", "animated", "frame_hashes", "burst_id",
)
FILE_FIELDS = ("role", "name", "size", "sha256", "nas_path", "nas_sha256", "nas_size")
MAX_TEXT = 256  # a camera's Make can be 60 kB of garbage; EXIF must stay under 64 kB


def record_of(item: Item, files: list[ItemFile] | None = None) -> dict:
    """Everything needed to find and rebuild the item, with each of its files and their
    verified NAS copies. Values are bounded and finite: the record is always valid JSON."""
    record = {"photofs": RECORD_VERSION}
    for name in RECORD_FIELDS:
        record[name] = _clean(getattr(item, name))
    if files:
        record["files"] = [{k: _clean(getattr(f, k)) for k in FILE_FIELDS} for f in files]
    return record


def _clean(value):
    if isinstance(value, TimeSource):
        return str(value)
    if isinstance(value, bytes):  # a video's frame hashes: JSON has no bytes
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return value[:MAX_TEXT * 4]  # paths are long; a 60 kB Make is not a value
    return value


def files_from_record(record: dict) -> list[ItemFile]:
    """The files a record lists (with their NAS copies), for rebuilding a catalog."""
    out = []
    for f in record.get("files") or []:
        if isinstance(f, dict) and f.get("role") and f.get("name"):
            out.append(ItemFile(**{k: f.get(k) for k in FILE_FIELDS}))
    return out


def item_from_record(record: dict) -> Item:
    if not isinstance(record, dict) or record.get("photofs") != RECORD_VERSION:
        raise ValueError("not a photofs metadata record")
    data = {k: record.get(k) for k in RECORD_FIELDS if k in record}
    data["time_source"] = TimeSource(data.get("time_source") or "none")
    data["albums"] = list(data.get("albums") or [])
    data["kind"] = data.get("kind") or "photo"          # records from before videos were items
    data["animated"] = bool(data.get("animated"))
    data["frame_hashes"] = bytes.fromhex(data["frame_hashes"]) if data.get("frame_hashes") else None
    return Item(**data)


def exif_bytes(item: Item, local_time: dt.datetime | None, files: list[ItemFile] | None = None) -> bytes:
    """EXIF for a thumbnail of `item`; `local_time` is its capture time as shown to the user."""
    zeroth = {
        piexif.ImageIFD.ImageDescription: item.original_name[:MAX_TEXT].encode("utf-8"),
        piexif.ImageIFD.Software: b"photofs",
        piexif.ImageIFD.Orientation: 1,  # the thumbnail is already upright
    }
    if item.make:
        zeroth[piexif.ImageIFD.Make] = item.make[:MAX_TEXT].encode("utf-8")
    if item.model:
        zeroth[piexif.ImageIFD.Model] = item.model[:MAX_TEXT].encode("utf-8")
    comment = json.dumps(record_of(item, files), sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    exif = {piexif.ExifIFD.UserComment: piexif.helper.UserComment.dump(comment, encoding="ascii")}
    if local_time is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = local_time.strftime("%Y:%m:%d %H:%M:%S").encode()
        offset = local_time.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            exif[piexif.ExifIFD.OffsetTimeOriginal] = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}".encode()
    gps = gps_ifd(item.gps_lat, item.gps_lon, item.gps_alt) if valid_position(item.gps_lat, item.gps_lon) else {}
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps, "1st": {}, "thumbnail": None})


def read_record(jpeg: bytes) -> dict:
    """The JSON record of a photofs thumbnail; ValueError if it has none."""
    try:
        exif = piexif.load(jpeg)
        raw = exif["Exif"][piexif.ExifIFD.UserComment]
        return json.loads(piexif.helper.UserComment.load(raw))
    except (KeyError, ValueError, piexif.InvalidImageDataError, struct.error) as e:
        raise ValueError(f"no photofs record in EXIF ({e})") from None


def insert_exif(exif: bytes, jpeg: bytes) -> bytes:
    out = io.BytesIO()
    piexif.insert(exif, jpeg, out)
    return out.getvalue()


def gps_ifd(lat: float, lon: float, alt: float | None = None) -> dict:
    """An EXIF GPS block for a position."""
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"S" if lat < 0 else b"N", piexif.GPSIFD.GPSLatitude: _dms(abs(lat)),
           piexif.GPSIFD.GPSLongitudeRef: b"W" if lon < 0 else b"E", piexif.GPSIFD.GPSLongitude: _dms(abs(lon))}
    if alt is not None and math.isfinite(alt) and abs(alt) < 100_000:  # a sidecar's `inf` or 1e20 is no altitude
        gps[piexif.GPSIFD.GPSAltitudeRef] = 1 if alt < 0 else 0
        fraction = Fraction(abs(alt)).limit_denominator(100)
        gps[piexif.GPSIFD.GPSAltitude] = (fraction.numerator, fraction.denominator)
    return gps


def valid_position(lat, lon) -> bool:
    return (lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)
            and -90 <= lat <= 90 and -180 <= lon <= 180)


def _dms(value: float) -> tuple:
    degrees = int(value)
    minutes_f = (value - degrees) * 60
    minutes = int(minutes_f)
    seconds = round((minutes_f - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))

