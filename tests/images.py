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


SHOT_SECONDS = 2.0  # a clip's content is a run of scenes, each panned slowly for this long


def clip_bytes(seed: int = 1, seconds: float = 6.0, size=(320, 240), fps: int = 25, black_first: float = 0.0,
               rotation: int | None = None, bit_rate: int | None = None, start: float = 0.0, gop: int | None = None,
               container: str = "mp4", codec: str = "libx264", metadata: dict | None = None,
               options: dict | None = None, codec_options: dict | None = None) -> bytes:
    """A real H.264 clip, encoded with PyAV. The picture depends only on (seed, time), so the
    same seed at another size or bit rate is a re-encode, and `start` cuts a sub-clip of it.
    `black_first` seconds of black open it; `rotation` goes into the display matrix."""
    import av
    import numpy as np

    shots: dict[int, Image.Image] = {}
    buf = io.BytesIO()
    with av.open(buf, "w", format=container, options=options or {}) as out:
        out.metadata.update(metadata or {})
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = codec_options or {}
        if bit_rate:
            stream.bit_rate = bit_rate
        if gop:
            stream.codec_context.gop_size = gop
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(round(seconds * fps)):
            t = start + i / fps
            if t < black_first:
                picture = Image.new("RGB", size)
            else:
                shot = int(t // SHOT_SECONDS)
                if shot not in shots:
                    shots[shot] = scene(seed * 1000 + shot, (640, 480))
                pan = int((t % SHOT_SECONDS) / SHOT_SECONDS * 160)
                picture = shots[shot].crop((pan, 60, pan + 480, 420)).resize(size, Image.Resampling.BILINEAR)
            frame = av.VideoFrame.from_ndarray(np.asarray(picture), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buf.getvalue()


def dng_bytes(size=(640, 480), orientation: int = 1, preview_size: tuple[int, int] | None = None, jpeg_preview: bool = False,
              when: str = "2021:06:05 14:30:00", offset: str | None = "+02:00",
              gps: tuple[float, float] | None = (48.858333, 2.294444), make: str = "PhotoCam",
              model: str = "Model X") -> bytes:
    """A real DNG that LibRaw reads: a 12-bit RGGB mosaic of a gradient (red rises to the
    right, green downwards), written with tifffile, with IFD0 metadata (Make, Model,
    Orientation, DateTime), an Exif IFD and a GPS IFD. With `preview_size` IFD0 is an
    8-bit RGB preview (blue on its left half) and the mosaic is its SubIFD, as cameras write it;
    `jpeg_preview` makes that preview a JPEG (Compression 7), as most cameras' are."""
    import numpy as np
    import tifffile
    from PIL.TiffImagePlugin import ImageFileDirectory_v2

    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    red, green, blue = x * 3000 // w + 500, y * 3000 // h + 500, np.full((h, w), 1500)
    mosaic = np.empty((h, w), np.uint16)
    mosaic[0::2, 0::2], mosaic[0::2, 1::2] = red[0::2, 0::2], green[0::2, 1::2]
    mosaic[1::2, 0::2], mosaic[1::2, 1::2] = green[1::2, 0::2], blue[1::2, 1::2]
    raw_tags = [(33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),  # CFA: RGGB
                (50714, "H", 1, 0, True), (50717, "H", 1, 4095, True)]               # black, white level
    identity = (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)
    # 65000/65001 stand in for the Exif and GPS IFD pointers (tifffile writes neither); patched below.
    main_tags = [(271, "s", 0, make, True), (272, "s", 0, model, True), (274, "H", 1, orientation, True),
                 (306, "s", 0, when, True), (50706, "B", 4, (1, 4, 0, 0), True), (50707, "B", 4, (1, 1, 0, 0), True),
                 (50708, "s", 0, f"{make} {model}", True), (50721, "2i", 9, identity, True),
                 (50778, "H", 1, 21, True), (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),
                 (65000, "I", 1, 0, True), (65001, "I", 1, 0, True)]
    buf = io.BytesIO()
    with tifffile.TiffWriter(buf) as tif:
        if preview_size is None:
            tif.write(mosaic, photometric=32803, subfiletype=0, metadata=None, extratags=main_tags + raw_tags)
        else:
            pw, ph = preview_size
            preview = np.zeros((ph, pw, 3), np.uint8)
            preview[:, : pw // 2] = (30, 60, 220)
            preview[:, pw // 2:] = (230, 230, 40)
            if jpeg_preview:
                # tifffile encodes JPEG only with imagecodecs: the strip is Pillow's JPEG, padded to the
                # uncompressed size tifffile expects; its Compression and byte count are patched below.
                encoded = io.BytesIO()
                Image.fromarray(preview).save(encoded, "JPEG", quality=90)
                jpeg = encoded.getvalue()
                preview = iter([jpeg + bytes(pw * ph * 3 - len(jpeg))])
            tif.write(preview, shape=(ph, pw, 3), dtype=np.uint8, photometric="rgb", rowsperstrip=ph,
                      subfiletype=1, subifds=1, metadata=None, extratags=main_tags)
            tif.write(mosaic, photometric=32803, subfiletype=0, metadata=None, extratags=raw_tags)
    data = bytearray(buf.getvalue())
    with tifffile.TiffFile(io.BytesIO(bytes(data))) as tif:
        spots = {t.code: t.offset for t in tif.pages[0].tags.values() if t.code in (65000, 65001, 259, 279)}
    if preview_size and jpeg_preview:
        struct.pack_into("<H", data, spots[259] + 8, 7)          # Compression: JPEG
        struct.pack_into("<I", data, spots[279] + 8, len(jpeg))  # StripByteCounts

    def ifd(tags: dict) -> bytes:
        block = ImageFileDirectory_v2(prefix=b"II")
        for tag, (kind, value) in tags.items():
            block.tagtype[tag] = kind
            block[tag] = value
        return block.tobytes(offset=len(data))

    exif = {0x9003: (2, when)} | ({0x9011: (2, offset)} if offset else {})
    pointers = {34665: len(data)}
    data += ifd(exif)
    if gps:
        def dms(v):
            d, m = int(abs(v)), abs(v) % 1 * 60
            return (float(d), float(int(m)), round(m % 1 * 60, 4))
        pointers[34853] = len(data)
        data += ifd({1: (2, "N" if gps[0] >= 0 else "S"), 2: (5, dms(gps[0])),
                     3: (2, "E" if gps[1] >= 0 else "W"), 4: (5, dms(gps[1]))})
    for placeholder, real in ((65000, 34665), (65001, 34853)):
        if real in pointers:
            struct.pack_into("<HHII", data, spots[placeholder], real, 4, 1, pointers[real])
    return bytes(data)
