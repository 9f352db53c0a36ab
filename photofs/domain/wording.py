"""Counts in words, for the lines people read."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 photo`, `2 photos`, `0 photos`; `many` for irregular words (`1 copy`, `2 copies`)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
