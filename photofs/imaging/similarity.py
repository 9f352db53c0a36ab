"""Perceptual hashes of the seven other flips and rotations of an image.

A phash changes completely when a photo is mirrored or rotated, so copies made
that way look unrelated. Hashing the thumbnail's 8 dihedral variants once, at
thumbnail time, lets grouping find them with the same Hamming search.
"""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

T = Image.Transpose
# (transform, kind): the order is the column order of the stored variants.
VARIANTS = [
    (T.FLIP_LEFT_RIGHT, "mirrored"), (T.FLIP_TOP_BOTTOM, "mirrored"),
    (T.ROTATE_90, "rotated"), (T.ROTATE_180, "rotated"), (T.ROTATE_270, "rotated"),
    (T.TRANSPOSE, "mirrored"), (T.TRANSVERSE, "mirrored"),
]


def phash_int(img: Image.Image) -> int:
    return int(str(imagehash.phash(img)), 16)


def dihedral_hashes(img: Image.Image) -> bytes:
    """The 7 variant phashes as little-endian uint64s (56 bytes), one imagehash call
    each: the reference that imaging/phash.py matches with two resizes."""
    return np.array([phash_int(img.transpose(t)) for t, _ in VARIANTS], dtype="<u8").tobytes()

