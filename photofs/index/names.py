"""File-name groupings: what a name says about where a photo came from.

`name_group` (the /by-name/ rule): well-known patterns get a readable label
(WhatsApp, Screenshots, Google Pixel, Android camera, camera counter); any other
name is grouped by its shape, digits shown as `#` (`scan_###`, `DSC_####`).
`name_parts` (for inferred galleries): the name around its last number, that
number, and how many digits it was written with, so camera counters can be
followed and a run named as its first file is (`IMG_0004`, `Canon_40D`).
"""

from __future__ import annotations

import re

from photofs.sources.takeout.sidecar_match import unedited

_KNOWN = [
    (re.compile(r"^(IMG|VID|PTT|AUD)-\d{8}-WA\d+", re.I), "WhatsApp"),
    (re.compile(r"^(Screenshot|Screen Shot|Bildschirmfoto|Capture d.écran|Schermafbeelding|Captura de pantalla)", re.I),
     "Screenshots"),
    (re.compile(r"^PXL_\d{8}_\d+", re.I), "Google Pixel (PXL_date)"),
    (re.compile(r"^(IMG|VID|MVIMG|PANO|BURST)_\d{8}_\d{6}", re.I), "Android camera (IMG_date_time)"),
    (re.compile(r"^IMG_\d{4}$", re.I), "Camera counter (IMG_####)"),
    (re.compile(r"^(DSC|DSCF|DSCN|_DSC|DSC_)\d{4,5}$", re.I), "Camera counter (DSC####)"),
    (re.compile(r"^(P|_MG_|MG_|_IMG)\d{4,7}$", re.I), "Camera counter (other)"),
]
_DIGITS = re.compile(r"\d+")
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


_COPY_SUFFIX = re.compile(r"(\(\d+\)|-edited|~\d+)$")


def stem(name: str) -> str:
    """The name without extension and without copy or edit suffixes."""
    dot = name.rfind(".")
    base = name[:dot] if dot > 0 else name
    return _COPY_SUFFIX.sub("", base) if base[-1:] in ")d0123456789" else base


AROUND = "\x00"  # between the text before and after the last number; never in a file name


def name_keys(name: str) -> tuple[str, str, int, int]:
    """(name_group, around, number, digits) at once: the snapshot needs them per photo."""
    s = stem(name)
    return _group_of_stem(s), *_parts_of_stem(s)


def name_group(name: str) -> str:
    return _group_of_stem(stem(name))


def _group_of_stem(s: str) -> str:
    for pattern, label in _KNOWN:
        if pattern.search(s):
            return label
    shape = _DIGITS.sub(_digit_shape, s)
    if shape == s:
        return "names without numbers"
    return shape.replace("/", "_")[:80] or "names without numbers"


def _digit_shape(m: re.Match) -> str:
    """A run of digits as `#`s, or as YYYYMMDD / HHMMSS when it reads as a date or a time."""
    d = m.group()
    if len(d) == 8 and d[:2] in ("19", "20") and "01" <= d[4:6] <= "12" and "01" <= d[6:8] <= "31":
        return "YYYYMMDD"
    if len(d) == 6 and d[:2] <= "23" and d[2:4] <= "59" and d[4:6] <= "59" and m.start() > 0 and m.string[m.start() - 1] == "_" \
            and re.search(r"\d{8}_$", m.string[:m.start()]):
        return "HHMMSS"
    return "#" * min(len(d), 8)


def name_parts(name: str) -> tuple[str, int, int]:
    """(around, number, digits) of the last number in the name: `around` is the text
    before it and after it, joined by AROUND; number -1 (and 0 digits) when there is none."""
    return _parts_of_stem(stem(name))


def spelled(around: str, number: int, digits: int) -> str:
    """The name back from its parts: `IMG_` 4 (4 digits) is `IMG_0004`."""
    before, _, after = around.partition(AROUND)
    return before + ("" if number < 0 else f"{number:0{digits}d}") + after


def _parts_of_stem(s: str) -> tuple[str, int, int]:
    m = _LAST_NUMBER.match(s)
    if not m:
        return s, -1, 0
    digits = m.group(2)[-15:]
    return m.group(1) + AROUND + m.group(3), int(digits), len(digits)


_BURST_ID = re.compile(r"BURST(\d{14,})", re.I)          # Google Camera: 00001IMG_00001_BURST20190412101112345
_BURST_SHOT = re.compile(r"(\d{8})_(\d{6})")           # older Android: IMG_20190412_101112_BURST002


def burst_key(name: str) -> int:
    """The shot a burst frame belongs to, from its name (frames of one burst share it); -1 for none.
    (Apple's burst UUID and Google's XMP BurstID are in the file, not the name.)"""
    m = _BURST_ID.search(name)
    if m:
        return int(m.group(1)[:18])
    if "burst" in name.lower():
        shot = _BURST_SHOT.search(name)
        if shot:
            return int(shot.group(1) + shot.group(2))
    return -1


def is_edited(name: str) -> bool:
    """An `-edited` copy (in any of Google's languages), whose original is the same name without it."""
    return unedited(name) is not None
