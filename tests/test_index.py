"""The index layer: exact Hamming search, and the rules that group photos."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from photofs.imaging import colour
from photofs.imaging.thumbnail import make_thumbnail
from photofs.index.groupings import collections_of, folder_gallery, resolution_group
from photofs.index.hamming import HammingIndex, brute_force_pairs, self_pairs, sort_join_plan
from photofs.index.names import name_group, name_parts, spelled
from photofs.jobs.add_folder import add_folder
from photofs.jobs.sample_photos import exif_for, scene
from photofs.jobs.thumbs import make_thumbs
from photofs.vfs import PhotoVFS


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=200), st.integers(0, 16),
       st.lists(st.tuples(st.integers(0, 199), st.sets(st.integers(0, 63), max_size=16)), max_size=40))
def test_hamming_search_is_exact(hashes, t, plants):
    h = np.array(hashes, dtype=np.uint64)
    for i, bits in plants:  # near neighbours at every distance, not just random far pairs
        if i < len(h):
            h[i] = h[(i + 1) % len(h)] ^ np.uint64(sum(1 << b for b in bits))
    qi, ci, d = HammingIndex(h).pairs(h, t)
    assert set(zip(qi.tolist(), ci.tolist())) == brute_force_pairs(h, h, t)
    assert (d <= t).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=300), st.integers(0, 12),
       st.lists(st.tuples(st.integers(0, 299), st.sets(st.integers(0, 63), max_size=12)), max_size=60))
def test_the_self_join_is_exact_whichever_method_it_picks(hashes, t, plants):
    h = np.array(hashes, dtype=np.uint64)
    for i, bits in plants:
        if i < len(h):
            h[i] = h[(i + 1) % len(h)] ^ np.uint64(sum(1 << b for b in bits))
    i, j, d = self_pairs(h, t)
    want = {(a, b) for a, b in brute_force_pairs(h, h, t) if a < b}
    assert set(zip(i.tolist(), j.tolist())) == want and len(i) == len(want)  # all of them, each once
    assert (d == np.bitwise_count(h[i] ^ h[j])).all()


def test_the_sort_join_is_chosen_where_it_is_cheaper():
    assert sort_join_plan(1_000_000, 6)[:2] == (9, 3)    # 84 sorts on 21-bit keys
    assert sort_join_plan(100_000, 2)[1] >= 1


def test_queries_other_than_the_indexed_hashes():
    rng = np.random.default_rng(3)
    h = rng.integers(0, 2**63, 500).astype(np.uint64)
    q = h[:50] ^ np.uint64(0b1011)
    qi, ci, _ = HammingIndex(h).pairs(q, 4)
    assert set(zip(qi.tolist(), ci.tolist())) == brute_force_pairs(q, h, 4)


@pytest.mark.parametrize("name, group", [
    ("IMG-20200101-WA0001.jpg", "WhatsApp"),
    ("Screenshot_2020-01-01-10-11-12.png", "Screenshots"),
    ("Bildschirmfoto 2021-03-04 um 10.11.12.png", "Screenshots"),
    ("PXL_20231103_123456789.jpg", "Google Pixel (PXL_date)"),
    ("IMG_20190412_101112.jpg", "Android camera (IMG_date_time)"),
    ("IMG_1234.JPG", "Camera counter (IMG_####)"),
    ("IMG_1234(1).jpg", "Camera counter (IMG_####)"),
    ("IMG_1234-edited.jpg", "Camera counter (IMG_####)"),
    ("DSC01234.JPG", "Camera counter (DSC####)"),
    ("scan_0012.tif", "scan_####"),
    ("IMG_20190408_1001.jpg", "IMG_YYYYMMDD_####"),
    ("holiday.jpg", "names without numbers"),
])
def test_name_groups(name, group):
    assert name_group(name) == group


def test_name_parts_follow_camera_counters():
    assert name_parts("IMG_0999.jpg") == ("IMG_\x00", 999, 4)
    assert name_parts("DSC_0001(1).JPG") == ("DSC_\x00", 1, 4)
    assert name_parts("Canon_40D.jpg") == ("Canon_\x00D", 40, 2)
    assert name_parts("beach.jpg") == ("beach", -1, 0)
    assert [spelled(*name_parts(n)) for n in ("IMG_0004.JPG", "Canon_40D.jpg", "beach.jpg")] == \
        ["IMG_0004", "Canon_40D", "beach"]


@pytest.mark.parametrize("w, h, group", [
    (4000, 3000, "12-16MP 4x3 landscape"),
    (3000, 4000, "12-16MP 4x3 portrait"),
    (1920, 1080, "02-04MP 16x9 landscape"),
    (1000, 1000, "01-02MP 1x1"),
    (12000, 2000, "24-36MP panorama landscape"),
    (9000, 7000, "60MP-and-up 5x4 landscape"),
    (None, None, "unknown size"),
])
def test_resolution_groups(w, h, group):
    assert resolution_group(w, h) == group


@pytest.mark.parametrize("path, gallery", [
    ("/nas/2019-04 Italy/IMG_1.jpg", "2019-04 Italy"),
    ("/nas/DCIM/IMG_1.jpg", None),
    ("/nas/100CANON/IMG_1.jpg", None),
    ("/nas/Photos from 2019/IMG_1.jpg", None),
    ("/nas/Fotos von 2019/IMG_1.jpg", None),
    ("/nas/2019/IMG_1.jpg", None),
    ("/nas/2019-04-08/IMG_1.jpg", None),
    ("/nas/added-root/IMG_1.jpg", None),
])
def test_folder_galleries(path, gallery):
    assert folder_gallery(path, collections_of(["/nas/added-root/sub"])) == gallery


def test_colour_groups_are_what_a_person_sees():
    def sig(rgb):
        return colour.signature(Image.new("RGB", (64, 64), rgb))
    assert colour.group(sig((20, 40, 220))) == "blue-bright"  # HSV value 220: a vivid blue
    assert colour.group(sig((15, 25, 140))) == "blue-mid"
    assert colour.group(sig((250, 250, 250))) == "grey-bright"
    assert colour.group(sig((10, 10, 10))) == "grey-dark"
    assert colour.group(sig((30, 140, 40))) == "green-mid"
    assert colour.group(sig((230, 120, 20))) == "orange-bright"
    sigs = np.stack([np.frombuffer(sig(c), np.uint8) for c in [(15, 25, 140), (250, 250, 250), (0, 0, 0)]])
    assert [colour.GROUP_NAMES[c] for c in colour.group_codes(sigs)] == ["blue-mid", "grey-bright", "grey-dark"]
    assert colour.GROUP_NAMES[colour.group_codes(np.zeros((1, 12), np.uint8))[0]] == "unknown"


def test_rotated_and_mirrored_copies_are_grouped_with_their_kind(library, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    when = dt.datetime(2019, 4, 8, 12)
    img = scene(2024, (1200, 900))
    img.save(photos / "a.jpg", quality=90, exif=exif_for(when))
    img.transpose(Image.Transpose.ROTATE_90).save(photos / "b.jpg", quality=90, exif=exif_for(when))
    scene(77, (1200, 900)).save(photos / "c.jpg", quality=90, exif=exif_for(when))
    add_folder(library, photos, progress=False)
    make_thumbs(library, progress=False)
    vfs = PhotoVFS(library.path, refresh_seconds=0)
    groups = [n for n, _ in vfs.listdir("/by-similar")]
    assert len(groups) == 1 and groups[0].endswith("_2-photos_rotated")
    library.settings.similar_flips = False
    library.settings.save(library.path)
    assert [n for n, _ in PhotoVFS(library.path, refresh_seconds=0).listdir("/by-similar")] == []


def test_the_dihedral_hashes_are_those_of_the_transformed_thumbnail():
    buf = io.BytesIO()
    scene(5, (800, 600)).save(buf, "JPEG")
    thumb = make_thumbnail(buf.getvalue(), 256, 10**9)
    rotated = Image.open(io.BytesIO(thumb.pixels_jpeg)).transpose(Image.Transpose.ROTATE_90)
    from photofs.imaging.similarity import VARIANTS, phash_int
    stored = np.frombuffer(thumb.dihedral, "<u8")
    k = [t for t, _ in VARIANTS].index(Image.Transpose.ROTATE_90)
    assert int(stored[k]) == phash_int(rotated)


def test_a_named_trip_with_a_year_is_a_gallery():
    assert folder_gallery("/nas/Italy 2019/IMG_1.jpg") == "Italy 2019"
    assert folder_gallery("/nas/Photos from 2019/IMG_1.jpg") is None
