"""Which files are media, of what kind, and which files belong together as one item.

One table for every source (folder, Takeout): a file's kind comes from its name,
and the companions of a still (the video half of a motion or Live Photo, the RAW
of a RAW + JPEG pair) are found among the names of its own folder.

Roles of an item's files:
- `original`: the still or the video the user sees;
- `motion`:   the video half of a motion photo or Live Photo;
- `raw` and `jpeg`: the two halves of a RAW + JPEG pair (the JPEG is shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STILL_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".heic", ".heif", ".hif", ".tif", ".tiff", ".webp",
                    ".gif", ".avif", ".bmp", ".jxl"}
RAW_EXTENSIONS = {".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".orf", ".rw2", ".raf", ".srw", ".pef"}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mkv", ".mts", ".m2ts", ".webm"}
MEDIA_EXTENSIONS = STILL_EXTENSIONS | RAW_EXTENSIONS | VIDEO_EXTENSIONS

ROLE_ORIGINAL, ROLE_MOTION, ROLE_RAW, ROLE_JPEG = "original", "motion", "raw", "jpeg"
# The file that is shown (thumbnail, metadata), first one present wins.
SHOWN_ROLES = (ROLE_ORIGINAL, ROLE_JPEG, ROLE_RAW)

# Stills that can carry a motion video beside them.
_MOTION_STILLS = {".jpg", ".jpeg", ".heic", ".heif"}
# A motion photo's video part with no media extension of its own: Google's `X.MP`,
# `X.MP~2` (a second copy), `X.MV`, and extension-less `MVIMG_...` parts.
_MOTION_PART = re.compile(r"^(?P<stem>.+\.(?:MP|MV))(?:~\d+)?$", re.IGNORECASE)


def extension(name: str) -> str:
    """The lower-case extension with its dot, or '' (a name like `X.MP` has `.mp`)."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def kind_of(name: str) -> str | None:
    """'photo', 'raw' or 'video' for a media file name; None for anything else."""
    ext = extension(name)
    if ext in STILL_EXTENSIONS:
        return "photo"
    if ext in RAW_EXTENSIONS:
        return "raw"
    if ext in VIDEO_EXTENSIONS or is_motion_part(name):
        return "video"
    return None


def is_motion_part(name: str) -> bool:
    """A motion photo's video part that has no media extension: `X.MP`, `X.MP~2`, `X.MV`, `MVIMG_1`."""
    return bool(_MOTION_PART.match(name)) or (name.upper().startswith("MVIMG_") and extension(name) == "")


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


@dataclass
class Group:
    """One item's files within a folder: (role, name) pairs, the shown file first."""
    files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return self.files[0][1]

    @property
    def kind(self) -> str:
        """The item's kind: 'photo', 'raw' (a RAW with no JPEG) or 'video'."""
        return kind_of(self.shown)


def group_folder(names) -> tuple[list[Group], list[str]]:
    """Group the names of one folder into items; returns (groups, names that are not media).

    A still with a video of the same stem (`IMG_1.HEIC` + `IMG_1.MOV`, `X.MP.jpg` + `X.MP`,
    `X.jpg` + `X.MP~2`, `MVIMG_1.jpg` + `MVIMG_1`) is one item with a `motion` file; a RAW
    with a JPEG of the same stem is one item with `jpeg` and `raw` files. Stems compare
    without case (cameras write `.JPG`, phones `.jpg`). Every media name lands in exactly
    one group, and every other name in the second list.
    """
    names = sorted(set(names))
    media = [n for n in names if kind_of(n) is not None]
    by_stem: dict[str, list[str]] = {}
    for name in media:
        by_stem.setdefault(_stem(name).lower(), []).append(name)
    # Each motion part under the still stems it can belong to: one pass, not one per still.
    parts_of: dict[str, list[str]] = {}
    for name in media:
        if kind_of(name) == "video":
            for stem in _motion_part_stems(name):
                parts_of.setdefault(stem, []).append(name)
    taken: set[str] = set()
    groups: list[Group] = []
    for name in media:
        if extension(name) not in _MOTION_STILLS or name in taken:
            continue
        stem = _stem(name).lower()
        group = Group([(ROLE_ORIGINAL, name)])
        taken.add(name)
        parts = [n for n in by_stem.get(stem, []) if kind_of(n) == "video"]
        parts += parts_of.get(stem, [])
        for part in parts:
            if part not in taken:
                group.files.append((ROLE_MOTION, part))
                taken.add(part)
        raws = [n for n in by_stem.get(stem, []) if kind_of(n) == "raw" and n not in taken]
        if raws:
            group.files[0] = (ROLE_JPEG, name)
            group.files += [(ROLE_RAW, r) for r in raws]
            taken.update(raws)
        groups.append(group)
    groups += [Group([(ROLE_ORIGINAL, n)]) for n in media if n not in taken]
    return groups, [n for n in names if kind_of(n) is None]


def _motion_part_stems(name: str) -> set[str]:
    """The still stems `name` is a motion part of: `X.MP`, `X.MP~2` or `X.MV` for the still
    `X.MP.jpg` or `X.jpg`; `MVIMG_1` for `MVIMG_1.jpg`."""
    m = _MOTION_PART.match(name)
    if m:
        part_stem = m.group("stem").lower()
        return {part_stem, part_stem.rsplit(".", 1)[0]}
    if extension(name) == "":
        return {name.split("~", 1)[0].lower()}
    return set()
