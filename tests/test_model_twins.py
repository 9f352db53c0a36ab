"""Hypothesis plays a user deleting, restoring and moving photos that share one
perceptual hash, from fresh and from stale listings, across remounts, while jobs
change the catalog underneath (a copy arrives, an original goes missing, a photo
is thumbnailed again with another hash). The model knows which photo each name
meant when the user saw it: a name the user deleted, or that left with its photo,
must never resolve to another photo while the mount lives."""

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
MAX_PHOTOS = 9
photo = st.integers(0, MAX_PHOTOS - 1)


class TwinModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.lib = LibraryFolder.create(self.tmp / "lib", Settings(birth_date="1990-05-17", time_zone="UTC"))
        self.hashes: list[str] = []        # photo -> its hash now
        self.ids: list[int] = []           # photo -> catalog id (ascending with the photo's number)
        self.visible: set[int] = set()     # thumbnailed and present
        self.week_of: dict[int, str] = {}
        self.queued: set[int] = set()
        self.book: dict[str, int | None] = {}  # for this mount: hash -> the photo keeping its plain name
        self.gone: dict[str, int] = {}     # a path that left (deleted, or its photo went) -> the photo it named
        for h in HASHES:
            self._put(len(self.hashes), h)
        self.fs = PhotoVFS(self.tmp / "lib", refresh_seconds=0)

    def teardown(self):
        self.fs.close()
        self.lib.close()
        shutil.rmtree(self.tmp)

    # -- the reference -------------------------------------------------------------
    def _by_rule(self, h: str) -> int | None:
        """The oldest visible photo with this hash holds `<h>.jpg`."""
        return min((k for k in self.visible if self.hashes[k] == h), default=None)

    def holder(self, h: str) -> int | None:
        return self.book[h] if h in self.book else self._by_rule(h)

    def name(self, n: int) -> str:
        h = self.hashes[n]
        return f"{h}.jpg" if self.holder(h) == n else f"{h}~{self.ids[n]}.jpg"

    def where(self, n: int) -> str:
        return f"/to-delete/{self.name(n)}" if n in self.queued else f"/by-week/{self.week_of[n]}/{self.name(n)}"

    def photo_at(self, path: str) -> int:
        """Which photo a path shows (sizes are unique per photo)."""
        return self.fs.stat(path).size - 1000

    def _put(self, n: int, h: str, state=ItemState.THUMBNAILED) -> None:
        """The catalog row of photo n, as a job in another process leaves it."""
        taken = utc(2019, 4, 8 + 7 * (n % 2), 12, n)
        item_id = self.lib.catalog.upsert(Item(
            source="folder", source_id=f"/p/{n}.jpg", original_name=f"{n}.jpg", taken_at=taken,
            week=self.lib.calendar.week_of_timestamp(taken), time_source=TimeSource.EXIF,
            state=state, phash=h, thumb_size=1000 + n, sha256=f"{n:064x}"))
        if n == len(self.hashes):
            self.hashes.append(h)
            self.ids.append(item_id)
            self.week_of[n] = WEEKS[n % 2]
        self.hashes[n] = h
        if state == ItemState.THUMBNAILED:
            self.visible.add(n)
        else:
            self.visible.discard(n)

    def _job_changes(self, n: int, h: str, state=ItemState.THUMBNAILED) -> None:
        """A job changes photo n under the running mount. Where the rule alone would now
        give a plain name to another photo (or to nobody), its holder keeps it."""
        hashes = set(self.hashes) | {h}
        before = {x: self.holder(x) for x in hashes}
        shown = {n: self.where(n)} if n in self.visible else {}
        self._put(n, h, state)
        self.fs.listdir("/")  # the mount looks at the catalog
        for x in hashes:
            if x not in self.book and before[x] is not None and before[x] != self._by_rule(x):
                self.book[x] = before[x]
        for k, path in shown.items():
            if n not in self.visible or self.where(k) != path:
                self.gone[path] = k  # that name left with its photo

    # -- what the user does --------------------------------------------------------
    @rule(n=photo)
    def delete(self, n):
        if n not in self.visible or n in self.queued:
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
        """A stale window deletes a name that left: it names nobody, or the same photo back."""
        paths = sorted(p for p in self.gone if not p.startswith("/to-delete/"))
        if not paths:
            return
        path = data.draw(st.sampled_from(paths))
        try:
            n = self.photo_at(path)
        except VFSError as e:
            assert e.errno == errno.ENOENT
            return
        assert n == self.gone[path], f"{path} named photo {self.gone[path]}, now {n}"
        self.fs.unlink(path)
        self.queued.add(n)

    @rule(n=photo, week=st.sampled_from(WEEKS))
    def move_to_week(self, n, week):
        if n not in self.visible:
            return
        if week not in {self.week_of[k] for k in self.visible if k not in self.queued}:
            return  # a folder that is not there cannot be dropped on
        self.fs.rename(self.where(n), f"/by-week/{week}/{self.name(n)}")
        self.queued.discard(n)
        self.week_of[n] = week

    @rule()
    def remount(self):
        """A new mount: names follow the rule again; only what left with its photo may pass on."""
        self.fs.close()
        self.fs = PhotoVFS(self.tmp / "lib", refresh_seconds=0)
        self.book.clear()
        # A name that left may pass on now, unless its photo still bears it.
        self.gone = {p: n for p, n in self.gone.items() if n in self.visible and p.endswith("/" + self.name(n))}

    # -- what jobs do meanwhile ----------------------------------------------------
    @rule(h=st.sampled_from(sorted(set(HASHES))))
    def another_copy_arrives(self, h):
        if len(self.hashes) < MAX_PHOTOS:
            self._job_changes(len(self.hashes), h)

    @rule(n=photo)
    def original_goes_missing(self, n):
        if n in self.visible:
            self._job_changes(n, self.hashes[n], ItemState.MISSING)

    @rule(n=photo)
    def found_again(self, n):
        if n < len(self.hashes) and n not in self.visible:
            self._job_changes(n, self.hashes[n])

    @rule(n=photo, h=st.sampled_from(sorted(set(HASHES))))
    def thumbnailed_again_with_another_hash(self, n, h):
        if n in self.visible:
            self._job_changes(n, h)

    # -- what must hold ------------------------------------------------------------
    @invariant()
    def listings_match_the_model(self):
        live = [n for n in self.visible if n not in self.queued]
        for week in WEEKS:
            expected = {self.name(n) for n in live if self.week_of[n] == week}
            try:
                listed = {n for n, s in self.fs.listdir(f"/by-week/{week}") if not s.is_dir}
            except VFSError:
                listed = set()
            assert listed == expected
        shown_queued = {self.name(n) for n in self.queued if n in self.visible}
        assert {n for n, _ in self.fs.listdir("/to-delete")} == shown_queued

    @invariant()
    def a_name_that_left_never_resolves_to_another_photo(self):
        for path, n in self.gone.items():
            try:
                assert self.photo_at(path) == n, f"{path} named photo {n}"
            except VFSError as e:
                assert e.errno == errno.ENOENT


TestTwinModel = TwinModel.TestCase
TestTwinModel.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
