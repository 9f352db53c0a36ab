"""What the catalog knows about one photo, as a plain value."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ItemState(StrEnum):
    INDEXED = "indexed"          # found in a source, metadata read, no thumbnail yet
    THUMBNAILED = "thumbnailed"  # thumbnail and perceptual hash made; visible in the mount
    MISSING = "missing"          # the source no longer has it (kept, never dropped)
    ERROR = "error"              # could not be read; `error` says why


class TimeSource(StrEnum):
    EXIF = "exif"        # DateTimeOriginal (+ OffsetTimeOriginal when present)
    MTIME = "mtime"      # file modification time, when EXIF has no date
    SIDECAR = "sidecar"  # Google Takeout's photoTakenTime
    FILENAME = "filename"  # a date written in the file name (IMG_20190412_...)
    NONE = "none"        # nothing usable: shown under /by-week/undated/


@dataclass
class Item:
    """One original photo. Times are UTC epoch seconds."""

    source: str                       # "folder" for now; later takeout, library, picker
    source_id: str                    # unique within the source (a folder item's absolute path)
    original_name: str
    id: int | None = None
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    make: str | None = None
    model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    taken_at: float | None = None
    tz_offset_min: int | None = None  # the camera's UTC offset, when the file says
    time_source: TimeSource = TimeSource.NONE
    week: int | None = None
    state: ItemState = ItemState.INDEXED
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    phash: str | None = None          # 16 lower-case hex digits
    thumb_size: int | None = None
    albums: list[str] = field(default_factory=list)
    dihedral: bytes | None = None     # phashes of the 7 other flips/rotations of the thumbnail
    histogram: bytes | None = None    # the thumbnail's colour signature
    nas_path: str | None = None       # the archived original on the NAS
    nas_sha256: str | None = None     # what was verified there after writing
    nas_size: int | None = None
    archived_at: float | None = None
    url: str | None = None
    kind: str = "photo"               # photo | raw | video (domain/media.py kind_of)
    description: str | None = None
    people: list[str] = field(default_factory=list)
    favorited: bool = False
    archived: bool = False
    trashed: bool = False             # in Google's trash: indexed, not shown in views
    duration: float | None = None     # seconds: videos and animations
    fps: float | None = None          # a video's frame rate
    codec: str | None = None          # a video's codec, FFmpeg's name (h264, hevc, vp9, av1 ...)
    animated: bool = False            # an animated GIF or WebP (its thumbnail is the first frame)
    frame_hashes: bytes | None = None  # a video's frame phashes across the clip (uint64 each, little-endian)
    burst_id: str | None = None       # the burst it is a frame of (Google Camera's XMP BurstID, Apple's BurstUUID)
