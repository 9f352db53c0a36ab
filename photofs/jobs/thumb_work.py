"""One item's thumbnail work, as a pool worker does it: read the original from its
place once, hash it, decode it, make the thumbnail, its phash and variants and its
colour signature.

This read is often the original's first full read: `add-folder` reads only headers,
so the SHA-256 of a new file is computed here, from the same bytes the thumbnail is
made of. A task carries what the worker needs to open the file itself (the item and
its recorded files): no original's bytes go through a pipe, and a worker on another
machine reads the same paths. The result goes back to the parent, which stamps it,
caches it and writes the catalog (jobs/thumbs.py). Everything here is picklable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from photofs.domain.items import Item, ItemFile
from photofs.errors import PhotofsError, QuotaSpent
from photofs.imaging.decode import BadImage
from photofs.imaging.decoder_log import caught_messages
from photofs.imaging.thumbnail import Thumbnail, make_thumbnail
from photofs.library_folder import open_seekable
from photofs.sources import read_original

@dataclass(frozen=True)
class ThumbTask:
    item: Item
    files: tuple[ItemFile, ...]
    long_side: int
    max_pixels: int


@dataclass
class ThumbResult:
    thumb: Thumbnail | None = None
    bytes_read: int = 0
    sha256: str | None = None       # of the bytes the thumbnail was made from
    bad: str | None = None          # the original is not a picture photofs can read: the item's error
    unreachable: str | None = None  # the original cannot be read right now: the next run tries again
    said: list[str] = field(default_factory=list)  # what the decoders said (for photofs.log)


def make_one(task: ThumbTask, lib=None) -> ThumbResult:
    """The thumbnail of one item. `lib` is needed only for a Google item (its login); a
    worker has none. Google's spent quota is raised for the caller to stop Google's items."""
    with caught_messages() as said:
        result = _make_one(task, lib)
    result.said = said
    return result


def _make_one(task: ThumbTask, lib) -> ThumbResult:
    item = task.item
    try:
        if item.kind == "video":  # never held in memory: hashed as it streams, then a few frames read
            with open_seekable(lib, item, list(task.files)) as fp:
                sha, size = None, 0
                if not item.sha256:
                    sha, size = hashlib.file_digest(fp, "sha256").hexdigest(), fp.tell()
                    fp.seek(0)
                thumb = make_thumbnail(fp, task.long_side, task.max_pixels, item.kind)
            return ThumbResult(thumb, size, sha)
        if item.kind == "raw" and item.sha256:  # hashed already: LibRaw reads just the preview from the file
            with open_seekable(lib, item, list(task.files)) as fp:
                return ThumbResult(make_thumbnail(fp, task.long_side, task.max_pixels, item.kind))
        data = read_original(lib, item, list(task.files))
        sha = hashlib.sha256(data).hexdigest()
        return ThumbResult(make_thumbnail(data, task.long_side, task.max_pixels, item.kind), len(data), sha)
    except BadImage as e:
        return ThumbResult(bad=str(e))
    except QuotaSpent:
        raise
    except (OSError, PhotofsError) as e:
        return ThumbResult(unreachable=str(getattr(e, "strerror", None) or e))

