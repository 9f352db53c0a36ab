"""Videos through PyAV (its wheels carry FFmpeg): what a clip is, and frames that show it.

- `probe`: the size as shown (the display matrix's rotation and the sample aspect
  ratio applied), duration, frame rate, codec, and the creation time, camera and
  place from the container's tags.
- `representative_frame`: the frame a thumbnail shows. The frame at 0 s is often
  black (or the start of a fade), and then every clip looks alike, so a few
  points along the clip are tried and the first that is not blank wins.
- `frame_hashes`: phashes of frames spread evenly across the clip, for near-duplicates.

Every frame is found by seeking to the keyframe before its time and decoding from
there to the time (what `ffmpeg -ss T -frames:v 1` does), never the whole clip.
The input is a seekable binary file (a real file, a zip member, BytesIO): FFmpeg
reads the index and the few packets it needs, not the whole clip.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import BinaryIO

import av
import numpy as np
from PIL import Image

from photofs.imaging.decode import BadImage
from photofs.imaging.similarity import phash_int

FRAME_HASHES = 5
# Points (shares of the duration) tried in turn for the thumbnail's frame.
THUMBNAIL_POINTS = (0.1, 0.3, 0.5, 0.7, 0.9)
# A frame is blank when it is nearly uniform (black, white, a title card of one
# colour) or dark on average (black, or the first part of a fade-in).
BLANK_STDDEV, DARK_MEAN = 8.0, 24.0
# Decoding from a keyframe to a point stops after this many frames: a clip with
# no keyframe for minutes (screen recordings) still costs a bounded time.
MAX_FRAMES_PER_SEEK = 600

_TAGS_TAKEN_LOCAL = ("com.apple.quicktime.creationdate",)  # local time with its offset
_TAGS_LOCATION = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
_TAGS_MAKE = ("com.apple.quicktime.make", "make", "com.android.manufacturer")
_TAGS_MODEL = ("com.apple.quicktime.model", "model", "com.android.model")


class BadVideo(BadImage):
    """The file is not a usable video; the message is the reason shown to the user."""


@dataclass
class VideoInfo:
    width: int                    # as shown: rotated upright, sample aspect ratio applied
    height: int
    duration: float | None        # seconds
    fps: float | None
    codec: str | None             # FFmpeg's name: h264, hevc, vp9, av1, mpeg4 ...
    rotation: int = 0             # degrees counter-clockwise that make it upright
    taken_utc: dt.datetime | None = None     # creation_time (an instant, in UTC)
    taken_local: dt.datetime | None = None   # Apple's creationdate: the camera's wall clock ...
    tz_offset_min: int | None = None         # ... and its UTC offset
    make: str | None = None
    model: str | None = None
    gps: tuple[float, float, float | None] | None = None


class _Clip:
    """An open clip: its first video stream and how to reach a point in it."""

    def __init__(self, fp: BinaryIO, max_pixels: int | None = None):
        try:
            self.container = av.open(fp, mode="r")
        except (av.error.FFmpegError, ValueError, OSError) as e:
            raise BadVideo(f"not a video FFmpeg can read ({_reason(e)})") from None
        if not self.container.streams.video:
            self.container.close()
            raise BadVideo("the file has no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"  # frame threads: several cores for one clip, as ffmpeg does
        self.info = _info(self.container, self.stream)
        w, h = self.info.width, self.info.height
        if max_pixels is not None and w * h > max_pixels:
            self.container.close()
            raise BadVideo(f"refused as a decompression bomb: {w}x{h} = {w * h:,} pixels a frame is over the limit "
                           f"of {max_pixels:,}")

    def __enter__(self) -> "_Clip":
        return self

    def __exit__(self, *exc) -> None:
        self.container.close()

    def frame_at(self, seconds: float) -> av.VideoFrame | None:
        """The first frame at or after `seconds` (the last one when the clip ends before)."""
        s = self.stream
        start = s.start_time or 0
        target = start + int(seconds / s.time_base)
        try:
            self.container.seek(target, stream=s, backward=True, any_frame=False)
            last = None
            for n, frame in enumerate(self.container.decode(s)):
                last = frame
                if frame.pts is None or frame.pts >= target or n >= MAX_FRAMES_PER_SEEK:
                    return frame
            return last
        except (av.error.FFmpegError, ValueError, OSError):
            return None  # a damaged stretch of the clip: the caller tries another point

    def upright(self, frame: av.VideoFrame, long_side: int) -> Image.Image:
        """The frame as shown, scaled (by swscale, cheap) so its long side is at most `long_side`."""
        info = self.info
        scale = min(1.0, long_side / max(info.width, info.height))
        w, h = (info.height, info.width) if info.rotation in (90, -90) else (info.width, info.height)
        img = frame.to_image(width=max(1, round(w * scale)), height=max(1, round(h * scale)),
                             interpolation="AREA")
        if info.rotation == 90:
            img = img.transpose(Image.Transpose.ROTATE_90)
        elif info.rotation == -90:
            img = img.transpose(Image.Transpose.ROTATE_270)
        elif info.rotation in (180, -180):
            img = img.transpose(Image.Transpose.ROTATE_180)
        return img

    def points(self, shares) -> list[float]:
        duration = self.info.duration or 0.0
        return [duration * share for share in shares]


def probe(fp: BinaryIO) -> VideoInfo:
    with _Clip(fp) as clip:
        return clip.info


def representative_frame(fp: BinaryIO, long_side: int) -> tuple[VideoInfo, Image.Image]:
    """(what the clip is, its upright frame for a thumbnail): the first point that is not blank,
    else the most contrasted of those tried."""
    with _Clip(fp) as clip:
        return clip.info, _representative(clip, long_side)


def frame_hashes(fp: BinaryIO, n: int = FRAME_HASHES) -> np.ndarray:
    with _Clip(fp) as clip:
        return _frame_hashes(clip, n)


def thumbnail_frame_and_hashes(fp: BinaryIO, long_side: int, n: int = FRAME_HASHES, max_pixels: int | None = None):
    """`representative_frame` and `frame_hashes` from one opening of the clip (refused when a
    frame is over `max_pixels`)."""
    with _Clip(fp, max_pixels) as clip:
        return clip.info, _representative(clip, long_side), _frame_hashes(clip, n)


def _representative(clip: _Clip, long_side: int) -> Image.Image:
    best, best_contrast = None, -1.0
    for seconds in clip.points(THUMBNAIL_POINTS):
        frame = clip.frame_at(seconds)
        if frame is None:
            continue
        img = clip.upright(frame, long_side)
        grey = np.asarray(img.convert("L").resize((64, 64)), dtype=np.float32)
        if grey.std() >= BLANK_STDDEV and grey.mean() >= DARK_MEAN:
            return img
        if grey.std() > best_contrast:
            best, best_contrast = img, float(grey.std())
    if best is None:
        raise BadVideo("no frame of the video could be decoded")
    return best


def _frame_hashes(clip: _Clip, n: int) -> np.ndarray:
    """phashes (uint64) of frames at the middles of n equal parts of the clip; 0 where a frame
    could not be decoded (and 0 never matches: grouping skips it)."""
    out = np.zeros(n, np.uint64)
    for i, seconds in enumerate(clip.points([(k + 0.5) / n for k in range(n)])):
        frame = clip.frame_at(seconds)
        if frame is not None:
            out[i] = phash_int(clip.upright(frame, 128))
    return out


def _info(container, stream) -> VideoInfo:
    ctx = stream.codec_context
    width, height = ctx.width, ctx.height
    if not width or not height:
        raise BadVideo("the video stream has no picture size")
    sar = stream.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        width = max(1, round(width * float(sar)))  # anamorphic: shown wider (or narrower) than stored
    rotation = _rotation(container, stream)
    if rotation in (90, -90):
        width, height = height, width
    duration = None
    if container.duration:
        duration = container.duration / av.time_base
    elif stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    rate = stream.average_rate or stream.guessed_rate
    tags = {**stream.metadata, **container.metadata}
    info = VideoInfo(width=width, height=height, duration=duration, fps=round(float(rate), 3) if rate else None,
                     codec=ctx.name, rotation=rotation, make=_first(tags, _TAGS_MAKE), model=_first(tags, _TAGS_MODEL))
    info.taken_local, info.tz_offset_min = _local_time(_first(tags, _TAGS_TAKEN_LOCAL))
    info.taken_utc = _utc_time(tags.get("creation_time"))
    info.gps = parse_iso6709(_first(tags, _TAGS_LOCATION))
    return info


def _rotation(container, stream) -> int:
    """The display matrix's rotation, rounded to a quarter turn. FFmpeg puts the stream's
    matrix on each decoded frame, so the first frame says it (one decode, at the start)."""
    try:
        for frame in container.decode(stream):
            rotation = int(round((frame.rotation or 0) / 90.0)) * 90
            return -180 if rotation == 180 else rotation
    except (av.error.FFmpegError, ValueError, OSError):
        pass
    finally:
        try:
            container.seek(0, stream=stream, backward=True, any_frame=False)
        except (av.error.FFmpegError, ValueError, OSError):
            pass
    return 0


def _first(tags: dict, names) -> str | None:
    for name in names:
        value = (tags.get(name) or "").split("\x00", 1)[0].strip()
        if value:
            return value
    return None


def _utc_time(text: str | None) -> dt.datetime | None:
    """`creation_time` (ISO 8601, UTC). QuickTime's zero (1904) and Unix's (1970) mean unset."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc) if when.year > 1970 else None


def _local_time(text: str | None) -> tuple[dt.datetime | None, int | None]:
    """Apple's `2019-04-12T12:20:30+0200` -> (the wall clock, 120)."""
    if not text:
        return None, None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, None
    if when.year <= 1970:
        return None, None
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return when.replace(tzinfo=None), minutes


_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def parse_iso6709(text: str | None) -> tuple[float, float, float | None] | None:
    """`+48.8583+002.2945+035.000/` (degrees; also the DDMM and DDDMMSS forms) -> (lat, lon, alt)."""
    m = _ISO6709.match(text or "")
    if not m:
        return None
    lat, lon = _iso_degrees(m.group(1), 2), _iso_degrees(m.group(2), 3)
    alt = float(m.group(3)) if m.group(3) else None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return (round(lat, 7), round(lon, 7), alt)


def _iso_degrees(text: str, degree_digits: int) -> float:
    sign = -1 if text[0] == "-" else 1
    whole, _, fraction = text[1:].partition(".")
    fraction = float("0." + fraction) if fraction else 0.0
    if len(whole) <= degree_digits:  # DD.DDDD
        return sign * (int(whole) + fraction)
    degrees = int(whole[:degree_digits])
    if len(whole) <= degree_digits + 2:  # DDMM.MMMM
        return sign * (degrees + (int(whole[degree_digits:]) + fraction) / 60)
    minutes, seconds = int(whole[degree_digits:degree_digits + 2]), int(whole[degree_digits + 2:])  # DDMMSS.SS
    return sign * (degrees + minutes / 60 + (seconds + fraction) / 3600)


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e) or type(e).__name__
