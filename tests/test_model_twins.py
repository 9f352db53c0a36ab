"""Hypothesis plays a user deleting, restoring and moving photos that share one
perceptual hash, from fresh and from stale listings, across remounts. The model
knows which photo each name meant when the user saw it: a name the user deleted
must never resolve to another photo."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from conftest import utc
from photofs.domain.items import Item, ItemState, TimeSource
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.vfs import PhotoVFS, VFSError

# Three photos with one hash, two with another, one alone; spread over two weeks.
HASHES = ["aaaaaaaaaaaaaaaa"] * 3 + ["bbbbbbbbbbbbbbbb"] * 2 + ["cccccccccccccccc"]
WEEKS = ["1508_2019-04-08", "1509_2019-04-15"]


class TwinModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.lib = LibraryFolder.create(self.tmp / "lib", Settings(birth_date="1990-05-17", time_zone="UTC"))
        self.hashes: list[str] = []
        self.ids: list[int] = []
        self.week_of: dict[int, str] = {}
        for h in HASHES:
            self._add(h)
        self.fs = PhotoVFS(self.tmp / "lib", refresh_seconds=0)
        self.queued: set[int] = set()
        self.gone: dict[str, int] = {}  # a path the user deleted -> the photo it named then

    def _add(self, h: str) -> None:
        """A new photo in the catalog, as a job in another process leaves it."""
        n = len(self.hashes)
        taken = utc(2019, 4, 8 + 7 * (n % 2), 12, n)
        item_id = self.lib.catalog.upsert(Item(
            source="folder", source_id=f"/p/{n}.jpg", original_name=f"{n}.jpg", taken_at=taken,
            week=self.lib.calendar.week_of_timestamp(taken), time_source=TimeSource.EXIF,
            state=ItemState.THUMBNAILED, phash=h, thumb_size=1000 + n, sha256=f"{n:064x}"))
        self.hashes.append(h)
        self.ids.append(item_id)
        self.week_of[n] = WEEKS[n % 2]

    def teardown(self):
        self.fs.close()
        self.lib.close()
        shutil.rmtree(self.tmp)

    # -- the reference: a name is the photo's own, in every folder ------------------
    def name(self, n: int) -> str:
        h = self.hashes[n]
        first = min(k for k in range(len(self.hashes)) if self.hashes[k] == h)  # the oldest catalog item of that hash
        return f"{h}.jpg" if n == first else f"{h}~{self.ids[n]}.jpg"

    def where(self, n: int) -> str:
        return f"/to-delete/{self.name(n)}" if n in self.queued else f"/by-week/{self.week_of[n]}/{self.name(n)}"

    def photo_at(self, path: str) -> int:
        """Which photo a path shows (sizes are unique per photo)."""
        return self.fs.stat(path).size - 1000

    # -- what the user does --------------------------------------------------------
    @rule(n=st.integers(0, 8))
    def delete(self, n):
        if n >= len(self.hashes) or n in self.queued:
            return
        path = self.where(n)
        self.fs.unlink(path)
        self.queued.add(n)
        self.gone[path] = n

    @rule(data=st.data())
    def delete_two_from_one_listing(self, data):
        """`rm X~a.jpg X~b.jpg`, or a multi-select delete: both names from one listing."""
        week = data.draw(st.sampled_from(WEEKS))
        try:
            listed = sorted(n for n, s in self.fs.listdir(f"/by-week/{week}") if not s.is_dir)
        except VFSError:
            return  # the week emptied and went
        if len(listed) < 2:
            return
        picked = data.draw(st.lists(st.sampled_from(listed), min_size=2, max_size=2, unique=True))
        meant = {p: self.photo_at(f"/by-week/{week}/{p}") for p in picked}  # what the user saw
        for p in picked:
            self.fs.unlink(f"/by-week/{week}/{p}")  # the second name still names its photo
            self.gone[f"/by-week/{week}/{p}"] = meant[p]
        self.queued |= set(meant.values())  # exactly those two: the invariant reads /to-delete/

    @rule(data=st.data())
    def stale_delete(self, data):
        """A stale window deletes a name again: it is gone, or still names the same photo."""
        if not self.gone:
            return
        path = data.draw(st.sampled_from(sorted(self.gone)))
        if path.startswith("/to-delete/"):
            return
        try:
            n = self.photo_at(path)
        except VFSError as e:
            assert e.errno == errno.ENOENT
            return
        assert n == self.gone[path], f"{path} named photo {self.gone[path]}, now {n}"
        self.fs.unlink(path)
        self.queued.add(n)

    @rule(n=st.integers(0, 8), week=st.sampled_from(WEEKS))
    def move_to_week(self, n, week):
        if n >= len(self.hashes):
            return
        shown = {self.week_of[k] for k in range(len(self.hashes)) if k not in self.queued}
        if week not in shown:
            return  # a folder that is not there cannot be dropped on
        self.fs.rename(self.where(n), f"/by-week/{week}/{self.name(n)}")
        self.queued.discard(n)
        self.week_of[n] = week

    @rule(h=st.sampled_from(sorted(set(HASHES))))
    def another_copy_arrives(self, h):
        """A job indexes one more photo with a hash already shown: nobody is renamed."""
        if len(self.hashes) < 9:
            self._add(h)

    @rule()
    def remount(self):
        self.fs.close()
        self.fs = PhotoVFS(self.tmp / "lib", refresh_seconds=0)

    # -- what must hold ------------------------------------------------------------
    @invariant()
    def listings_match_the_model(self):
        live = [n for n in range(len(self.hashes)) if n not in self.queued]
        for week in WEEKS:
            expected = {self.name(n) for n in live if self.week_of[n] == week}
            try:
                listed = {n for n, s in self.fs.listdir(f"/by-week/{week}") if not s.is_dir}
            except VFSError:
                listed = set()
            assert listed == expected
        assert {n for n, _ in self.fs.listdir("/to-delete")} == {self.name(n) for n in self.queued}

    @invariant()
    def a_deleted_name_never_resolves_to_another_photo(self):
        for path, n in self.gone.items():
            try:
                assert self.photo_at(path) == n, f"{path} named photo {n}"
            except VFSError as e:
                assert e.errno == errno.ENOENT


TestTwinModel = TwinModel.TestCase
TestTwinModel.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
