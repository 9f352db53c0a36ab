"""Life weeks: week 0 is the ISO week (Monday start) that holds the birth date.

Week i covers the seven days that start i weeks after that Monday, in the
library's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LIFE_WEEKS = 5200  # 100 years, the goal the grid is drawn for


@dataclass(frozen=True)
class LifeCalendar:
    birth: dt.date
    tz: ZoneInfo

    @property
    def week0_monday(self) -> dt.date:
        return self.birth - dt.timedelta(days=self.birth.weekday())

    def week_of_date(self, day: dt.date) -> int:
        return (day - self.week0_monday).days // 7

    def week_of_timestamp(self, ts: float) -> int:
        """The life week of an instant (UTC epoch seconds), seen in the library's zone."""
        local = dt.datetime.fromtimestamp(ts, self.tz)
        return self.week_of_date(local.date())

    def monday_of_week(self, week: int) -> dt.date:
        return self.week0_monday + dt.timedelta(weeks=week)

    def folder_name(self, week: int) -> str:
        """`NNNN_YYYY-MM-DD`: index padded to four digits, then the week's Monday."""
        return f"{week:04d}_{self.monday_of_week(week).isoformat()}"

    def week_of_folder(self, name: str) -> int | None:
        """The inverse of folder_name; None for any other name."""
        number, _, monday = name.partition("_")
        if not (number.isdigit() and len(number) >= 4 and monday):
            return None
        return int(number) if self.folder_name(int(number)) == name else None

    def capture_week(self, taken_at: float | None) -> int | None:
        """The week a capture time falls in (None: undated)."""
        return None if taken_at is None or taken_at != taken_at else self.week_of_timestamp(taken_at)

    def moved_into(self, folder: str, taken_at: float | None) -> tuple[int, str] | None:
        """(effective week, week source) of a photo the user put in a /by-week/ folder:
        a week's folder corrects its week (back to "capture" when that is where it was
        taken); any other folder (undated, before-birth, the user's own) is no week."""
        week = self.week_of_folder(folder)
        if week is None:
            return None
        return week, "capture" if week == self.capture_week(taken_at) else "user"

    def current_week(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(self.tz)
        return self.week_of_date(now.astimezone(self.tz).date())


def parse_week_range(text: str) -> tuple[int, int]:
    """`A-B` or `N` into an inclusive range; raises ValueError with a readable message."""
    a, sep, b = text.partition("-")
    try:
        lo = int(a)
        hi = int(b) if sep else lo
    except ValueError:
        raise ValueError(f"week range must look like 120-130 or 125, got {text!r}") from None
    if lo < 0 or hi < lo:
        raise ValueError(f"week range {text!r} is empty or negative")
    return lo, hi


# Capture times outside these years are a camera's or a file's nonsense (EXIF 9999-12-31,
# 0000:00:00), not a photo's: they are refused, so one odd file never breaks a whole folder.
FIRST_YEAR, LAST_YEAR = 1826, 2200


def timestamp_of_wall_clock(local: dt.datetime, offset_min: int | None, zone: ZoneInfo) -> float:
    """An EXIF wall-clock time as UTC epoch seconds: with the camera's offset when
    known, else read in the library's zone. ValueError for a time no photo has."""
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise ValueError(f"{local:%Y-%m-%d} is not a plausible capture date")
    if offset_min is not None:
        return local.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_min))).timestamp()
    return local.replace(tzinfo=zone).timestamp()
