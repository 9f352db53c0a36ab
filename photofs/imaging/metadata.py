"""What an original's own header says: capture time, camera, GPS, dimensions.

Reads the header only (Pillow's EXIF reader works for JPEG, TIFF, WebP, PNG and,
through pillow-heif, HEIC), never the pixels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PIL import Image

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_DATETIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011


@dataclass
class HeaderMetadata:
    width: int
    height: int
    mime: str | None
    taken_local: dt.datetime | None = None   # wall-clock time on the camera
    tz_offset_min: int | None = None         # the camera's UTC offset, when the file says
    make: str | None = None
    model: str | None = None
    gps: tuple[float, float, float | None] | None = None


def read_header(img: Image.Image) -> HeaderMetadata:
    w, h = img.size
    try:
        exif = img.getexif()
    except Exception:  # a broken EXIF block must not lose the photo: we keep what we can
        exif = Image.Exif()
    if exif.get(_ORIENTATION) in (5, 6, 7, 8):
        w, h = h, w  # dimensions as the photo is seen, upright
    meta = HeaderMetadata(width=w, height=h, mime=Image.MIME.get(img.format or ""))
    meta.make = _text(exif.get(_MAKE))
    meta.model = _text(exif.get(_MODEL))
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        sub = {}
    meta.taken_local = parse_exif_datetime(sub.get(_DATETIME_ORIGINAL)) or parse_exif_datetime(exif.get(_DATETIME))
    meta.tz_offset_min = parse_exif_offset(sub.get(_OFFSET_TIME_ORIGINAL) or sub.get(_OFFSET_TIME))
    try:
        meta.gps = _gps(exif.get_ifd(_GPS_IFD))
    except Exception:
        meta.gps = None
    return meta


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def parse_exif_datetime(value) -> dt.datetime | None:
    """`YYYY:MM:DD HH:MM:SS` (the EXIF form); zeros, blanks and nonsense give None."""
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M"):
        try:
            parsed = dt.datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
        return parsed if parsed.year >= 1826 else None  # before photography: a broken clock
    return None


def parse_exif_offset(value) -> int | None:
    """`+02:00` -> 120 minutes."""
    text = _text(value)
    if not text or len(text) < 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        minutes = int(text[1:3]) * 60 + int(text[4:6])
    except ValueError:
        return None
    if minutes > 14 * 60:
        return None
    return -minutes if text[0] == "-" else minutes


def _gps(ifd) -> tuple[float, float, float | None] | None:
    if not ifd or 2 not in ifd or 4 not in ifd:
        return None
    lat = _dms(ifd[2]) * (-1 if _text(ifd.get(1)) == "S" else 1)
    lon = _dms(ifd[4]) * (-1 if _text(ifd.get(3)) == "W" else 1)
    if lat == 0 and lon == 0:
        return None  # "no fix" is often written as 0,0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    alt = None
    if 6 in ifd:
        alt = float(ifd[6]) * (-1 if ifd.get(5) in (1, b"\x01") else 1)
    return (round(lat, 7), round(lon, 7), alt)


def _dms(value) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600
