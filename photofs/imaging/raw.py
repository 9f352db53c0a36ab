"""Camera RAW files through rawpy (LibRaw): a picture and the camera's own metadata.

- The picture: the preview the camera embedded (a JPEG, or a bitmap in some DNGs)
  when it covers the thumbnail's size, which costs a JPEG decode; otherwise a
  half-size demosaic, which costs the RAW's full unpacking.
- The metadata: most RAW formats are TIFF inside (DNG, CR2, NEF, NRW, ARW, SRW, PEF,
  and ORF and RW2 with their own magic), so Pillow's EXIF reader reads their IFDs;
  CR3 keeps the same IFDs in its CMT boxes; anything else (RAF) is read from the
  EXIF of its embedded JPEG. LibRaw says the size and orientation for every format.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import rawpy
from PIL import Image, ImageOps

from photofs.imaging.decode import BadImage

_ORIENTATION = 0x0112
# LibRaw's `flip` -> the EXIF orientation that says the same.
_EXIF_ORIENTATION_OF_FLIP = {0: 1, 3: 3, 5: 8, 6: 6}
# TIFF magics: standard, Olympus ORF (IIRO, IIRS, MMOR), Panasonic RW2 (IIU).
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
MIME = {".dng": "image/x-adobe-dng", ".cr2": "image/x-canon-cr2", ".cr3": "image/x-canon-cr3",
        ".nef": "image/x-nikon-nef", ".nrw": "image/x-nikon-nrw", ".arw": "image/x-sony-arw",
        ".orf": "image/x-olympus-orf", ".rw2": "image/x-panasonic-rw2", ".raf": "image/x-fuji-raf",
        ".srw": "image/x-samsung-srw", ".pef": "image/x-pentax-pef"}


class BadRaw(BadImage):
    """The file is not a RAW LibRaw can read; the message is the reason shown to the user."""


@dataclass
class RawExif:
    """The three IFDs the metadata lives in (any may be empty)."""
    base: dict
    exif: dict
    gps: dict


class RawFile:
    """One RAW file, opened once for its size, metadata and picture."""

    def __init__(self, data: bytes | BinaryIO, max_pixels: int):
        # A file on disk is read by LibRaw itself, only the parts it needs (the preview's
        # bytes, not the 50 MB of sensor data); anything else is read into memory once.
        path = getattr(data, "name", None)
        self.path = path if isinstance(path, str) and os.path.isfile(path) else None
        self._data = data if isinstance(data, bytes) else None if self.path else data.read()
        try:
            self.raw = rawpy.imread(self.path) if self.path else rawpy.imread(io.BytesIO(self._data))
        except (rawpy.LibRawError, ValueError, OSError) as e:
            raise BadRaw(f"not a RAW file LibRaw can read ({_reason(e)})") from None
        sizes = self.raw.sizes
        self.flip = sizes.flip
        w, h = sizes.width, sizes.height
        if w <= 0 or h <= 0:
            self.raw.close()
            raise BadRaw(f"RAW image has no pixels ({w}x{h})")
        if w * h > max_pixels:
            self.raw.close()
            raise BadRaw(f"refused as a decompression bomb: {w}x{h} = {w * h:,} pixels is over the limit of {max_pixels:,}")
        self.width, self.height = (h, w) if self.flip in (5, 6) else (w, h)  # upright
        self._thumb = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            with open(self.path, "rb") as f:
                self._data = f.read()
        return self._data

    def __enter__(self) -> "RawFile":
        return self

    def __exit__(self, *exc) -> None:
        self.raw.close()

    def preview(self) -> Image.Image | None:
        """The embedded preview as stored (not yet turned upright; a JPEG not yet decoded), or None."""
        if self._thumb is None:
            self._thumb = False
            try:
                thumb = self.raw.extract_thumb()
            except (rawpy.LibRawError, ValueError):
                return None
            if thumb.format == rawpy.ThumbFormat.JPEG:
                try:
                    self._thumb = Image.open(io.BytesIO(thumb.data))
                except (OSError, SyntaxError, ValueError):
                    return None
            else:
                self._thumb = Image.fromarray(np.ascontiguousarray(thumb.data))
        return self._thumb or None

    def upright(self, long_side: int) -> Image.Image:
        """An upright RGB picture whose long side covers `long_side` (or is the RAW's whole size)."""
        img = self.preview()
        want = min(long_side, max(self.width, self.height))
        if img is not None and max(img.size) >= want:
            try:
                img.draft("RGB", (want, want))  # a JPEG preview decodes at 1/2..1/8 scale
                img.load()
                return self._upright_preview(img)
            except (OSError, SyntaxError, ValueError):
                img = None  # a broken preview: the sensor data may still be good
        try:
            # LibRaw turns its output upright itself (user_flip defaults to the file's).
            rgb = self.raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except (rawpy.LibRawError, ValueError, MemoryError) as e:
            if img is not None:
                return self._upright_preview(img)  # a small preview beats none
            raise BadRaw(f"cannot decode RAW image ({_reason(e)})") from None
        return Image.fromarray(rgb)

    def _upright_preview(self, img: Image.Image) -> Image.Image:
        # A preview with its own orientation tag says how to show it; a bare one (most
        # NEF, CR2, DNG previews) is stored as the sensor saw it, like the RAW.
        if img.getexif().get(_ORIENTATION, 1) != 1:
            img = ImageOps.exif_transpose(img)
        else:
            img = _apply_orientation(img, _EXIF_ORIENTATION_OF_FLIP.get(self.flip, 1))
        return img.convert("RGB")

    def exif(self) -> RawExif:
        """The RAW's own EXIF: base IFD (Make, Model, Orientation, DateTime), Exif IFD and GPS IFD."""
        head = self.data[:4]
        if head in _TIFF_MAGICS:
            return _tiff_exif(b"II*\x00" + self.data[4:] if head[:2] == b"II" else b"MM\x00*" + self.data[4:])
        if self.data[4:8] == b"ftyp" and b"crx " in self.data[8:32]:
            return _cr3_exif(self.data)
        img = self.preview()
        if img is not None and img.format == "JPEG":
            return _from_exif(img.getexif())
        return RawExif({}, {}, {})


def _tiff_exif(tiff: bytes) -> RawExif:
    exif = Image.Exif()
    try:
        exif.load(tiff)
    except (OSError, SyntaxError, ValueError, KeyError, IndexError, TypeError):
        return RawExif({}, {}, {})
    return _from_exif(exif)


def _from_exif(exif: Image.Exif) -> RawExif:
    def ifd(tag):
        try:
            return dict(exif.get_ifd(tag))
        except Exception:  # a broken sub-IFD loses that IFD, not the photo
            return {}
    return RawExif(dict(exif), ifd(0x8769), ifd(0x8825))


def _cr3_exif(data: bytes) -> RawExif:
    """Canon CR3: IFD0 in box CMT1, the Exif IFD in CMT2 and GPS in CMT4, each a TIFF of its own."""
    def box(name: bytes) -> dict:
        at = data.find(name, 0, 1 << 20)
        if at < 4:
            return {}
        size = int.from_bytes(data[at - 4:at], "big")
        return _tiff_exif(data[at + 4:at - 4 + size]).base
    return RawExif(box(b"CMT1"), box(b"CMT2"), box(b"CMT4"))


def _apply_orientation(img: Image.Image, orientation: int) -> Image.Image:
    method = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_270, 8: Image.Transpose.ROTATE_90}.get(orientation)
    return img.transpose(method) if method is not None else img


def _reason(e: Exception) -> str:
    text = str(e) or type(e).__name__
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]  # LibRaw's messages arrive as bytes
    return text
