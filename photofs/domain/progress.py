"""How far along a life week is, the streak, and the first pass over the whole library:
plain values, no I/O."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
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


# -- the first pass over the whole library --------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One stage of the first pass (thumbnails, or verified NAS copies) over the items it covers."""
    done: int
    of: int
    bytes_left: int         # the originals' bytes the stage still has to read (sizes the catalog knows)
    unknown_sizes: int = 0  # items left whose size is not known yet (a Google item before its download)

    @property
    def left(self) -> int:
        return self.of - self.done

    @property
    def percent(self) -> float:
        """Rounded down to one decimal, so that 100.0% means done and 0.0% means none."""
        return 100.0 if not self.of else math.floor(1000 * self.done / self.of) / 10


@dataclass(frozen=True)
class FirstPass:
    """How far the first pass has got over the whole library."""
    items: int                # items in the pass: every kind, neither in error, trashed, removed nor missing
    by_kind: dict[str, int]   # photo, video, raw
    thumbs: Stage
    archive: Stage
    left_out: dict[str, int]  # why the others are not in it: error, missing, trashed, removed


@dataclass(frozen=True)
class Rate:
    """How fast the last run of a job went: what the ETA of what is left is reckoned at."""
    photos_per_s: float
    bytes_per_s: float
    at: float  # when that run ended (epoch seconds)

    @classmethod
    def of_run(cls, photos: int, nbytes: int, seconds: float, at: float) -> Rate | None:
        """None for a run that did nothing measurable (a re-run with nothing left to do)."""
        if photos <= 0 or seconds <= 0:
            return None
        return cls(photos / seconds, max(nbytes, 0) / seconds, at)

    def seconds_for(self, stage: Stage) -> float:
        """What is left at this rate: by bytes when the run read any, items of unknown size by count."""
        if self.bytes_per_s > 0:
            return stage.bytes_left / self.bytes_per_s + stage.unknown_sizes / self.photos_per_s
        return stage.left / self.photos_per_s
