"""Counts in words, for the lines people read."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 photo`, `2 photos`, `0 photos`; `many` for irregular words (`1 copy`, `2 copies`)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def gigabytes(nbytes: int) -> str:
    """`12.3 GB` (10^9 bytes, one decimal); a little left is never shown as nothing."""
    if 0 < nbytes < 50_000_000:
        return "under 0.1 GB"
    return f"{nbytes / 1e9:.1f} GB"


def duration(seconds: float) -> str:
    """A rough time for an ETA: `2 d 4 h`, `3 h 10 min`, `12 min`, `under a minute`."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def speed(photos_per_s: float, bytes_per_s: float) -> str:
    """`41 MB/s`, `2.5 MB/s`, or `12 photos/s` when the run read no bytes we counted."""
    if bytes_per_s > 0:
        mb = bytes_per_s / 1e6
        return f"{mb:.0f} MB/s" if mb >= 10 else f"{mb:.1f} MB/s"
    return f"{photos_per_s:.0f} photos/s" if photos_per_s >= 10 else f"{photos_per_s:.1f} photos/s"
