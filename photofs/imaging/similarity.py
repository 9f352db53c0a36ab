"""The seven other flips and rotations of an image, whose phashes are kept.

A phash changes completely when a photo is mirrored or rotated, so copies made
that way look unrelated. Hashing the thumbnail's 8 dihedral variants once, at
thumbnail time (imaging/phash.py), lets grouping find them with the same Hamming
search. phash_int is imagehash's own, the reference the tests compare with.
"""

from __future__ import annotations

import imagehash
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


