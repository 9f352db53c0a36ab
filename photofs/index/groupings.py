"""Rules that put one photo into a group, from its metadata alone."""

from __future__ import annotations

import math
from functools import lru_cache
import os
import re

# Folders that say nothing about a gallery: camera dumps, Google's year folders
# ("Photos from 2019" as it is localized), bare years and dates. "Italy 2019" is a gallery.
_PHOTOS_FROM = ("photos from", "fotos von", "photos de", "fotos de", "foto del", "foto's uit", "foton från",
                "zdjęcia z", "fotky z", "фото за", "fotos do", "fotoğraflar")
_GENERIC_FOLDER = re.compile(
    r"^(dcim|camera|camera roll|pictures|photos|images|takeout|google photos|\d{3}[a-z_]{5}|"
    r"(" + "|".join(re.escape(p) for p in _PHOTOS_FROM) + r") (18|19|20)\d{2}|"
    r"(18|19|20)\d{2}([-_ ]\d{2}([-_ ]\d{2})?)?)$", re.I)


def folder_gallery(source_id: str, collections: set[str] = frozenset()) -> str | None:
    """The gallery a folder-source photo's own folder stands for, or None when the
    folder is generic or is a collection (it has sub-folders of photos: its loose
    photos join inferred galleries)."""
    parent = source_id.rpartition(os.sep)[0]
    return None if parent in collections else _gallery_of_folder(parent)


def collections_of(folders) -> set[str]:
    """Every folder that holds another folder of photos."""
    out = set()
    for folder in folders:
        parent = folder.rpartition(os.sep)[0]
        while parent and parent not in out:
            out.add(parent)
            parent = parent.rpartition(os.sep)[0]
    return out


@lru_cache(maxsize=65536)  # photos come hundreds to a folder
def _gallery_of_folder(parent: str) -> str | None:
    folder = os.path.basename(parent)
    if not folder or _GENERIC_FOLDER.match(folder):
        return None
    return folder


_MP_STEPS = [0, 1, 2, 4, 8, 12, 16, 24, 36, 60]
_ASPECTS = [(1.0, "1x1"), (1.25, "5x4"), (4 / 3, "4x3"), (1.5, "3x2"), (16 / 9, "16x9"), (2.0, "2x1")]


@lru_cache(maxsize=65536)  # a library has few distinct sizes
def resolution_group(width: int | None, height: int | None) -> str:
    """`12-16MP 4x3 landscape`: megapixel band, nearest common aspect ratio, orientation."""
    if not width or not height:
        return "unknown size"
    mp = width * height / 1e6
    lo = max(s for s in _MP_STEPS if s <= mp)
    hi = next((s for s in _MP_STEPS if s > mp), None)
    band = f"{lo:02d}-{hi:02d}MP" if hi else f"{lo:02d}MP-and-up"
    ratio = max(width, height) / min(width, height)
    aspect = "panorama" if ratio > 2.3 else min(_ASPECTS, key=lambda a: abs(math.log(ratio / a[0])))[1]
    orientation = "square" if width == height else ("landscape" if width > height else "portrait")
    return f"{band} {aspect} {orientation}" if aspect != "1x1" else f"{band} 1x1"
