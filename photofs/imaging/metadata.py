"""What an original's own header says: capture time, camera, GPS, dimensions, and
for videos and animations how long they run.

Reads the header only, never the pixels: Pillow's EXIF reader for stills (JPEG,
TIFF, WebP, PNG, GIF, AVIF, BMP and, through pillow-heif, HEIC), LibRaw and the
RAW's own IFDs for RAW files (imaging/raw.py), the container's tags for videos
(imaging/video.py). `read_media_header` is the one entry point for every kind.
"""

from __future__ import annotations

import datetime as dt
import io
import mimetypes
import re
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from PIL import Image

from photofs.domain.items import Item, TimeSource
from photofs.domain.weeks import timestamp_of_wall_clock
from photofs.imaging import raw as raw_files
from photofs.imaging import video as videos
from photofs.imaging.decode import open_image

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_DATETIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011
_DNG_VERSION = 0xC612
_MAKER_NOTE = 0x927C


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
    taken_utc: dt.datetime | None = None     # an instant with no local offset (a video's creation_time)
    duration: float | None = None            # seconds: videos and animations
    fps: float | None = None
    codec: str | None = None                 # a video's codec (h264, hevc, ...)
    animated: bool = False                   # an animated GIF or WebP (the thumbnail is its first frame)
    burst_id: str | None = None              # the burst it is a frame of: Google Camera's XMP BurstID, Apple's BurstUUID

    def taken_at(self, zone: ZoneInfo) -> float | None:
        """The capture time as UTC epoch seconds: the camera's wall clock read in its own
        offset (else in `zone`), or the instant a video's container gives."""
        if self.taken_local is not None:
            return timestamp_of_wall_clock(self.taken_local, self.tz_offset_min, zone)
        if self.taken_utc is not None:
            return self.taken_utc.timestamp()
        return None

    def fill(self, item: Item, zone: ZoneInfo) -> bool:
        """Copy what the header says onto `item` (an indexer's step for every kind); True when it
        gave a capture time (then item.time_source is EXIF: the file's own metadata)."""
        item.width, item.height, item.mime = self.width, self.height, self.mime
        item.make, item.model = self.make, self.model
        if self.gps:
            item.gps_lat, item.gps_lon, item.gps_alt = self.gps
        item.duration, item.fps, item.codec = self.duration, self.fps, self.codec
        item.animated, item.burst_id = self.animated, self.burst_id
        try:
            taken = self.taken_at(zone)
        except (ValueError, OverflowError):  # a camera's 9999-12-31: no capture time, not a crash
            return False
        if taken is None:
            return False
        item.taken_at, item.tz_offset_min, item.time_source = taken, self.tz_offset_min, TimeSource.EXIF
        return True


def read_media_header(fp: bytes | BinaryIO, kind: str, max_pixels: int, name: str | None = None) -> HeaderMetadata:
    """The header of any original: `kind` is media.kind_of's ('photo', 'raw' or 'video');
    `name` (the file's name) gives a RAW's or a video's MIME type. Raises BadImage
    (BadRaw, BadVideo) with the reason when the file cannot be read."""
    if kind == "raw":
        return read_raw_header(fp, max_pixels, name)
    if kind == "video":
        return read_video_header(fp, name)
    return read_header(open_image(fp, max_pixels))


def read_header(img: Image.Image) -> HeaderMetadata:
    w, h = img.size
    try:
        exif = img.getexif()
    except Exception:  # a broken EXIF block must not lose the photo: we keep what we can
        exif = Image.Exif()
    # Pillow reports a TIFF's size upright already; every other format as stored.
    if exif.get(_ORIENTATION) in (5, 6, 7, 8) and img.format != "TIFF":
        w, h = h, w  # dimensions as the photo is seen, upright
    meta = HeaderMetadata(width=w, height=h, mime=Image.MIME.get(img.format or ""))
    sub = _ifd(exif, _EXIF_IFD)
    _fill_from_exif(meta, exif, sub, _ifd(exif, _GPS_IFD))
    meta.burst_id = _google_burst_id(img.info) or apple_burst_uuid(sub.get(_MAKER_NOTE))
    if getattr(img, "is_animated", False):
        meta.animated = True
        meta.duration = _animation_seconds(img)
    return meta


def read_raw_header(fp: bytes | BinaryIO, max_pixels: int, name: str | None = None) -> HeaderMetadata:
    with raw_files.RawFile(fp, max_pixels) as raw:
        ifds = raw.exif()
        meta = HeaderMetadata(width=raw.width, height=raw.height, mime=_raw_mime(name, ifds.base))
    _fill_from_exif(meta, ifds.base, ifds.exif, ifds.gps)
    return meta


def read_video_header(fp: BinaryIO | bytes, name: str | None = None) -> HeaderMetadata:
    info = videos.probe(io.BytesIO(fp) if isinstance(fp, bytes) else fp)
    return HeaderMetadata(width=info.width, height=info.height, mime=_video_mime(name),
                          taken_local=info.taken_local, tz_offset_min=info.tz_offset_min, taken_utc=info.taken_utc,
                          make=info.make, model=info.model, gps=info.gps,
                          duration=round(info.duration, 3) if info.duration else None, fps=info.fps, codec=info.codec)


def _fill_from_exif(meta: HeaderMetadata, base, sub, gps) -> None:
    """Camera, capture time and place from the three IFDs (base, Exif and GPS)."""
    meta.make = _text(base.get(_MAKE))
    meta.model = _text(base.get(_MODEL))
    meta.taken_local = parse_exif_datetime(sub.get(_DATETIME_ORIGINAL)) or parse_exif_datetime(base.get(_DATETIME))
    meta.tz_offset_min = parse_exif_offset(sub.get(_OFFSET_TIME_ORIGINAL) or sub.get(_OFFSET_TIME))
    try:
        meta.gps = _gps(gps)
    except Exception:  # a malformed GPS block loses the position, not the photo
        meta.gps = None


_XMP_BURST_ID = re.compile(rb"BurstID(?:=\"|>)([^\"<]{1,200})")


def _google_burst_id(info: dict) -> str | None:
    """Google Camera writes `GCamera:BurstID` in the XMP of each frame of a burst."""
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    m = _XMP_BURST_ID.search(xmp) if isinstance(xmp, bytes) else None
    return m.group(1).decode("utf-8", "replace").strip() or None if m else None


def apple_burst_uuid(maker_note) -> str | None:
    """Apple's MakerNote (`Apple iOS\\0`, then an IFD whose offsets count from the note's
    start) holds BurstUUID at tag 0x000B on each frame of a burst."""
    if not isinstance(maker_note, bytes) or not maker_note.startswith(b"Apple iOS\x00") or len(maker_note) < 16:
        return None
    order = "big" if maker_note[12:14] == b"MM" else "little"
    count = int.from_bytes(maker_note[14:16], order)
    for at in range(16, min(16 + 12 * count, len(maker_note) - 11), 12):
        tag, kind = int.from_bytes(maker_note[at:at + 2], order), int.from_bytes(maker_note[at + 2:at + 4], order)
        if tag != 0x000B or kind != 2:
            continue
        size = int.from_bytes(maker_note[at + 4:at + 8], order)
        start = at + 8 if size <= 4 else int.from_bytes(maker_note[at + 8:at + 12], order)
        return _text(maker_note[start:start + size])
    return None


def _ifd(exif: Image.Exif, tag: int) -> dict:
    try:
        return exif.get_ifd(tag)
    except Exception:
        return {}


def _animation_seconds(img: Image.Image) -> float | None:
    """An animation's length from its frames' durations (GIF: header reads; WebP decodes each frame)."""
    total = 0.0
    try:
        for index in range(min(getattr(img, "n_frames", 1), 10_000)):
            img.seek(index)
            if "duration" not in img.info:
                img.load()  # WebP says a frame's duration only once it is decoded
            total += float(img.info.get("duration") or 0)
        img.seek(0)
    except (EOFError, OSError, ValueError):
        return None
    return round(total / 1000, 3) if total else None


def _raw_mime(name: str | None, base: dict) -> str:
    ext = name[name.rfind("."):].lower() if name and "." in name else ""
    if ext in raw_files.MIME:
        return raw_files.MIME[ext]
    return raw_files.MIME[".dng"] if _DNG_VERSION in base else "image/x-raw"


def _video_mime(name: str | None) -> str:
    guessed = mimetypes.guess_type(name or "")[0]
    return guessed if guessed and guessed.startswith("video/") else "video/mp4"


def _text(value) -> str | None:
    """A text tag, ending at its first NUL (what follows is the buffer's garbage), printable."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = "".join(c for c in value.split("\x00", 1)[0] if c.isprintable()).strip()
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
