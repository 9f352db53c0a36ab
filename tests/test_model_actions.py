"""Hypothesis plays a user dragging, deleting and making folders in the mount, and
checks /by-week/, /sorted/ and /to-delete/ against a simple reference model."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conftest import utc
from photofs.domain.items import Item, ItemState, TimeSource
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.vfs import PhotoVFS, VFSError

N_ITEMS = 6
DAYS = [utc(2019, 4, 8, 12), utc(2019, 4, 16, 12), utc(2019, 4, 24, 12)]  # weeks 1508, 1509, 1510
SORTED_NAMES = ["A", "B", "A/x"]


class UserModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        lib = LibraryFolder.create(self.tmp / "lib", Settings(birth_date="1990-05-17", time_zone="UTC"))
        self.weeks = {}
        for n in range(N_ITEMS):
            taken = DAYS[n % len(DAYS)]
            item = Item(source="folder", source_id=f"/p/{n}.jpg", original_name=f"{n}.jpg", taken_at=taken,
                        week=lib.calendar.week_of_timestamp(taken), time_source=TimeSource.EXIF,
                        state=ItemState.THUMBNAILED, phash=f"{n + 1:016x}", thumb_size=100, sha256=f"{n:064x}")
            lib.catalog.upsert(item)
            self.weeks[n] = lib.calendar.folder_name(item.week)
        lib.close()
        self.fs = PhotoVFS(self.tmp / "lib", refresh_seconds=0)
        # The model: where the user has put each photo.
        self.week_of = dict(self.weeks)            # photo -> week folder it shows in
        self.filed: dict[int, set[str]] = {n: set() for n in range(N_ITEMS)}  # photo -> /sorted/ folders
        self.folders: set[str] = set()             # /sorted/ user folders
        self.queued: set[int] = set()

    def teardown(self):
        self.fs.close()
        shutil.rmtree(self.tmp)

    def name(self, n):
        return f"{n + 1:016x}.jpg"

    def where(self, n) -> str:
        """One path the photo is shown at now."""
        if n in self.queued:
            return f"/to-delete/{self.name(n)}"
        return f"/by-week/{self.week_of[n]}/{self.name(n)}"

    @rule(n=st.integers(0, N_ITEMS - 1))
    def delete(self, n):
        path = self.where(n)
        if n in self.queued:
            try:
                self.fs.unlink(path)
                raise AssertionError("deleting in /to-delete/ must be refused")
            except VFSError as e:
                assert e.errno == errno.EPERM
            return
        self.fs.unlink(path)
        self.queued.add(n)

    @rule(n=st.integers(0, N_ITEMS - 1), week=st.sampled_from(["1508_2019-04-08", "1509_2019-04-15", "1510_2019-04-22"]))
    def move_to_week(self, n, week):
        if week not in self._week_folders_shown():
            return  # a folder that is not there cannot be dropped on
        self.fs.rename(self.where(n), f"/by-week/{week}/{self.name(n)}")
        self.queued.discard(n)
        self.week_of[n] = week

    @rule(n=st.integers(0, N_ITEMS - 1), folder=st.sampled_from(SORTED_NAMES))
    def file_into_sorted(self, n, folder):
        if folder not in self.folders:
            return
        src = self.where(n)
        self.fs.rename(src, f"/sorted/{folder}/{self.name(n)}")
        self.queued.discard(n)
        self.filed[n] = {folder}  # from another view: filed there instead of elsewhere

    @rule(n=st.integers(0, N_ITEMS - 1), a=st.sampled_from(SORTED_NAMES), b=st.sampled_from(SORTED_NAMES))
    def refile_within_sorted(self, n, a, b):
        if n in self.queued or a not in self.filed[n] or b not in self.folders:
            return
        self.fs.rename(f"/sorted/{a}/{self.name(n)}", f"/sorted/{b}/{self.name(n)}")
        self.filed[n] = (self.filed[n] - {a}) | {b}

    @rule(folder=st.sampled_from(SORTED_NAMES))
    def mkdir(self, folder):
        parent = folder.rsplit("/", 1)[0] if "/" in folder else None
        if folder in self.folders or (parent and parent not in self.folders):
            return
        self.fs.mkdir(f"/sorted/{folder}")
        self.folders.add(folder)

    @precondition(lambda self: self.folders)
    @rule(data=st.data())
    def rmdir(self, data):
        folder = data.draw(st.sampled_from(sorted(self.folders)))
        empty = (not any(folder in f for n, f in self.filed.items() if n not in self.queued)
                 and not any(f.startswith(folder + "/") for f in self.folders))
        try:
            self.fs.rmdir(f"/sorted/{folder}")
            assert empty, "a folder with photos or folders in it was removed"
            self.folders.discard(folder)
        except VFSError as e:
            assert not empty and e.errno == errno.ENOTEMPTY

    def _week_folders_shown(self):
        return {w for n, w in self.week_of.items() if n not in self.queued}

    @invariant()
    def mount_matches_model(self):
        def listing(path):
            return {name for name, st in self.fs.listdir(path) if not st.is_dir}
        live = [n for n in range(N_ITEMS) if n not in self.queued]
        assert {n for n, st in self.fs.listdir("/by-week")} == {self.week_of[n] for n in live}
        for week in {self.week_of[n] for n in live}:
            assert listing(f"/by-week/{week}") == {self.name(n) for n in live if self.week_of[n] == week}
        for folder in self.folders:
            assert listing(f"/sorted/{folder}") == {self.name(n) for n in live if folder in self.filed[n]}
        assert listing("/to-delete") == {self.name(n) for n in self.queued}
        # The state on disk is the same: a fresh mount sees what this one sees.
        pins, folders, queued = self.fs.lib.catalog.load_sort_state()
        assert {p for v, p in folders if v == "sorted"} == self.folders
        assert len(queued) == len(self.queued)


TestUserModel = UserModel.TestCase
TestUserModel.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
