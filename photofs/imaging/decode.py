"""Opening images safely and fast.

- HEIC/HEIF through pillow-heif, JPEG XL through pillow-jxl-plugin; AVIF, GIF,
  WebP, BMP, PNG, TIFF and JPEG through Pillow itself (an animation shows its first frame).
- A size check on the header before any pixel is decoded (decompression bombs).
- JPEG DCT scaling (`Image.draft`) so a 12 MP JPEG decodes at 1/2..1/8 size.
- EXIF orientation applied, so thumbnails and hashes see the photo upright.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()
try:  # JPEG XL: optional, a plugin (Pillow itself has no JPEG XL decoder)
    import pillow_jxl  # noqa: F401  (registers the JXL format with Pillow)
except ImportError:
    pass
# We enforce our own limit (settings.max_pixels) with a clear message; Pillow's
# warning at half its limit would otherwise pass silently.
Image.MAX_IMAGE_PIXELS = None



class BadImage(Exception):
    """The file is not a usable image; the message is the reason shown to the user."""


def open_image(data: bytes | io.BufferedIOBase, max_pixels: int) -> Image.Image:
    """Open (header only) and refuse what cannot or must not be decoded."""
    fp = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(fp)
    except UnidentifiedImageError:
        raise BadImage("not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise BadImage(f"unreadable image header ({e})") from None
    w, h = img.size
    if w <= 0 or h <= 0:
        raise BadImage(f"image has no pixels ({w}x{h})")
    if w * h > max_pixels:
        raise BadImage(f"refused as a decompression bomb: {w}x{h} = {w * h:,} pixels is over the limit of {max_pixels:,}")
    return img


def decode_upright(img: Image.Image, min_side: int) -> Image.Image:
    """Decode at the smallest DCT scale that still covers `min_side`, then apply orientation."""
    try:
        img.draft("RGB", (min_side, min_side))  # a no-op for formats without DCT scaling
        img.load()
        upright = ImageOps.exif_transpose(img)
        if upright.mode != "RGB":
            upright = _flatten(upright)
        return upright
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        reason = " ".join(str(e).split()) or type(e).__name__  # one line: libheif ends its messages with one
        if "truncated" in reason:
            raise BadImage("image file is truncated") from None
        raise BadImage(f"cannot decode image ({reason})") from None


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white: transparent PNGs must not turn black."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale (some scans and TIFFs): the top 8 bits. numpy reads every
        # byte order; Pillow's point() takes none of the I;16 variants but I;16.
        grey = np.asarray(img).astype(np.int64)
        return Image.fromarray((np.clip(grey, 0, 65535) >> 8).astype(np.uint8), "L").convert("RGB")
    return img.convert("RGB")
