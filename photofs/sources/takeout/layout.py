"""What a Takeout's folders and file names say.

- `Takeout/Google Photos/<folder>/`: a year folder ("Photos from 2019", in any
  language: a short phrase ending in a year, and no album metadata) or an album
  (named by its metadata.json, else by the folder).
- Which files are one item (motion photos, Live Photos, RAW + JPEG) is the same
  rule for every source: domain/media.py.
- A date in the file name, for photos with neither sidecar nor EXIF.
"""

from __future__ import annotations

import datetime as dt
import re

_YEAR_FOLDER = re.compile(r"^\D{0,40}?\b(18|19|20)\d{2}$")
ROOT_MARKERS = ("Google Photos", "Google Fotos", "Google Foto", "Google Photos-Backup")


def split_member(name: str) -> tuple[str, str] | None:
    """(folder below `Google Photos/`, file name), or None for members outside it."""
    parts = name.replace("\\", "/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part in ROOT_MARKERS or (part.startswith("Google ") and i > 0 and parts[i - 1] == "Takeout"):
            rest = parts[i + 1:]
            if len(rest) < 2:
                return "", rest[-1]
            return "/".join(rest[:-1]), rest[-1]
    return None


def is_year_folder(folder: str) -> bool:
    return bool(_YEAR_FOLDER.match(folder.rsplit("/", 1)[-1]))


_NAME_DATES = [
    re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})[_-](\d{2})(\d{2})(\d{2})"),        # IMG_20190412_101112, PXL_
    re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})[ _-](\d{2})[.-](\d{2})[.-](\d{2})"),  # Screenshot_2020-01-01-10-11-12
    re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),                           # IMG-20200101-WA0001
    re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)"),
]


def date_from_name(name: str) -> dt.datetime | None:
    """A wall-clock date (and time, when there is one) written in a file name."""
    for pattern in _NAME_DATES:
        m = pattern.search(name)
        if m:
            parts = [int(g) for g in m.groups()] + [12, 0, 0][: 6 - len(m.groups())]
            try:
                return dt.datetime(*parts)
            except ValueError:
                continue
    return None
