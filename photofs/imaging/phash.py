"""imagehash's phash, bit for bit, for many images and all 8 flips at once.

imagehash.phash(img) is: grey (`convert("L")`), a 32x32 LANCZOS resize, a 2-D
DCT, the top-left 8x8, each coefficient above their median -> one bit. Two
things make it cheaper here without changing a bit:

- The DCT, median and bits run on a whole stack of 32x32 inputs in one numpy
  call instead of one call per image.
- A photo's 8 flips and rotations need 2 resizes, not 8: Pillow's resize
  commutes exactly with mirroring (its filter weights are symmetric and its
  sums are integers), so the mirrored variants are the resized image mirrored;
  only the transposed family needs its own resize (the two passes swap).
  tests/test_imaging.py checks both claims against imagehash and Pillow.
"""

from __future__ import annotations

import numpy as np
import scipy.fftpack
from PIL import Image

from photofs.imaging.similarity import VARIANTS

T = Image.Transpose
SIDE, HASH = 32, 8
# Each variant from the resized image ("o") or the resized transpose ("t"), as array flips.
_FROM_RESIZED = {
    T.FLIP_LEFT_RIGHT: ("o", (slice(None), slice(None, None, -1))),
    T.FLIP_TOP_BOTTOM: ("o", (slice(None, None, -1), slice(None))),
    T.ROTATE_180: ("o", (slice(None, None, -1), slice(None, None, -1))),
    T.TRANSPOSE: ("t", (slice(None), slice(None))),
    T.ROTATE_90: ("t", (slice(None, None, -1), slice(None))),
    T.ROTATE_270: ("t", (slice(None), slice(None, None, -1))),
    T.TRANSVERSE: ("t", (slice(None, None, -1), slice(None, None, -1))),
}
_WEIGHTS = (np.uint64(1) << np.arange(63, -1, -1, dtype=np.uint64))  # imagehash: first bit is the highest


def small(img: Image.Image) -> np.ndarray:
    """imagehash's input: grey, 32x32, LANCZOS."""
    return np.asarray(img.convert("L").resize((SIDE, SIDE), Image.Resampling.LANCZOS))


def hashes_of(pixels: np.ndarray) -> np.ndarray:
    """phash of each (32, 32) grey array in a (n, 32, 32) stack, as uint64."""
    if not len(pixels):
        return np.empty(0, np.uint64)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=1), axis=2)
    low = dct[:, :HASH, :HASH].reshape(len(pixels), HASH * HASH)
    bits = low > np.median(low, axis=1)[:, None]
    return (bits.astype(np.uint64) * _WEIGHTS).sum(axis=1, dtype=np.uint64)


def phash_many(images) -> np.ndarray:
    return hashes_of(np.stack([small(img) for img in images]) if images else np.empty((0, SIDE, SIDE), np.uint8))


def phash_and_variants(img: Image.Image) -> tuple[int, np.ndarray]:
    """(phash, the 7 variants' phashes in VARIANTS order) with two resizes."""
    grey = img.convert("L")
    resized = {"o": np.asarray(grey.resize((SIDE, SIDE), Image.Resampling.LANCZOS)),
               "t": np.asarray(grey.transpose(T.TRANSPOSE).resize((SIDE, SIDE), Image.Resampling.LANCZOS))}
    stack = [resized["o"]] + [resized[_FROM_RESIZED[t][0]][_FROM_RESIZED[t][1]] for t, _ in VARIANTS]
    hashes = hashes_of(np.stack(stack))
    return int(hashes[0]), hashes[1:]
