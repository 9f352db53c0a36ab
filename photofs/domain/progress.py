"""How far along a life week is, and the streak: plain values, no I/O."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum


class WeekState(IntEnum):
    """Ordered: each state includes the ones before it."""
    NO_PHOTOS = 0
    FOUND = 1         # photos indexed, not all thumbnailed
    THUMBNAILED = 2   # every photo has its thumbnail
    REVIEWED = 3      # the user has been through it with `photofs week`
    ARCHIVED = 4      # every photo has a verified copy on the NAS: the week is done
    REMOVED = 5       # ...and the photos the user deleted are confirmed gone from the cloud

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ").replace("removed", "removal confirmed")


def week_state(figures: dict[str, int] | None, reviewed: bool) -> WeekState:
    if not figures or not figures.get("items"):
        return WeekState.NO_PHOTOS
    items = figures["items"]
    if figures["archived"] >= items:
        if figures["removed"] and not figures["pending"]:
            return WeekState.REMOVED
        return WeekState.ARCHIVED
    if figures["thumbnailed"] < items:
        return WeekState.FOUND
    return WeekState.REVIEWED if reviewed else WeekState.THUMBNAILED


def streak(active_days: set[str], today: dt.date) -> int:
    """Consecutive days with progress, ending today (or yesterday: today is not over)."""
    day = today if today.isoformat() in active_days else today - dt.timedelta(days=1)
    n = 0
    while day.isoformat() in active_days:
        n += 1
        day -= dt.timedelta(days=1)
    return n
