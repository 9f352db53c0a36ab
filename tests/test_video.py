"""Videos as photos: a probe, a representative frame, frame hashes (real clips made with PyAV)."""

import io
import zipfile

import imagehash
import numpy as np
import pytest
from PIL import Image

from images import clip_bytes
from photofs.imaging import video
from photofs.imaging.metadata import read_media_header
from photofs.imaging.thumbnail import make_thumbnail
from photofs.imaging.video import BadVideo, parse_iso6709

LIMIT = 200_000_000


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.read_bytes += len(chunk)
        return chunk

    def readinto(self, b):
        n = super().readinto(b)
        self.read_bytes += n
        return n


def _thumb_image(thumb) -> Image.Image:
    return Image.open(io.BytesIO(thumb.pixels_jpeg))


def test_probe_says_size_duration_rate_and_codec():
    info = video.probe(io.BytesIO(clip_bytes(seconds=4, size=(320, 240), fps=30)))
    assert (info.width, info.height, info.codec, info.fps, info.rotation) == (320, 240, "h264", 30.0, 0)
    assert info.duration == pytest.approx(4.0, abs=0.05)


def test_the_header_of_a_video_has_its_time_place_and_camera():
    tagged = clip_bytes(seconds=1, metadata={"creation_time": "2019-04-12T10:20:30.000000Z",
                                             "location": "+48.8583+002.2945/"})
    meta = read_media_header(io.BytesIO(tagged), "video", LIMIT, "clip.mp4")
    assert (meta.mime, meta.codec, meta.width, meta.height) == ("video/mp4", "h264", 320, 240)
    assert meta.taken_utc.isoformat() == "2019-04-12T10:20:30+00:00" and meta.taken_local is None
    assert meta.taken_at(None) == meta.taken_utc.timestamp()
    assert meta.gps == (48.8583, 2.2945, None) and meta.duration == pytest.approx(1.0, abs=0.05)


def test_an_iphone_clip_gives_its_local_time_offset_and_altitude():
    apple = clip_bytes(seconds=1, container="mov", options={"movflags": "use_metadata_tags"}, metadata={
        "com.apple.quicktime.creationdate": "2019-04-12T12:20:30+0200",
        "com.apple.quicktime.location.ISO6709": "-33.8688+151.2093+010.000/",
        "com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 12\x00junk"})
    meta = read_media_header(io.BytesIO(apple), "video", LIMIT, "IMG_0001.MOV")
    assert meta.mime == "video/quicktime"
    assert (meta.taken_local.isoformat(), meta.tz_offset_min) == ("2019-04-12T12:20:30", 120)
    assert (meta.make, meta.model, meta.gps) == ("Apple", "iPhone 12", (-33.8688, 151.2093, 10.0))


@pytest.mark.parametrize("text, expected", [
    ("+48.8583+002.2945/", (48.8583, 2.2945, None)),
    ("+4851.50+00217.70/", (48.8583333, 2.295, None)),            # DDMM.MM
    ("-335212.0+1511233.5+10/", (-33.8700, 151.2093056, 10.0)),   # DDMMSS
    ("+00.0000+000.0000/", None),                                  # "no fix"
    ("north of here", None), (None, None),
])
def test_iso6709_positions(text, expected):
    got = parse_iso6709(text)
    assert got == expected if expected is None else got == pytest.approx(expected, abs=1e-4)


def test_a_rotated_phone_clip_is_upright_in_size_and_picture():
    plain = clip_bytes(seed=3, seconds=3)
    sideways = clip_bytes(seed=3, seconds=3, rotation=-90)  # what a phone held upright writes: turn clockwise
    info, frame = video.representative_frame(io.BytesIO(sideways), 256)
    assert (info.width, info.height, info.rotation) == (240, 320, -90)
    assert frame.size == (192, 256)
    _, reference = video.representative_frame(io.BytesIO(plain), 256)
    expected = np.asarray(reference.transpose(Image.Transpose.ROTATE_270), np.float32)
    assert np.abs(np.asarray(frame, np.float32) - expected).mean() < 4
    assert _thumb_image(make_thumbnail(sideways, 256, LIMIT, "video")).size == (192, 256)


def test_the_thumbnail_skips_a_black_first_second():
    clip = clip_bytes(seed=4, seconds=3, black_first=1.0, gop=25)
    _, frame = video.representative_frame(io.BytesIO(clip), 256)
    grey = np.asarray(frame.convert("L"), np.float32)
    assert grey.mean() > video.DARK_MEAN and grey.std() > video.BLANK_STDDEV
    # Two clips that both open in black are not one picture (the false duplicates of other tools).
    other = clip_bytes(seed=5, seconds=3, black_first=1.0, gop=25)
    a, b = make_thumbnail(clip, 256, LIMIT, "video"), make_thumbnail(other, 256, LIMIT, "video")
    assert imagehash.hex_to_hash(a.phash) - imagehash.hex_to_hash(b.phash) > 10


def test_an_all_black_clip_still_gets_a_thumbnail():
    thumb = make_thumbnail(clip_bytes(seconds=2, black_first=5.0), 256, LIMIT, "video")
    assert _thumb_image(thumb).size == (256, 192)


def test_the_name_is_the_phash_of_the_thumbnail_with_its_play_badge_and_stable():
    clip = clip_bytes(seed=6, seconds=3)
    a, b = make_thumbnail(clip, 256, LIMIT, "video"), make_thumbnail(clip, 256, LIMIT, "video")
    assert a == b  # same clip, same bytes, same name
    img = _thumb_image(a)
    assert str(imagehash.phash(img)) == a.phash
    corner = np.asarray(img.convert("L"))[-30:-10, 10:30]
    assert corner.min() < 40 and corner.max() > 200  # the dark disc and the white triangle of the badge


def test_only_a_part_of_a_long_clip_is_read():
    clip = clip_bytes(seed=7, seconds=24, gop=25, bit_rate=2_000_000)  # big enough that read buffers do not count
    reader = CountingReader(clip)
    video.representative_frame(reader, 256)
    assert reader.read_bytes < len(clip) * 0.1
    reader = CountingReader(clip)
    video.frame_hashes(reader)
    assert reader.read_bytes < len(clip) * 0.3  # five seeks, each a keyframe's group of frames


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_clip_is_read_from_inside_a_zip_without_extracting(tmp_path, compression):
    clip = clip_bytes(seed=8, seconds=3)
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("Takeout/Google Photos/Photos from 2019/VID_1.mp4", clip)
    with zipfile.ZipFile(path) as z, z.open("Takeout/Google Photos/Photos from 2019/VID_1.mp4") as member:
        from_zip = make_thumbnail(member, 256, LIMIT, "video")
    assert from_zip == make_thumbnail(clip, 256, LIMIT, "video")


def test_frame_hashes_find_a_re_encode_and_not_another_clip_of_the_same_length():
    original = clip_bytes(seed=9, seconds=10)
    re_encoded = clip_bytes(seed=9, seconds=10, size=(480, 360), bit_rate=150_000)
    other = clip_bytes(seed=10, seconds=10)
    a, b, c = (video.frame_hashes(io.BytesIO(x)) for x in (original, re_encoded, other))
    assert len(a) == video.FRAME_HASHES and all(a)
    near = [bin(int(x) ^ int(y)).count("1") for x, y in zip(a, b)]
    far = [bin(int(x) ^ int(y)).count("1") for x, y in zip(a, c)]
    assert max(near) <= 8 and min(far) > 12, (near, far)


@pytest.mark.parametrize("data, reason", [
    (b"not a video at all" * 100, "not a video FFmpeg can read"),
    (b"", "not a video FFmpeg can read"),
])
def test_not_videos_get_one_clear_reason(data, reason):
    with pytest.raises(BadVideo, match=reason):
        make_thumbnail(data, 256, LIMIT, "video")
    with pytest.raises(BadVideo, match=reason):
        read_media_header(io.BytesIO(data), "video", LIMIT)


def test_a_truncated_clip_is_a_thumbnail_or_a_clear_error():
    clip = clip_bytes(seed=11, seconds=6)
    for cut in (len(clip) // 2, len(clip) // 10, 200):
        try:
            thumb = make_thumbnail(clip[:cut], 256, LIMIT, "video")
        except BadVideo as e:
            assert str(e)
        else:
            assert thumb.phash


def test_video_near_duplicates_group_in_by_similar_and_sub_clips_and_other_clips_do_not(library, tmp_path):
    from takeout_builder import Takeout, sidecar, ts

    from photofs.jobs.import_takeout import import_takeout
    from photofs.jobs.thumbs import make_thumbs
    from photofs.vfs import PhotoVFS
    t = Takeout()
    clips = {
        "VID_original.mp4": clip_bytes(seed=9, seconds=10, size=(480, 360), bit_rate=600_000),
        "VID_re-encoded.mp4": clip_bytes(seed=9, seconds=10, size=(320, 240), bit_rate=120_000),
        "VID_sub-clip.mp4": clip_bytes(seed=9, seconds=5, start=2.0),
        "VID_other.mp4": clip_bytes(seed=10, seconds=10),
        "VID_black-start.mp4": clip_bytes(seed=11, seconds=10, black_first=1.0),
    }
    for name, data in clips.items():
        t.add(f"Photos from 2019/{name}", data)
        t.add(f"Photos from 2019/{name}.json", sidecar(name, ts(2019, 4, 10, 12)))
    import_takeout(library, [t.zip(tmp_path / "takeout.zip")], progress=False)
    make_thumbs(library, progress=False)
    items = {i.original_name: i for i in library.catalog.items()}
    assert all(i.state == "thumbnailed" and i.kind == "video" and len(i.frame_hashes) == 40 for i in items.values())
    vfs = PhotoVFS(library.path, refresh_seconds=0)
    groups = [n for n, _ in vfs.listdir("/by-similar")]
    assert len(groups) == 1 and groups[0].endswith("_2-photos_video"), groups
    members = {n for n, _ in vfs.listdir(f"/by-similar/{groups[0]}")}
    # The two (whose thumbnails may share one phash: then one is shown as `<phash>~2.jpg`).
    assert len(members) == 2
    assert {m[:16] for m in members} == {items["VID_original.mp4"].phash, items["VID_re-encoded.mp4"].phash}
    assert groups[0].startswith(items["VID_original.mp4"].phash)  # the larger original leads the group
    # Durations (read at indexing) must agree within 20 %: at 11 s against 10 s they do, at 13 s not.
    from dataclasses import replace
    for seconds, grouped in ((10.0, True), (11.0, True), (13.0, False)):
        library.catalog.upsert(replace(items["VID_original.mp4"], duration=10.0))
        library.catalog.upsert(replace(items["VID_re-encoded.mp4"], duration=seconds))
        groups = [n for n, _ in PhotoVFS(library.path, refresh_seconds=0).listdir("/by-similar")]
        assert (len(groups) == 1) == grouped, (seconds, groups)


def test_a_video_thumbnail_carries_its_video_fields_in_the_exif_record(tmp_path):
    import datetime as dt
    from contextlib import contextmanager
    from zoneinfo import ZoneInfo

    from photofs.domain.items import Item
    from photofs.imaging.exif_record import item_from_record, read_record
    from photofs.imaging.thumbstore import ThumbStore
    clip = clip_bytes(seed=12, seconds=3, fps=30)
    opened = []

    @contextmanager
    def open_original(item):
        opened.append(item.original_name)
        yield io.BytesIO(clip)

    def read_original(item):
        raise AssertionError("a video is read as a file, never as bytes")
    store = ThumbStore(tmp_path / "cache", 10, 256, LIMIT, ZoneInfo("UTC"), read_original, open_original)
    info = video.probe(io.BytesIO(clip))
    item = Item(source="folder", source_id="/v/clip.mp4", original_name="clip.mp4", id=1, sha256="ab" * 32,
                kind="video", width=info.width, height=info.height, duration=info.duration, fps=info.fps,
                codec=info.codec, taken_at=dt.datetime(2019, 4, 12, tzinfo=dt.timezone.utc).timestamp())
    jpeg, thumb = store.make(item)
    store.close()
    assert opened == ["clip.mp4"] and len(thumb.frames) == 8 * video.FRAME_HASHES
    record = read_record(jpeg)
    assert (record["kind"], record["codec"], record["fps"], record["duration"]) == ("video", "h264", 30.0, 3.0)
    assert record["phash"] == thumb.phash and record["frame_hashes"] == thumb.frames.hex()
    back = item_from_record(record)  # what `rebuild --from-thumbs` reads
    assert (back.kind, back.codec, back.duration, back.frame_hashes) == ("video", "h264", 3.0, thumb.frames)


def test_a_video_over_the_pixel_limit_is_refused_before_decoding():
    with pytest.raises(BadVideo, match="decompression bomb: 320x240"):
        make_thumbnail(clip_bytes(seconds=1), 256, 320 * 240 - 1, "video")
