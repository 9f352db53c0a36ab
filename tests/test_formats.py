"""Every still format a phone or camera makes gets a real thumbnail and its metadata:
GIF and animated WebP (first frame, `animated`), AVIF, BMP, JPEG XL, and the TIFF
cases found on a real-world corpus (orientation 5-8, 16-bit big-endian grey)."""

import io

import imagehash
import numpy as np
import pytest
from PIL import Image

from photofs.imaging.metadata import read_media_header
from photofs.imaging.thumbnail import make_thumbnail
from photofs.jobs.sample_photos import scene

LIMIT = 200_000_000


def _encoded(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def _animation(fmt: str) -> bytes:
    frames = [scene(20 + i, (320, 240)) for i in range(3)]
    if fmt == "GIF":
        frames = [f.quantize(64) for f in frames]
    return _encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_an_animation_shows_its_first_frame_and_says_it_is_animated(fmt):
    data = _animation(fmt)
    meta = read_media_header(data, "photo", LIMIT)
    assert meta.animated and meta.duration == pytest.approx(0.6) and (meta.width, meta.height) == (320, 240)
    thumb = Image.open(io.BytesIO(make_thumbnail(data, 128, LIMIT).pixels_jpeg))
    first = scene(20, (320, 240)).resize(thumb.size)
    assert imagehash.phash(thumb) - imagehash.phash(first) <= 8


def test_a_still_gif_is_not_animated():
    meta = read_media_header(_encoded(scene(1, (100, 80)).quantize(32), "GIF"), "photo", LIMIT)
    assert not meta.animated and meta.duration is None and meta.mime == "image/gif"


@pytest.mark.parametrize("fmt, mime", [("AVIF", "image/avif"), ("BMP", "image/bmp"), ("JXL", "image/jxl")])
def test_avif_bmp_and_jpeg_xl_get_thumbnails(fmt, mime):
    source = scene(5, (400, 300))
    data = _encoded(source, fmt)
    meta = read_media_header(data, "photo", LIMIT)
    assert (meta.width, meta.height) == (400, 300)
    assert meta.mime == mime or fmt == "JXL"  # the JXL plugin may not register a MIME type
    thumb = Image.open(io.BytesIO(make_thumbnail(data, 128, LIMIT).pixels_jpeg))
    assert thumb.size == (128, 96)
    assert imagehash.phash(thumb) - imagehash.phash(source.resize((128, 96))) <= 6


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_a_tiff_turned_by_exif_has_its_size_swapped_once(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encoded(scene(6, (800, 600)), "TIFF", exif=exif)
    meta = read_media_header(data, "photo", LIMIT)
    assert (meta.width, meta.height) == (600, 800)
    assert Image.open(io.BytesIO(make_thumbnail(data, 256, LIMIT).pixels_jpeg)).size == (192, 256)


def test_a_16_bit_big_endian_grey_tiff_is_decoded():
    ramp = (np.arange(300, dtype=np.uint16)[None, :] * 200).repeat(200, axis=0)  # 0 .. 59800, left to right
    img = Image.frombytes("I;16B", (300, 200), ramp.astype(">u2").tobytes())
    data = _encoded(img, "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "I;16B"
    pixels = np.asarray(Image.open(io.BytesIO(make_thumbnail(data, 150, LIMIT).pixels_jpeg)).convert("L"), np.float32)
    assert pixels[:, :10].mean() < 20 and pixels[:, -10:].mean() > 210  # the ramp survives, scaled to 8 bits


def test_make_and_model_end_at_the_first_nul_and_lose_control_characters():
    exif = Image.Exif()
    exif[0x010F] = "ION\x00\x07garbage"
    exif[0x0110] = "ION230\x00F"
    meta = read_media_header(_encoded(scene(7, (200, 150)), "JPEG", exif=exif), "photo", LIMIT)
    assert (meta.make, meta.model) == ("ION", "ION230")
    exif[0x010F] = "Can\x01on"
    assert read_media_header(_encoded(scene(7, (200, 150)), "JPEG", exif=exif), "photo", LIMIT).make == "Canon"


def _apple_maker_note(uuid: str) -> bytes:
    """Apple's MakerNote as an iPhone writes it: `Apple iOS\\0`, version 1, `MM`, an IFD whose
    value offsets count from the note's start; tag 0x000B is the burst's UUID (ASCII)."""
    import struct
    value = uuid.encode() + b"\x00"
    entries = [(0x0001, 9, 1, 14), (0x000B, 2, len(value), 16 + 2 * 12 + 4)]
    ifd = b"".join(struct.pack(">HHII", *e) for e in entries)
    return b"Apple iOS\x00" + b"\x00\x01MM" + struct.pack(">H", len(entries)) + ifd + b"\x00" * 4 + value


def test_burst_ids_from_google_xmp_and_apple_maker_notes():
    from photofs.domain.items import Item
    from zoneinfo import ZoneInfo
    google = _encoded(scene(8, (200, 150)), "JPEG", xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
                      b'GCamera:BurstID="5f3c2a9e-1d2b-4c3d" GCamera:BurstPrimary="1"/></rdf:RDF></x:xmpmeta>')
    assert read_media_header(google, "photo", LIMIT).burst_id == "5f3c2a9e-1d2b-4c3d"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x927C] = _apple_maker_note("C3D1A0E2-77B4-4E3A-9F1B-0D6A8E2B5C11")
    exif.get_ifd(0x8769)[0x9003] = "2021:03:04 05:06:07"
    apple = _encoded(scene(9, (200, 150)), "JPEG", exif=exif)
    meta = read_media_header(apple, "photo", LIMIT)
    assert meta.burst_id == "C3D1A0E2-77B4-4E3A-9F1B-0D6A8E2B5C11"
    item = Item(source="folder", source_id="/x/IMG_1.JPG", original_name="IMG_1.JPG")
    assert meta.fill(item, ZoneInfo("Europe/Berlin")) and item.burst_id == meta.burst_id
    assert (item.time_source, item.width, item.tz_offset_min) == ("exif", 200, None)
    assert read_media_header(_encoded(scene(10, (200, 150)), "JPEG"), "photo", LIMIT).burst_id is None
