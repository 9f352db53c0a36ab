"""A capture date (and time, when there is one) written in a file name.

One reading for every source: Takeout photos without sidecar or EXIF, and
`add-folder` files without EXIF (before the file's mtime, which is often the day
the file was copied). The forms cameras, phones and apps write, most precise first:

| form                       | examples                                                        |
| -------------------------- | --------------------------------------------------------------- |
| YYYYMMDD_hhmmss            | IMG_20190412_101112.jpg, PXL_20220909_154515546.TS.mp4           |
| YYYYMMDD-hhmmss            | Screenshot_20190919-053857_Camera.jpg                            |
| YYYYMMDDhhmmss (14 digits) | …_BURST20190216172030_COVER.jpg, AR_EFFECT_20141126193511.mp4,   |
|                            | 201801261147521000.jpg (milliseconds after the seconds)          |
| YYYY-MM-DD-hh-mm-ss        | Screenshot_2020-01-02-03-04-05.jpg, `2023-07-20 14:15:30`,       |
|                            | `Screenshot from 2022-12-17 19-45-43.png`                        |
| YYYY-MM-DD-hhmmss          | signal-2020-10-26-163832.jpg                                     |
| YYYY-MM-DD at hh.mm.ss     | `Screenshot 2021-03-04 at 10.11.12.png`, `WhatsApp Image 2020-…`, |
|                            | `Bildschirmfoto 2021-03-04 um 10.11.12.png` (any language's "at") |
| YYYY_MM_DD_hh_mm_ss        | 2016_01_30_11_49_15.mp4                                          |
| YYYYMMDD, YYYY-MM-DD       | IMG-20200101-WA0001.jpg, 2021-05-27_overlay.webp (date only)     |

A date-only name is placed at 12:00 local time: noon keeps the day whichever zone
the photo is later shown in, where 00:00 would slip to the day before. Dates that
do not exist (month 13, 30 February, hour 25) and dates in the future are no dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_Y = r"(?<!\d)((?:19|20)\d{2})"
_FORMS = [
    re.compile(_Y + r"(\d{2})(\d{2})[_-](\d{2})(\d{2})(\d{2})"),                   # 20190412_101112
    re.compile(_Y + r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})"),                        # 20190216172030(…)
    re.compile(_Y + r"-(\d{2})-(\d{2})[ _T-](\d{2})[.:-](\d{2})[.:-](\d{2})(?!\d)"),  # 2020-01-02-03-04-05
    re.compile(_Y + r"-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?!\d)"),              # 2020-10-26-163832
    re.compile(_Y + r"-(\d{2})-(\d{2}) \D{1,6} (\d{2})[.:](\d{2})[.:](\d{2})(?!\d)"),  # 2021-03-04 at 10.11.12
    re.compile(_Y + r"_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})(?!\d)"),            # 2016_01_30_11_49_15
    re.compile(_Y + r"(\d{2})(\d{2})(?!\d)"),                                        # 20200101
    re.compile(_Y + r"-(\d{2})-(\d{2})(?!\d)"),                                      # 2020-01-01
]
DATE_ONLY_HOUR = 12


@dataclass(frozen=True)
class NameDate:
    wall_clock: dt.datetime   # naive: the local time where the photo was taken
    has_time: bool            # False for a date-only name (placed at 12:00)


def date_from_name(name: str, now: dt.datetime | None = None) -> NameDate | None:
    """The date written in a file name (its last path part), or None."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    latest = (now or dt.datetime.now()) + dt.timedelta(days=1)
    for form in _FORMS:
        for m in form.finditer(name):
            parts = [int(g) for g in m.groups()]
            has_time = len(parts) == 6
            if not has_time:
                parts += [DATE_ONLY_HOUR, 0, 0]
            try:
                when = dt.datetime(*parts)
            except ValueError:
                continue
            if when <= latest:
                return NameDate(when, has_time)
    return None
