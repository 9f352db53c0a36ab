"""Decoding, thumbnails, hashes and the EXIF record, without a catalog or a mount."""

import datetime as dt
import io

import imagehash
import numpy as np
import piexif
import pytest
from PIL import Image

from images import jpeg_bytes, png_bomb_header
from photofs.domain.items import Item, TimeSource
from photofs.imaging.decode import BadImage, decode_upright, open_image
from photofs.imaging.exif_record import exif_bytes, insert_exif, item_from_record, read_record, record_of
from photofs.imaging.metadata import parse_exif_datetime, parse_exif_offset, read_header
from photofs.imaging.thumbnail import make_thumbnail
from photofs.jobs.sample_photos import scene

LIMIT = 200_000_000


def test_large_jpeg_is_decoded_at_a_reduced_dct_scale():
    data = jpeg_bytes(size=(4000, 3000))
    img = decode_upright(open_image(data, LIMIT), 256)
    assert img.size == (500, 375)  # 1/8 scale: the full 12 MP were never decoded


def test_thumbnail_long_side_and_exact_hash():
    thumb = make_thumbnail(jpeg_bytes(size=(1600, 1200)), 256, LIMIT)
    with Image.open(io.BytesIO(thumb.pixels_jpeg)) as img:
        assert img.size == (256, 192)
        assert str(imagehash.phash(img)) == thumb.phash  # distance 0 by construction


def test_same_source_same_bytes_and_name():
    data = jpeg_bytes(seed=5)
    a, b = make_thumbnail(data, 256, LIMIT), make_thumbnail(data, 256, LIMIT)
    assert a == b


def test_hash_of_original_and_thumbnail_agree_closely():
    data = jpeg_bytes(seed=8, size=(2000, 1500))
    thumb = make_thumbnail(data, 256, LIMIT)
    full = imagehash.phash(Image.open(io.BytesIO(data)))
    assert full - imagehash.hex_to_hash(thumb.phash) <= 4


def test_exif_orientation_is_applied():
    wide = jpeg_bytes(size=(800, 600), orientation=6)  # stored sideways, shown tall
    assert read_header(open_image(wide, LIMIT)).width == 600
    thumb = make_thumbnail(wide, 256, LIMIT)
    assert Image.open(io.BytesIO(thumb.pixels_jpeg)).size == (192, 256)


def test_transparent_png_is_flattened_on_white():
    img = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    thumb = make_thumbnail(buf.getvalue(), 256, LIMIT)
    pixels = np.asarray(Image.open(io.BytesIO(thumb.pixels_jpeg)))
    assert pixels.min() > 240


def test_16_bit_tiff_and_webp_and_heic():
    for fmt, img in [("TIFF", Image.fromarray((np.arange(300 * 200, dtype=np.uint16).reshape(200, 300) * 3))),
                     ("WEBP", scene(3, (400, 300))), ("HEIF", scene(4, (400, 300)))]:
        buf = io.BytesIO()
        img.save(buf, fmt)
        thumb = make_thumbnail(buf.getvalue(), 128, LIMIT)
        assert Image.open(io.BytesIO(thumb.pixels_jpeg)).size[0] == 128, fmt


def test_decompression_bomb_is_refused_from_the_header():
    with pytest.raises(BadImage, match="decompression bomb: 100000x100000"):
        open_image(png_bomb_header(), LIMIT)


@pytest.mark.parametrize("data, reason", [
    (b"", "not an image"),
    (b"hello, I am a text file\n" * 20, "not an image"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not an image|unreadable|cannot decode"),
])
def test_not_images(data, reason):
    with pytest.raises(BadImage, match=reason):
        make_thumbnail(data, 256, LIMIT)


def test_truncated_jpeg():
    data = jpeg_bytes(size=(800, 600))
    with pytest.raises(BadImage, match="truncated"):
        make_thumbnail(data[: len(data) // 2], 256, LIMIT)


def test_header_metadata():
    when = dt.datetime(2019, 4, 8, 10, 11, 12)
    data = jpeg_bytes(when=when, camera=("Canon", "EOS 80D"), offset="+02:00", gps=(48.137, -11.575))
    meta = read_header(open_image(data, LIMIT))
    assert (meta.taken_local, meta.tz_offset_min, meta.make, meta.model) == (when, 120, "Canon", "EOS 80D")
    assert meta.gps[0] == pytest.approx(48.137, abs=1e-4) and meta.gps[1] == pytest.approx(-11.575, abs=1e-4)
    assert meta.mime == "image/jpeg"


@pytest.mark.parametrize("text, expected", [
    ("2019:04:08 10:11:12", dt.datetime(2019, 4, 8, 10, 11, 12)),
    ("2019:04:08 10:11:12\x00", dt.datetime(2019, 4, 8, 10, 11, 12)),
    ("0000:00:00 00:00:00", None), ("    :  :     :  :  ", None), ("", None), (None, None), (42, None),
    ("1700:01:01 00:00:00", None),
])
def test_exif_dates(text, expected):
    assert parse_exif_datetime(text) == expected


@pytest.mark.parametrize("text, expected", [("+02:00", 120), ("-05:30", -330), ("Z", None), ("+99:00", None), ("junk!!", None)])
def test_exif_offsets(text, expected):
    assert parse_exif_offset(text) == expected


def test_broken_exif_block_keeps_the_photo():
    data = jpeg_bytes()
    broken = data.replace(b"Exif\x00\x00", b"Exif\x00\x00\xff\xff\xff", 1)
    meta = read_header(open_image(broken, LIMIT))
    assert meta.width == 640


def test_the_record_survives_the_thumbnail():
    item = Item(source="folder", source_id="/nas/2019/IMG_1.jpg", original_name="Ölberg IMG_1.jpg", size=123,
                sha256="ab" * 32, width=4000, height=3000, make="Canon", model="EOS", gps_lat=-33.5, gps_lon=151.25,
                gps_alt=12.5, taken_at=1554711072.0, tz_offset_min=120, time_source=TimeSource.EXIF,
                albums=["Trip"], phash="0123456789abcdef")
    local = dt.datetime.fromtimestamp(item.taken_at, dt.timezone(dt.timedelta(hours=2)))
    jpeg = insert_exif(exif_bytes(item, local), make_thumbnail(jpeg_bytes(), 64, LIMIT).pixels_jpeg)
    assert item_from_record(read_record(jpeg)) == item
    exif = piexif.load(jpeg)
    assert exif["0th"][piexif.ImageIFD.ImageDescription].decode() == "Ölberg IMG_1.jpg"
    assert exif["Exif"][piexif.ExifIFD.DateTimeOriginal] == b"2019:04:08 10:11:12"
    assert exif["Exif"][piexif.ExifIFD.OffsetTimeOriginal] == b"+02:00"
    meta = read_header(open_image(jpeg, LIMIT))
    assert meta.gps == (pytest.approx(-33.5, abs=1e-5), pytest.approx(151.25, abs=1e-5), 12.5)
    assert record_of(item)["original_name"] == "Ölberg IMG_1.jpg"


def test_a_plain_jpeg_has_no_record():
    with pytest.raises(ValueError, match="no photofs record"):
        read_record(jpeg_bytes())


# -- phash, batched and with its variants: bit for bit imagehash --------------------

def _random_images(seed: int, sizes):
    rng = np.random.default_rng(seed)
    for w, h in sizes:
        yield Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")
        smooth = np.add.outer(np.arange(h), np.arange(w))[:, :, None] * np.array([1, 2, 3])
        yield Image.fromarray((smooth % 256).astype(np.uint8), "RGB")


SIZES = [(256, h) for h in range(64, 257, 9)] + [(h, 256) for h in range(64, 257, 13)] + [(31, 77), (300, 200)]


def test_batched_phash_is_imagehash_bit_for_bit():
    import imagehash

    from photofs.imaging.phash import phash_many
    images = list(_random_images(5, SIZES))
    assert phash_many(images).tolist() == [int(str(imagehash.phash(im)), 16) for im in images]
    assert len(phash_many([])) == 0


def test_the_variants_from_two_resizes_are_imagehash_of_each_flip():
    from photofs.imaging.phash import phash_and_variants
    from photofs.imaging.similarity import VARIANTS, phash_int
    for im in _random_images(6, SIZES):
        phash, variants = phash_and_variants(im)
        assert phash == phash_int(im)
        assert variants.tolist() == [phash_int(im.transpose(t)) for t, _ in VARIANTS]
