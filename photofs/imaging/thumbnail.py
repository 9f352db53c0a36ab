"""Thumbnails and their perceptual hashes.

The hash is computed from the thumbnail's own decoded pixels, so a file's name
is exactly (Hamming distance 0) the phash of the image you see in it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from photofs.imaging import colour
from photofs.imaging.decode import decode_upright, open_image
from photofs.imaging.phash import phash_and_variants

JPEG_QUALITY = 85


@dataclass
class Thumbnail:
    pixels_jpeg: bytes  # the JPEG without the EXIF record: what the hash is of
    phash: str          # 16 lower-case hex digits
    dihedral: bytes     # phashes of the 7 other flips/rotations (imaging/similarity.py)
    histogram: bytes    # colour signature (imaging/colour.py)


def make_thumbnail(data: bytes, long_side: int, max_pixels: int) -> Thumbnail:
    img = open_image(data, max_pixels)
    return thumbnail_of(decode_upright(img, long_side), long_side)


def thumbnail_of(upright: Image.Image, long_side: int) -> Thumbnail:
    """The thumbnail of an upright RGB image (from a photo, or a placeholder)."""
    upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    # Fixed encoder settings: the same source gives the same bytes, so reads are stable
    # and a thumbnail evicted from the cache comes back identical.
    upright.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, subsampling=2)
    jpeg = buf.getvalue()
    with Image.open(io.BytesIO(jpeg)) as decoded:
        decoded.load()
        phash, variants = phash_and_variants(decoded)
        return Thumbnail(jpeg, f"{phash:016x}", variants.astype("<u8").tobytes(), colour.signature(decoded))
