"""Inferred galleries (issue 16, item 7): a run needs two photos, and its name is
the first file's as written, through the CLI on a camera folder."""

from __future__ import annotations

import datetime as dt
import os

from conftest import CLI
from images import jpeg_bytes


def test_runs_of_two_or_more_keep_their_real_names(capsys, library, tmp_path):
    camera = tmp_path / "DCIM"  # a generic folder name: no gallery of its own
    camera.mkdir()
    day = dt.datetime(2019, 4, 8, 10, 0)
    shots = {"IMG_0004.JPG": 0, "IMG_0005.JPG": 1, "IMG_0006.JPG": 2,       # a counter run
             "Canon_40D.jpg": 30, "DSC_0100.JPG": 50,                        # alone
             "beach.jpg": 70, "sunset.jpg": 71}                               # no number: never a run
    for n, (name, minutes) in enumerate(shots.items()):
        (camera / name).write_bytes(jpeg_bytes(seed=n + 1, when=day + dt.timedelta(minutes=minutes)))
    cli = CLI(capsys, library.path)
    cli.json("add-folder", camera)
    cli.json("thumbs", "--all")
    out = tmp_path / "export"
    cli.json("export-thumbs", out, "--view", "by-gallery")
    folders = {str(p.relative_to(out / "by-gallery")): len([f for f in os.listdir(p) if f.endswith(".jpg")])
               for p in (out / "by-gallery").rglob("*") if p.is_dir()}
    assert folders == {"2019-04-08 IMG_0004": 3, "not in a gallery": 0, "not in a gallery/2019": 4}
