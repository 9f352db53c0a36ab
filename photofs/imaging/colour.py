"""A photo's colour signature, and the colour group /by-histogram/ files it under.

Signature (12 bytes, each 0..255 as a share of the image): 8 hue bins weighted
by saturation (red, orange, yellow, green, cyan, blue, purple, pink), the grey
share (pixels with little saturation), and 3 brightness bins (dark, mid, bright).
Group: the dominant colour (the largest hue bin, or grey when grey outweighs
all colour) and the dominant brightness, e.g. `blue-bright`, `grey-dark`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

HUES = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink")
# Hue bin edges on Pillow's 0..255 hue circle (red wraps around 0).
_EDGES = np.array([0, 11, 28, 46, 99, 135, 185, 210, 235, 256])
_BIN_OF_EDGE = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0])
BRIGHTNESS = ("dark", "mid", "bright")
GREY_SATURATION = 40


def signature(img: Image.Image) -> bytes:
    hsv = np.asarray(img.convert("RGB").resize((64, 64)).convert("HSV"), dtype=np.int32).reshape(-1, 3)
    h, s, v = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    coloured = (s >= GREY_SATURATION) & (v >= 40)
    bins = _BIN_OF_EDGE[np.searchsorted(_EDGES, h, side="right") - 1]
    hue = np.bincount(bins[coloured], weights=s[coloured] / 255.0, minlength=8)
    grey = float((~coloured).sum())
    total = hue.sum() + grey
    shares = np.append(hue, grey) / total if total else np.zeros(9)
    light = np.bincount(np.digitize(v, [85, 170]), minlength=3) / len(v)
    return np.round(np.concatenate([shares, light]) * 255).astype(np.uint8).tobytes()


def group(sig: bytes | np.ndarray) -> str:
    a = np.frombuffer(sig, np.uint8) if isinstance(sig, bytes) else sig
    if len(a) != 12:
        return "unknown"
    colour = "grey" if a[8] >= a[:8].max() else HUES[int(a[:8].argmax())]
    return f"{colour}-{BRIGHTNESS[int(a[9:12].argmax())]}"


GROUP_NAMES = [f"{c}-{b}" for c in (*HUES, "grey") for b in BRIGHTNESS] + ["unknown"]


def group_codes(sigs: np.ndarray) -> np.ndarray:
    """`group` for many signatures at once: (n, 12) uint8 -> codes into GROUP_NAMES
    (all-zero rows, photos without a signature, are `unknown`)."""
    hue = sigs[:, :8].astype(np.int32)
    colour = np.where(sigs[:, 8] >= hue.max(axis=1), len(HUES), hue.argmax(axis=1))
    codes = colour * 3 + sigs[:, 9:12].argmax(axis=1)
    return np.where(sigs.any(axis=1), codes, len(GROUP_NAMES) - 1).astype(np.int32)
