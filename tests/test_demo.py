"""The README's first command ends in `photofs demo`: check what a new user sees."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess

import imagehash
import piexif
import pytest
from PIL import Image

from backends import run_photofs, unmount

pytestmark = pytest.mark.mount


def test_demo_mounts_a_browsable_sample_library(tmp_path):
    mnt = tmp_path / "mnt"
    r = run_photofs("--library", str(tmp_path / "demo" / "library"), "demo", str(mnt), "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    try:
        data = json.loads(r.stdout)
        assert data["add_folder"]["counts"]["new"] >= 30 and data["thumbs"]["counts"]["made"] >= 30
        listing = subprocess.run(["ls", "-lR", str(mnt)], capture_output=True, text=True, check=True).stdout
        weeks = re.findall(r"\d{4}_\d{4}-\d{2}-\d{2}", listing)
        assert len(set(weeks)) >= 6
        originals = {f for _, _, fs in os.walk(data["originals"]) for f in fs}
        n = 0
        for folder, _, files in os.walk(mnt / "by-week"):
            for f in files:
                blob = open(os.path.join(folder, f), "rb").read()
                assert str(imagehash.phash(Image.open(io.BytesIO(blob)))) == f[:16]
                assert piexif.load(blob)["0th"][piexif.ImageIFD.ImageDescription].decode() in originals
                n += 1
        assert n == data["thumbs"]["counts"]["made"]
        assert any(re.fullmatch(r"[0-9a-f]{16}~\d+\.jpg", f) for _, _, fs in os.walk(mnt) for f in fs)  # the exact copy
        assert sorted(os.listdir(mnt)) == sorted(["by-week", "by-similar", "by-gallery", "by-histogram",
                                                  "by-resolution", "by-name", "sorted", "to-delete"])
        groups = os.listdir(mnt / "by-similar")
        assert any(g.endswith("near+mirrored") and "_4-photos_" in g for g in groups)  # burst + mirror + copy
    finally:
        unmount(mnt)
    # Running it again reuses the library and does no work twice.
    r = run_photofs("--library", str(tmp_path / "demo" / "library"), "demo", str(mnt), "--json", timeout=300)
    try:
        data = json.loads(r.stdout)
        assert set(data["add_folder"]["counts"]) == {"unchanged"}
        assert set(data["thumbs"]["counts"]) == {"already done"}
    finally:
        unmount(mnt)
