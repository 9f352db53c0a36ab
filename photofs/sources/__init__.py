"""Sources yield items with metadata and give back each of their files' bytes.

The table of sources is `sources/registry.py`.
"""

from __future__ import annotations

from photofs.domain.items import Item, ItemFile
from photofs.sources.registry import open_file, read_all

MAX_ORIGINAL_BYTES = 512 * 2**20  # a photo; videos are never read whole


def read_original(lib, item: Item, files: list[ItemFile]) -> bytes:
    """The bytes of the item's shown file (a still: bounded), from whichever place has it."""
    if not files:
        raise OSError(f"item {item.id}: no recorded file")
    return read_all(open_file(lib, item, files[0]), MAX_ORIGINAL_BYTES)
