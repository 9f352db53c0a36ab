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


class WeekSource(StrEnum):
    """Where an item's effective week came from (items.week is the effective one)."""
    CAPTURE = "capture"  # its capture time (none: undated)
    USER = "user"        # the user moved it into another week's folder; imports keep it


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
    week: int | None = None           # the effective week, used everywhere; see week_source
    week_source: WeekSource = WeekSource.CAPTURE
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
    title: str | None = None          # Google's title, as the sidecar says it (original_name is a safe file name)
    time_zone_source: str | None = None   # where taken_at is seen: exif | gps | library (domain/local_time.py)
    partner_shared: bool = False      # a partner's photo, shared into this library (Google partner sharing)
    duration: float | None = None     # seconds: videos and animations
    fps: float | None = None          # a video's frame rate
    codec: str | None = None          # a video's codec, FFmpeg's name (h264, hevc, vp9, av1 ...)
    animated: bool = False            # an animated GIF or WebP (its thumbnail is the first frame)
    frame_hashes: bytes | None = None  # a video's frame phashes across the clip (uint64 each, little-endian)
    burst_id: str | None = None       # the burst it is a frame of (Google Camera's XMP BurstID, Apple's BurstUUID)


@dataclass
class Place:
    """Where a copy of one file of an item can be read: a Takeout part and its member,
    a folder and a file name, or a Google source and the item's id there."""
    container: str
    member: str
    size: int | None = None


@dataclass
class ItemFile:
    """One file of an item (role: original | motion | raw | jpeg; see domain/media.py),
    with the places it can be read from and its verified copy on the NAS."""
    role: str
    name: str
    size: int | None = None
    sha256: str | None = None
    places: list[Place] = field(default_factory=list)
    nas_path: str | None = None
    nas_sha256: str | None = None
    nas_size: int | None = None
    verified_at: float | None = None

    @property
    def verified(self) -> bool:
        return bool(self.nas_sha256 and self.nas_path)
