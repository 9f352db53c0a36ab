"""File names in the mount: a thumbnail is `<phash>.jpg`; twins get `~2`, `~3`..."""

from __future__ import annotations

from collections.abc import Iterable

THUMB_SUFFIX = ".jpg"


def phash_names(hashes: Iterable[str]) -> list[str]:
    """Names for the entries of one folder, in the given order.

    The first item with a hash gets `<hash>.jpg`, later ones `<hash>~2.jpg` and
    so on, so two different photos with one hash are both visible.
    """
    seen: dict[str, int] = {}
    names = []
    for h in hashes:
        n = seen.get(h, 0) + 1
        seen[h] = n
        names.append(f"{h}{THUMB_SUFFIX}" if n == 1 else f"{h}~{n}{THUMB_SUFFIX}")
    return names


def hash_of_name(name: str) -> str | None:
    """The phash a file name starts with: `<phash>.jpg`, `<phash>~2.jpg`, and the names
    file managers give copies (`<phash> copy.jpg`, `<phash> (2).jpg`); else None."""
    head = name[:16]
    if len(name) > 16 and name.lower().endswith(THUMB_SUFFIX) and all(c in "0123456789abcdef" for c in head):
        return head
    return None


def printable(text: str) -> str:
    """A name safe to print on one line and store as UTF-8: control characters and
    undecodable bytes (surrogate-escaped by the OS layer) are shown escaped."""
    if text.isprintable():
        return text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
