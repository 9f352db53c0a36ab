"""The time zone at a GPS position, offline (timezonefinder ships the zone borders).

Photos of one trip share a few positions: lookups are cached by position rounded
to about 100 m, and the finder (a third of a second to load) is made on first use.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_at(lat: float | None, lon: float | None) -> ZoneInfo | None:
    """The zone at a position, or None without one."""
    if lat is None or lon is None:
        return None
    return _zone_at(round(lat, 3), round(lon, 3))


@lru_cache(maxsize=65536)
def _zone_at(lat: float, lon: float) -> ZoneInfo | None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    name = _finder().timezone_at(lat=lat, lng=lon)  # at sea, a nautical zone (Etc/GMT-9): still the right day
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=1)
def _finder():
    from timezonefinder import TimezoneFinder  # loads its data files: only when a photo has a position
    return TimezoneFinder()
