"""Sources yield items with metadata and give back an original's bytes."""

from __future__ import annotations

from photofs.domain.items import Item
from photofs.errors import PhotofsError


def read_original(item: Item) -> bytes:
    """The original's bytes, from whichever source holds it."""
    if item.source == "folder":
        from photofs.sources.folder import read_file
        return read_file(item.source_id)
    raise PhotofsError(f"item {item.id}: unknown source {item.source!r}")
