"""Capture times placed in the local time where the photo was taken.

A photo taken at 01:00 on a Monday in Tokyo belongs to that Monday, whatever the
library's zone. Which zone a capture time is seen in, first that applies
(`time_zone_source`):

| source    | when                                                   |
| --------- | ------------------------------------------------------ |
| `exif`    | the file's EXIF has an offset (OffsetTimeOriginal)     |
| `gps`     | the item has a position: the zone there (timezonefinder, offline) |
| `library` | neither: the library's zone                            |

Times come in two forms. An instant (Google's `photoTakenTime`, a file's mtime)
is UTC and only needs a zone to be shown. A wall clock (EXIF without offset, a
date in a file name) is local already and needs the zone to become an instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from photofs.domain.weeks import LifeCalendar, timestamp_of_wall_clock

EXIF, GPS, LIBRARY = "exif", "gps", "library"


@dataclass(frozen=True)
class Placed:
    taken_at: float            # UTC epoch seconds
    offset_min: int | None     # the local offset where it was taken; None: the library's zone
    zone_source: str           # exif | gps | library


def place_instant(ts: float, exif_offset: int | None, gps_zone: ZoneInfo | None) -> Placed:
    if exif_offset is not None:
        return Placed(ts, exif_offset, EXIF)
    if gps_zone is not None:
        return Placed(ts, _offset_at(ts, gps_zone), GPS)
    return Placed(ts, None, LIBRARY)


def place_wall_clock(local: dt.datetime, exif_offset: int | None, gps_zone: ZoneInfo | None,
                     library_zone: ZoneInfo) -> Placed:
    if exif_offset is not None:
        return Placed(timestamp_of_wall_clock(local, exif_offset, library_zone), exif_offset, EXIF)
    if gps_zone is not None:
        ts = timestamp_of_wall_clock(local, None, gps_zone)
        return Placed(ts, _offset_at(ts, gps_zone), GPS)
    return Placed(timestamp_of_wall_clock(local, None, library_zone), None, LIBRARY)


def week_of(cal: LifeCalendar, ts: float, offset_min: int | None) -> int:
    """The life week of a capture time, by its local date where it was taken."""
    if offset_min is None:
        return cal.week_of_timestamp(ts)
    local = dt.datetime.fromtimestamp(ts, dt.timezone(dt.timedelta(minutes=offset_min)))
    return cal.week_of_date(local.date())


def _offset_at(ts: float, zone: ZoneInfo) -> int:
    return int(dt.datetime.fromtimestamp(ts, zone).utcoffset().total_seconds() // 60)
