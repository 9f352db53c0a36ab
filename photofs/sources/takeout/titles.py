"""A safe original name from Google's title.

A sidecar's `title` is the name the photo was uploaded with, but it need not be a
file name: `27/06/12 - 2` has a slash and no extension, `image000000.gif.json`
ends in `.json`, some are long or end in dots. The original name photofs keeps
(and later writes on the NAS) is the title made safe: characters that some
filesystem refuses become `_`, and the extension is the media file's own, since
its bytes decide what it is. Google's title itself is kept beside it, unchanged.
"""

from __future__ import annotations

import re
import unicodedata

from photofs.domain.media import extension, kind_of

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# Invisible or line-breaking characters (C1 controls, bidi overrides, line separators) that
# would hide or fake a name; the joiners inside emoji sequences stay.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}
MAX_NAME_BYTES = 240  # below every filesystem's 255, with room for a `~2` twin suffix


def safe_original_name(title: str | None, media_name: str) -> str:
    """The original name for a media member whose sidecar says `title`."""
    if not title:
        return media_name
    safe = _UNSAFE.sub("_", title)
    if not safe.isascii():
        safe = "".join("_" if unicodedata.category(c) in _INVISIBLE and c not in _JOINERS else
                       " " if unicodedata.category(c) == "Zs" else c for c in safe)
    safe = safe.strip().rstrip(". ")
    if not safe.strip("._ "):
        return media_name
    ext = extension(media_name)
    if ext and not safe.lower().endswith(ext):
        head, dot, _ = safe.rpartition(".")
        if dot and head.lower().endswith(ext):
            safe = head                    # image000000.gif.json -> image000000.gif
        elif dot and kind_of(safe) is not None:
            safe = head + ext              # another media extension: the bytes decide
        else:
            safe += ext                    # no extension, or a dot inside the title
    return _shortened(safe, len(ext))


def _shortened(name: str, ext_len: int) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, ext = (name[:-ext_len], name[-ext_len:]) if ext_len else (name, "")
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(". ") + ext
