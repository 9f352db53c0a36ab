"""Thumbnails and their perceptual hashes.

The hash is computed from the thumbnail's own decoded pixels, so a file's name
is exactly (Hamming distance 0) the phash of the image you see in it. A video's
thumbnail is a representative frame with a small play badge drawn on it before
the hash is taken, so the rule holds for videos too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageDraw

from photofs.imaging import colour, video
from photofs.imaging.decode import decode_upright, open_image
from photofs.imaging.phash import phash_and_variants
from photofs.imaging.raw import RawFile

JPEG_QUALITY = 85


@dataclass
class Thumbnail:
    pixels_jpeg: bytes  # the JPEG without the EXIF record: what the hash is of
    phash: str          # 16 lower-case hex digits
    dihedral: bytes     # phashes of the 7 other flips/rotations (imaging/similarity.py)
    histogram: bytes    # colour signature (imaging/colour.py)
    frames: bytes | None = None  # a video's frame phashes (video.FRAME_HASHES x uint64, little-endian)


def make_thumbnail(data: bytes | BinaryIO, long_side: int, max_pixels: int, kind: str = "photo") -> Thumbnail:
    """The thumbnail of an original of `kind` ('photo', 'raw' or 'video'); a video must
    be a seekable file (only the frames it needs are read), the others may be bytes."""
    if kind == "video":
        fp = io.BytesIO(data) if isinstance(data, bytes) else data
        _, frame, hashes = video.thumbnail_frame_and_hashes(fp, long_side, max_pixels=max_pixels)
        thumb = thumbnail_of(frame, long_side, badge=True)
        thumb.frames = hashes.astype("<u8").tobytes()
        return thumb
    if kind == "raw":
        with RawFile(data, max_pixels) as raw:
            return thumbnail_of(raw.upright(long_side), long_side)
    img = open_image(data, max_pixels)
    return thumbnail_of(decode_upright(img, long_side), long_side)


def video_still_thumbnail(still: bytes, long_side: int, max_pixels: int) -> Thumbnail:
    """A video's thumbnail from a still of one of its frames (what Google serves for `=w-h`)."""
    return thumbnail_of(decode_upright(open_image(still, max_pixels), long_side), long_side, badge=True)


def thumbnail_of(upright: Image.Image, long_side: int, badge: bool = False) -> Thumbnail:
    """The thumbnail of an upright RGB image (a photo, a RAW's picture or a video frame)."""
    upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    if upright.mode != "RGB":
        upright = upright.convert("RGB")
    if badge:
        upright = _play_badge(upright)
    buf = io.BytesIO()
    # Fixed encoder settings: the same source gives the same bytes, so reads are stable
    # and a thumbnail evicted from the cache comes back identical.
    upright.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, subsampling=2)
    jpeg = buf.getvalue()
    with Image.open(io.BytesIO(jpeg)) as decoded:
        decoded.load()
        phash, variants = phash_and_variants(decoded)
        return Thumbnail(jpeg, f"{phash:016x}", variants.astype("<u8").tobytes(), colour.signature(decoded))


def _play_badge(img: Image.Image) -> Image.Image:
    """A small fixed play sign in the lower left corner: a dark disc with a white triangle."""
    img = img.copy()
    r = max(6, min(img.size) // 10)
    cx, cy = r + r // 2, img.height - r - r // 2
    d = ImageDraw.Draw(img)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(20, 20, 20))
    t = r // 2
    d.polygon([(cx - t * 2 // 3, cy - t), (cx - t * 2 // 3, cy + t), (cx + t, cy)], fill=(245, 245, 245))
    return img
