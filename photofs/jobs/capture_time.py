"""When a photo was taken, the same way for every source: the first time that is known,
placed in the local time where the photo was taken (domain/local_time.py).

1. an instant a source gives (Google's `photoTakenTime`);
2. the file's own header: the camera's wall clock (EXIF), or a video's instant;
3. a date written in the file name (domain/name_dates.py);
4. a fallback instant (a folder file's mtime, often only the day it was copied).
"""

from __future__ import annotations

from photofs.domain.items import Item, TimeSource
from photofs.domain.local_time import place_instant, place_wall_clock, week_of
from photofs.domain.name_dates import date_from_name
from photofs.sources.places import zone_at


def place_capture_time(item: Item, cal, header, name: str, instant: float | None = None,
                       fallback: float | None = None) -> str | None:
    """Set the item's taken_at, tz_offset_min, time_source, time_zone_source and week; returns
    why a time was refused (a camera's 9999-12-31), or None."""
    offset = header.tz_offset_min if header is not None else None
    zone = zone_at(item.gps_lat, item.gps_lon) if offset is None else None
    refused = None
    candidates = []
    if instant is not None:
        candidates.append((TimeSource.SIDECAR, lambda: place_instant(instant, offset, zone)))
    if header is not None and header.taken_local is not None:
        candidates.append((TimeSource.EXIF, lambda: place_wall_clock(header.taken_local, offset, zone, cal.tz)))
    if header is not None and getattr(header, "taken_utc", None) is not None:
        candidates.append((TimeSource.EXIF, lambda: place_instant(header.taken_utc.timestamp(), offset, zone)))
    if (when := date_from_name(name)) is not None:
        candidates.append((TimeSource.FILENAME, lambda: place_wall_clock(when.wall_clock, None, zone, cal.tz)))
    if fallback is not None:
        candidates.append((TimeSource.MTIME, lambda: place_instant(fallback, offset, zone)))
    for source, place in candidates:
        try:
            placed = place()
        except (ValueError, OverflowError) as e:
            refused = refused or f"capture date ignored: {e}"
            continue
        item.taken_at, item.tz_offset_min, item.time_source = placed.taken_at, placed.offset_min, source
        item.time_zone_source = placed.zone_source
        item.week = week_of(cal, placed.taken_at, placed.offset_min)
        return refused
    item.taken_at = item.week = None
    item.time_source = TimeSource.NONE
    return refused
