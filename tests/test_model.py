"""Hypothesis drives sequences of user actions (add, redate, delete photos, run the
jobs) and checks the mount's by-week view against a simple reference model."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from images import jpeg_bytes
from photofs.jobs.add_folder import add_folder
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.vfs import PhotoVFS

DAYS = [dt.datetime(2019, 4, 8, 9) + dt.timedelta(days=d) for d in (0, 3, 7, 8, 20)] + [dt.datetime(1980, 1, 1, 9), None]


class LibraryModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.photos = self.tmp / "photos"
        self.photos.mkdir()
        self.lib = LibraryFolder.create(self.tmp / "lib", Settings(birth_date="1990-05-17", time_zone="UTC"))
        self.vfs = PhotoVFS(self.lib.path, refresh_seconds=0)
        self.on_disk: dict[str, dt.datetime | None] = {}  # what the user has in the folder
        self.synced: dict[str, dt.datetime | None] = {}   # what the jobs have seen
        self.seed = 0

    def teardown(self):
        self.vfs.close()
        self.lib.close()
        shutil.rmtree(self.tmp)

    def _write(self, name: str, when):
        self.seed += 1
        self.photos.joinpath(name).write_bytes(jpeg_bytes(seed=self.seed, size=(96, 72), when=when))
        if when is None:  # no EXIF date: the file time decides; keep it in a known week
            t = dt.datetime(2019, 5, 1, 12, tzinfo=dt.timezone.utc).timestamp()
            import os
            os.utime(self.photos / name, (t, t))
        self.on_disk[name] = when or dt.datetime(2019, 5, 1, 12)

    @rule(n=st.integers(0, 30), day=st.sampled_from(DAYS))
    def add_photo(self, n, day):
        self._write(f"IMG_{n:04d}.jpg", day)

    @rule(data=st.data(), day=st.sampled_from(DAYS))
    def replace_photo(self, data, day):
        if self.on_disk:
            self._write(data.draw(st.sampled_from(sorted(self.on_disk))), day)

    @rule(data=st.data())
    def delete_photo(self, data):
        if self.on_disk:
            name = data.draw(st.sampled_from(sorted(self.on_disk)))
            self.photos.joinpath(name).unlink()
            del self.on_disk[name]

    @rule()
    def run_jobs(self):
        add_folder(self.lib, self.photos, progress=False)
        make_thumbs(self.lib, progress=False)
        self.synced = dict(self.on_disk)

    @invariant()
    def view_matches_model(self):
        expected: dict[str, int] = {}
        for when in self.synced.values():
            week = self.lib.calendar.week_of_date(when.date())
            folder = self.lib.calendar.folder_name(week) if week >= 0 else f"before-birth/{when.year}"
            expected[folder] = expected.get(folder, 0) + 1
        seen: dict[str, int] = {}

        def walk(path, rel):
            for name, st_ in self.vfs.listdir(path):
                if st_.is_dir:
                    walk(f"{path}/{name}", f"{rel}/{name}".lstrip("/"))
                else:
                    seen[rel] = seen.get(rel, 0) + 1
        walk("/by-week", "")
        assert seen == expected


TestLibraryModel = LibraryModel.TestCase
TestLibraryModel.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
