"""Generated sample photos: the embedded default for `photofs demo` and the tests.

Each scene is a small landscape drawn from a seed (sky, sun, hills, a few shapes,
sensor-like noise), saved as a real camera file would be: JPEG with EXIF dates,
camera and GPS, an upright-by-tag portrait, near-duplicates (re-encoded, resized,
brightened, cropped, mirrored), an exact copy, a PNG screenshot without EXIF, an
old scan from before the birth date, and a HEIC.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

CAMERAS = [("Google", "Pixel 7"), ("Canon", "Canon EOS 80D"), ("Apple", "iPhone 13")]


def scene(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    top, bottom = rng.integers(40, 255, 3), rng.integers(40, 255, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    sky = (top * (1 - t) + bottom * t).astype(np.float32) * np.ones((1, w, 1), np.float32)
    img = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    r = int(rng.integers(h // 12, h // 5))
    cx, cy = int(rng.integers(r, w - r)), int(rng.integers(r, h // 2))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.integers(150, 255, 3)))
    for _ in range(3):  # hills
        ys = h * rng.uniform(0.45, 0.85) + np.cumsum(rng.normal(0, h / 60, 9))
        pts = [(int(x), int(y)) for x, y in zip(np.linspace(0, w, 9), ys)] + [(w, h), (0, h)]
        d.polygon(pts, fill=tuple(int(v) for v in rng.integers(0, 200, 3)))
    for _ in range(int(rng.integers(2, 6))):  # things in the landscape
        x0, y0 = int(rng.integers(0, w * 9 // 10)), int(rng.integers(h // 3, h * 9 // 10))
        x1, y1 = x0 + int(rng.integers(w // 50 + 1, w // 4 + 2)), y0 + int(rng.integers(h // 50 + 1, h // 4 + 2))
        d.rectangle((x0, y0, x1, y1), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    noise = rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8), "RGB")


def exif_for(when: dt.datetime | None, camera: tuple[str, str] | None = None, offset: str | None = None,
             gps: tuple[float, float] | None = None, orientation: int = 1) -> bytes:
    zeroth = {piexif.ImageIFD.Orientation: orientation}
    exif: dict = {}
    if camera:
        zeroth[piexif.ImageIFD.Make], zeroth[piexif.ImageIFD.Model] = (c.encode() for c in camera)
    if when:
        exif[piexif.ExifIFD.DateTimeOriginal] = when.strftime("%Y:%m:%d %H:%M:%S").encode()
    if offset:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    gps_ifd = {}
    if gps:
        def dms(v):
            v = abs(v)
            return ((int(v), 1), (int(v * 60) % 60, 1), (int(round(v * 3600 * 100)) % 6000, 100))
        gps_ifd = {piexif.GPSIFD.GPSLatitudeRef: b"N" if gps[0] >= 0 else b"S", piexif.GPSIFD.GPSLatitude: dms(gps[0]),
                   piexif.GPSIFD.GPSLongitudeRef: b"E" if gps[1] >= 0 else b"W", piexif.GPSIFD.GPSLongitude: dms(gps[1])}
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd, "1st": {}, "thumbnail": None})


@dataclass
class Sample:
    path: Path
    taken: dt.datetime | None
    kind: str      # original, near-duplicate, mirrored, copy, portrait, screenshot, scan, heic


def make_samples(folder: Path, start: dt.datetime = dt.datetime(2019, 4, 8, 9, 30), weeks: int = 6,
                 per_week: int = 4, size: tuple[int, int] = (1600, 1200)) -> list[Sample]:
    """Write the sample originals under `folder`; the same arguments give the same files."""
    folder.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    seed = 1000
    for week in range(weeks):
        album = folder / f"{(start + dt.timedelta(weeks=week)):%Y-%m} trip {week + 1}"
        album.mkdir(exist_ok=True)
        for n in range(per_week):
            seed += 1
            when = start + dt.timedelta(weeks=week, days=n, hours=n * 2, minutes=seed % 60)
            camera = CAMERAS[seed % len(CAMERAS)]
            img = scene(seed, size)
            name = f"IMG_{when:%Y%m%d}_{seed:04d}.jpg"
            gps = (48.137 + week * 0.01, 11.575 + n * 0.01) if n % 2 == 0 else None
            offset = "+02:00" if n == 1 else None
            img.save(album / name, quality=90, exif=exif_for(when, camera, offset, gps))
            samples.append(Sample(album / name, when, "original"))
            if n == 0:  # a burst: near-duplicates of the first photo of every week
                later = when + dt.timedelta(seconds=3)
                dup = ImageEnhance.Brightness(img.resize((size[0] * 4 // 5, size[1] * 4 // 5))).enhance(1.08)
                dup_name = f"IMG_{later:%Y%m%d}_{seed:04d}_1.jpg"
                dup.save(album / dup_name, quality=70, exif=exif_for(later, camera))
                samples.append(Sample(album / dup_name, later, "near-duplicate"))
                if week == 0:
                    mirrored = ImageOps.mirror(img)
                    mirrored.save(album / f"IMG_{later:%Y%m%d}_{seed:04d}_mirror.jpg", quality=85,
                                  exif=exif_for(later + dt.timedelta(seconds=1), camera))
                    samples.append(Sample(album / f"IMG_{later:%Y%m%d}_{seed:04d}_mirror.jpg", later, "mirrored"))
    # A portrait shot stored sideways with an orientation tag, as phones do.
    when = start + dt.timedelta(days=2, hours=5)
    portrait = scene(7, size).rotate(90, expand=True)  # upright it is tall
    portrait.rotate(-90, expand=True).save(folder / "portrait.jpg", quality=88,
                                          exif=exif_for(when, CAMERAS[0], orientation=6))
    samples.append(Sample(folder / "portrait.jpg", when, "portrait"))
    # An exact copy in another folder: same hash, shown as <hash>~<its id>.jpg.
    copies = folder / "copies"
    copies.mkdir(exist_ok=True)
    first = samples[0].path
    (copies / first.name).write_bytes(first.read_bytes())
    samples.append(Sample(copies / first.name, samples[0].taken, "copy"))
    # A screenshot: PNG, no EXIF, dated by its file name (and the same file time).
    shot_time = start + dt.timedelta(weeks=2, days=1, hours=3)
    shot = folder / f"Screenshot_{shot_time:%Y-%m-%d-%H-%M-%S}.png"
    scene(99, (540, 1170)).save(shot)
    os.utime(shot, (shot_time.timestamp(), shot_time.timestamp()))
    samples.append(Sample(shot, shot_time, "screenshot"))
    # An old scan from before the birth date.
    scan_time = dt.datetime(1975, 7, 14, 12, 0)
    scene(1975, (1200, 800)).convert("L").convert("RGB").save(folder / "scan_grandparents.jpg", quality=85,
                                                             exif=exif_for(scan_time))
    samples.append(Sample(folder / "scan_grandparents.jpg", scan_time, "scan"))
    # A HEIC from a phone.
    heic_time = start + dt.timedelta(weeks=3, days=4, hours=6)
    try:
        scene(4242, (1200, 900)).save(folder / "IMG_4242.heic", exif=exif_for(heic_time, CAMERAS[2]), quality=80)
        samples.append(Sample(folder / "IMG_4242.heic", heic_time, "heic"))
    except (KeyError, OSError, ValueError):  # pillow-heif built without an encoder: no HEIC sample
        pass
    return samples
