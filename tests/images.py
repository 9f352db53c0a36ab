"""Small helpers that make image files for tests (real encoders, no fixtures on disk)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from PIL import Image

from photofs.jobs.sample_photos import exif_for, scene


def jpeg_bytes(seed: int = 1, size=(640, 480), when: dt.datetime | None = None, **exif) -> bytes:
    buf = io.BytesIO()
    scene(seed, size).save(buf, "JPEG", quality=90, exif=exif_for(when, **exif))
    return buf.getvalue()


def png_bomb_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims a huge image: the decompression-bomb shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
