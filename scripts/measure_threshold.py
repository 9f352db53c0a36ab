#!/usr/bin/env python3
"""Measure phash distances on real photographs to choose `similarity_threshold`.

Uses the photographs shipped inside scikit-image's wheel (no download):
    pip install scikit-image && python scripts/measure_threshold.py
For every photo it makes the edits that produce near-duplicates in a real
library (re-encoding, resizing, brightness, cropping, a slight tilt, a burst
frame from a second viewpoint), and compares the distances of those pairs with
the distances between different photos, through photofs' own thumbnail path.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from photofs.imaging.thumbnail import make_thumbnail  # noqa: E402

PHOTOS = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "hubble_deep_field.jpg", "moon.png",
          "rocket.jpg", "retina.jpg", "motorcycle_left.png", "grass.png", "gravel.png", "brick.png", "horse.png",
          "ihc.png", "page.png"]

EDITS = {
    "jpeg q50": lambda im: im,
    "resize 50%": lambda im: im.resize((im.width // 2, im.height // 2)),
    "brighter 15%": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "more contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.3),
    "crop 5%": lambda im: im.crop((im.width // 20, im.height // 20, im.width * 19 // 20, im.height * 19 // 20)),
    "crop 10%": lambda im: im.crop((im.width // 10, im.height // 10, im.width * 9 // 10, im.height * 9 // 10)),
    "tilt 2 degrees": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "watermark": lambda im: _watermark(im),
}


def _watermark(im):
    im = im.copy()
    ImageDraw.Draw(im).text((im.width // 10, im.height * 8 // 10), "© photofs 2026", fill=(255, 255, 255))
    return im


def phash(im: Image.Image, quality: int = 90) -> int:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return int(make_thumbnail(buf.getvalue(), 256, 10**9).phash, 16)


def dist(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def main() -> int:
    try:
        import skimage
    except ImportError:
        print("needs scikit-image (pip install scikit-image): its wheel carries the photographs", file=sys.stderr)
        return 1
    folder = Path(skimage.__file__).parent / "data"
    images = {name: Image.open(folder / name).convert("RGB") for name in PHOTOS}
    base = {n: phash(im) for n, im in images.items()}
    near = {edit: [dist(base[n], phash(fn(im), 50 if edit == "jpeg q50" else 90)) for n, im in images.items()]
            for edit, fn in EDITS.items()}
    right = Image.open(folder / "motorcycle_right.png").convert("RGB")
    near["burst: second viewpoint"] = [dist(base["motorcycle_left.png"], phash(right))]
    different = [dist(base[a], base[b]) for a, b in itertools.combinations(images, 2)]
    for edit, ds in near.items():
        print(json.dumps({"edit": edit, "max": max(ds), "median": float(np.median(ds)), "distances": ds}))
    print(json.dumps({"different photos": len(different), "min": min(different), "p1": float(np.percentile(different, 1)),
                      "median": float(np.median(different))}))
    edits = [d for ds in near.values() for d in ds]
    for t in range(4, 17, 2):
        print(json.dumps({"threshold": t, "edits found": f"{sum(d <= t for d in edits)}/{len(edits)}",
                          "different photos joined": f"{sum(d <= t for d in different)}/{len(different)}"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
