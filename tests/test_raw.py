"""Camera RAW files: the embedded preview or a half-size demosaic, and the RAW's own metadata.

The DNGs are real (tests/images.py writes them with tifffile; LibRaw decodes them).
"""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from images import dng_bytes
from photofs.domain.media import RAW_EXTENSIONS
from photofs.imaging.metadata import read_media_header
from photofs.imaging.raw import BadRaw, RawFile, _cr3_exif
from photofs.imaging.thumbnail import make_thumbnail

LIMIT = 200_000_000


def _image(thumb) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(thumb.pixels_jpeg)), np.float32)


def test_a_raw_without_preview_is_demosaiced_at_half_size():
    data = dng_bytes(size=(640, 480))
    with RawFile(data, LIMIT) as raw:
        assert raw.preview() is None
        assert raw.upright(256).size == (320, 240)  # half size: the full mosaic was not interpolated
    img = _image(make_thumbnail(data, 256, LIMIT, "raw"))
    assert img.shape == (192, 256, 3)
    left, right = img[:, :40].mean(axis=(0, 1)), img[:, -40:].mean(axis=(0, 1))
    assert right[0] > left[0] + 40  # red rises to the right, as in the mosaic
    top, bottom = img[:40].mean(axis=(0, 1)), img[-40:].mean(axis=(0, 1))
    assert bottom[1] > top[1] + 40  # green rises downwards


@pytest.mark.parametrize("jpeg", [False, True], ids=["bitmap", "jpeg"])
def test_an_embedded_preview_that_covers_the_thumbnail_is_used_and_turned_upright(jpeg):
    data = dng_bytes(size=(640, 480), orientation=6, preview_size=(320, 240), jpeg_preview=jpeg)
    with RawFile(data, LIMIT) as raw:
        assert raw.preview().format == ("JPEG" if jpeg else None)
    img = _image(make_thumbnail(data, 256, LIMIT, "raw"))
    assert img.shape == (256, 192, 3)  # orientation 6: shown tall
    top, bottom = img[:60].mean(axis=(0, 1)), img[-60:].mean(axis=(0, 1))
    # The preview's left half is blue; turned clockwise, that half is on top.
    assert top[2] > 180 and top[0] < 80 and bottom[0] > 180 and bottom[2] < 100


def test_a_large_jpeg_preview_is_decoded_at_a_reduced_dct_scale():
    with RawFile(dng_bytes(size=(640, 480), preview_size=(2400, 1600), jpeg_preview=True), LIMIT) as raw:
        assert raw.upright(256).size == (600, 400)  # 1/4 scale: the preview's full 4 MP were never decoded


def test_a_raw_read_from_a_file_on_disk_reads_only_what_it_needs(tmp_path):
    path = tmp_path / "IMG_1.DNG"
    path.write_bytes(dng_bytes(size=(640, 480), preview_size=(320, 240), jpeg_preview=True))
    with open(path, "rb") as f:
        from_file = make_thumbnail(f, 256, LIMIT, "raw")
        assert f.tell() == 0  # LibRaw read the file itself, by its path
    assert from_file == make_thumbnail(path.read_bytes(), 256, LIMIT, "raw")
    with open(path, "rb") as f:
        assert read_media_header(f, "raw", LIMIT, path.name).model == "Model X"


def test_a_preview_smaller_than_the_thumbnail_gives_way_to_the_demosaic():
    data = dng_bytes(size=(640, 480), preview_size=(64, 48))
    img = _image(make_thumbnail(data, 256, LIMIT, "raw"))
    assert img.shape == (192, 256, 3)
    assert img[:, -40:, 0].mean() > img[:, :40, 0].mean() + 40  # the mosaic's gradient, not the blue/yellow preview


def test_the_raw_header_has_camera_time_place_and_upright_size():
    meta = read_media_header(dng_bytes(size=(640, 480), orientation=6), "raw", LIMIT, "IMG_1.DNG")
    assert (meta.width, meta.height, meta.mime) == (480, 640, "image/x-adobe-dng")
    assert (meta.make, meta.model) == ("PhotoCam", "Model X")
    assert (meta.taken_local.isoformat(), meta.tz_offset_min) == ("2021-06-05T14:30:00", 120)
    assert meta.gps[:2] == pytest.approx((48.858333, 2.294444), abs=1e-5)
    bare = read_media_header(io.BytesIO(dng_bytes(gps=None, offset=None)), "raw", LIMIT)  # a file object works too
    assert bare.gps is None and bare.tz_offset_min is None and bare.taken_local is not None


def test_make_and_model_end_at_the_first_nul():
    meta = read_media_header(dng_bytes(make="ION\x00F\x01", model="ION230\x00F"), "raw", LIMIT)
    assert (meta.make, meta.model) == ("ION", "ION230")


def test_a_raw_over_the_pixel_limit_is_refused_before_decoding():
    with pytest.raises(BadRaw, match="decompression bomb"):
        make_thumbnail(dng_bytes(size=(640, 480)), 256, 100_000, "raw")


@pytest.mark.parametrize("data", [b"", b"II*\x00" + b"\x00" * 100, b"not a raw" * 1000])
def test_not_raws_get_one_clear_reason(data):
    with pytest.raises(BadRaw, match="not a RAW file LibRaw can read"):
        read_media_header(data, "raw", LIMIT)
    with pytest.raises(BadRaw):
        make_thumbnail(data, 256, LIMIT, "raw")


def test_a_truncated_raw_is_a_thumbnail_or_a_clear_error():
    data = dng_bytes(size=(640, 480))
    try:
        make_thumbnail(data[: len(data) // 2], 256, LIMIT, "raw")
    except BadRaw as e:
        assert str(e)


def test_cr3_metadata_is_read_from_its_cmt_boxes():
    """CR3 is ISO BMFF, not TIFF: IFD0, the Exif IFD and GPS are TIFFs in boxes CMT1, CMT2, CMT4.
    (LibRaw reads the pixels; this is the part photofs parses, on boxes built here.)"""
    def tiff(tags: dict) -> bytes:
        exif = Image.Exif()
        for tag, value in tags.items():
            exif[tag] = value
        return exif.tobytes()[6:]  # drop the "Exif\\0\\0" of a JPEG's APP1

    def box(name: bytes, body: bytes) -> bytes:
        return (len(body) + 8).to_bytes(4, "big") + name + body
    cmt1 = tiff({0x010F: "Canon", 0x0110: "Canon EOS R5"})
    cmt2 = tiff({0x9003: "2022:01:02 03:04:05"})
    data = box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + box(b"moov", box(b"CMT1", cmt1) + box(b"CMT2", cmt2))
    exif = _cr3_exif(data)
    assert exif.base[0x0110] == "Canon EOS R5" and exif.exif[0x9003] == "2022:01:02 03:04:05" and exif.gps == {}


SAMPLES = os.environ.get("PHOTOFS_RAW_SAMPLES")


@pytest.mark.skipif(not SAMPLES, reason="needs camera RAW samples (CR2, CR3, NEF, ARW, ORF, RW2, RAF, PEF) in "
                    "$PHOTOFS_RAW_SAMPLES: no PyPI or Debian package ships any and tests may not download")
def test_camera_raw_samples():
    paths = [p for p in Path(SAMPLES).iterdir() if p.suffix.lower() in RAW_EXTENSIONS]
    assert paths, f"no RAW files in {SAMPLES}"
    for path in paths:
        data = path.read_bytes()
        meta = read_media_header(data, "raw", LIMIT, path.name)
        assert meta.make and meta.taken_local, path.name
        img = Image.open(io.BytesIO(make_thumbnail(data, 256, LIMIT, "raw").pixels_jpeg))
        assert max(img.size) == 256 and (img.width > img.height) == (meta.width > meta.height), path.name
