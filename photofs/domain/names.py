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


# Characters no NAS (SMB, NTFS, exFAT) takes in a name, and Windows' reserved device names.
_UNSAFE = set('/\\:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
MAX_NAME_BYTES = 200  # under 255 with room for ` (99)` and `.photofs.json` beside it


def safe_file_name(name: str, extension: str = "") -> str:
    """A file name any NAS accepts, for a copy of a file whose true name is kept in the
    catalog: unsafe characters become `_`, a reserved device name gets a `_` in front,
    trailing dots and spaces go, the media `extension` (with its dot) is kept or added,
    and the whole is at most MAX_NAME_BYTES of UTF-8. A title is never a path."""
    clean = "".join("_" if c in _UNSAFE or not c.isprintable() else c for c in name).strip().rstrip(". ")
    if clean.startswith("."):  # hidden on every Unix NAS, and `..` must never reach a path
        clean = "_" + clean[1:]
    ext = extension if extension and not clean.lower().endswith(extension.lower()) else ""
    if ext:
        clean = clean.rstrip(". ")
    elif extension:
        clean, ext = clean[: len(clean) - len(extension)], clean[len(clean) - len(extension):]
    stem = clean or "unnamed"
    if stem.split(".", 1)[0].upper() in _RESERVED:
        stem = "_" + stem
    budget = MAX_NAME_BYTES - len(ext.encode("utf-8"))
    while len(stem.encode("utf-8")) > budget:
        stem = stem[:-1]
    return stem.rstrip(". ") + ext if stem.rstrip(". ") else "unnamed" + ext
