"""A clear placeholder thumbnail for what photofs cannot draw yet (videos, RAW)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from photofs.domain.items import Item


def placeholder(item: Item, long_side: int) -> Image.Image:
    w, h = long_side, long_side * 9 // 16
    img = Image.new("RGB", (w, h), (38, 42, 48))
    d = ImageDraw.Draw(img)
    r = h // 5
    cx, cy = w // 2, h // 2 - h // 10
    d.polygon([(cx - r // 2, cy - r), (cx - r // 2, cy + r), (cx + r, cy)], fill=(230, 230, 230))
    d.text((8, h - 40), f"{'RAW' if item.kind == 'raw' else 'video'} (no preview yet)", fill=(200, 200, 200))
    d.text((8, h - 22), item.original_name[:40], fill=(255, 255, 255))
    return img
