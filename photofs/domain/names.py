"""File names in the mount: a thumbnail is `<phash>.jpg`; a photo that shares its
hash with an older one is `<phash>~<catalog id>.jpg` (views/names.py says which)."""

from __future__ import annotations

import re

THUMB_SUFFIX = ".jpg"
_TWIN = re.compile(r"[0-9a-f]{16}~([0-9]+)\.[jJ][pP][gG]")


def photo_name(phash_hex: str, item_id: int, plain: bool) -> str:
    """`<phash>.jpg`, or `<phash>~<item id>.jpg`: a suffix from the photo's own
    identity, so it names that photo and no other however the folder changes."""
    return f"{phash_hex}{THUMB_SUFFIX}" if plain else f"{phash_hex}~{item_id}{THUMB_SUFFIX}"


def item_of_name(name: str) -> int | None:
    """The catalog id in a twin's name (`<phash>~<id>.jpg`); None for any other name."""
    m = _TWIN.fullmatch(name)
    return int(m.group(1)) if m else None


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
