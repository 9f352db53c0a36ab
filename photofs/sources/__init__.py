"""Sources yield items with metadata and give back an original's bytes."""

from __future__ import annotations

from photofs.domain.items import Item
from photofs.errors import PhotofsError

MAX_ORIGINAL_BYTES = 512 * 2**20  # a photo; videos are never read whole


def read_original(item: Item, files: list[tuple[str, str, str, int | None]], google=None) -> bytes:
    """The original's bytes, from whichever source holds it. `files` are the item's
    recorded locations (role, container, member, size), for sources with them;
    `google` gives a Google client, for items found through the Library API."""
    if item.source == "library":
        from photofs.sources.google.media import download
        return download(google(), item.source_id, video=item.kind == "video")
    if item.source == "picker":
        raise OSError("a picked photo can be read again only by picking it again (photofs pick)")
    if item.source == "folder":
        from photofs.sources.folder import read_file
        return read_file(item.source_id)
    if item.source == "takeout":
        from photofs.sources.takeout.reader import read_member
        originals = [f for f in files if f[0] == "original"]
        if not originals:
            raise OSError(f"item {item.id}: no recorded location in any Takeout part")
        errors = []
        for _, container, member, _ in originals:  # any copy will do: parts overlap
            try:
                return read_member(container, member, MAX_ORIGINAL_BYTES)
            except OSError as e:
                errors.append(str(e))
        raise OSError("; ".join(errors))
    raise PhotofsError(f"item {item.id}: unknown source {item.source!r}")
