"""The removal queue: every transition, the safety invariant, and the worksheet."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from conftest import BIRTH, ZONE, assert_one_error_line
from photofs.domain.sorting import QueueState
from photofs.errors import PhotofsError
from photofs.jobs import removal_queue as rq
from photofs.jobs.add_folder import add_folder
from photofs.jobs.archive import archive
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.vfs import PhotoVFS
from vfs_helpers import W2, everywhere, files


@pytest.fixture
def setup(nas_lib, tmp_path):
    lib, _ = nas_lib
    make_thumbs(lib, progress=False)
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    yield lib, vfs, tmp_path
    vfs.close()


def archived_then_deleted(lib, vfs):
    """Archive everything, delete one photo in the mount; returns its item."""
    archive(lib, progress=False)
    vfs.unlink(f"{W2}/{files(vfs, W2)[0]}")
    return rq.queue_entries(lib)[0][0]


def states(lib):
    return {item.original_name: state for item, state in rq.queue_entries(lib)}


def test_every_transition(setup):
    lib, vfs, tmp = setup
    names = files(vfs, W2)[:3]
    for n in names:
        vfs.unlink(f"{W2}/{n}")
    assert set(states(lib).values()) == {"queued"}
    page = rq.worksheet(lib, tmp / "w.html")
    assert page["offered"] == 0 and page["waiting for a verified NAS copy"] == 3  # nothing without a copy
    with pytest.raises(PhotofsError, match="no verified NAS copy"):
        rq.confirm(lib, ids=[i.id for i, _ in rq.queue_entries(lib)])
    archive(lib, progress=False)
    assert set(states(lib).values()) == {"archived"}
    assert rq.worksheet(lib, tmp / "w.html")["offered"] == 3
    assert set(states(lib).values()) == {"worksheet"}
    entries = rq.queue_entries(lib)
    first = entries[0][0]
    day = lib.calendar.tz and __import__("datetime").datetime.fromtimestamp(first.taken_at, lib.calendar.tz).date().isoformat()
    result = rq.confirm(lib, day=day)
    assert result["confirmed removed"] >= 1 and states(lib)[first.original_name] == "removed"
    vfs.refresh()
    assert everywhere(vfs, first.phash) == []  # gone from the cloud: shown nowhere
    rest = [i.id for i, s in rq.queue_entries(lib) if s == "worksheet"]
    assert rq.cancel(lib, rest)["cancelled"] == len(rest)
    vfs.refresh()
    for item, _ in rq.queue_entries(lib, ["cancelled"]):
        assert everywhere(vfs, item.phash)  # back in the views


def test_an_archived_photo_deleted_later_is_offered_at_once(setup):
    lib, vfs, tmp = setup
    archived_then_deleted(lib, vfs)
    assert set(states(lib).values()) == {"archived"}


def test_a_vanished_nas_copy_is_not_offered(setup):
    lib, vfs, tmp = setup
    item = archived_then_deleted(lib, vfs)
    Path(item.nas_path).unlink()
    assert rq.worksheet(lib, tmp / "w.html")["offered"] == 0
    with pytest.raises(PhotofsError, match="no verified NAS copy"):
        rq.confirm(lib, ids=[item.id])


def test_folder_originals_move_to_the_nas_trash_never_deleted(setup):
    lib, vfs, tmp = setup
    item = archived_then_deleted(lib, vfs)
    data = Path(item.source_id).read_bytes()
    rq.confirm(lib, ids=[item.id])
    assert not Path(item.source_id).exists()
    moved = list((Path(lib.settings.nas_path) / ".photofs-trash").rglob(Path(item.source_id).name))
    assert len(moved) == 1 and moved[0].read_bytes() == data


def test_queue_cli(setup, capsys):
    lib, vfs, tmp = setup
    from conftest import CLI
    cli = CLI(capsys, lib.path)
    vfs.unlink(f"{W2}/{files(vfs, W2)[0]}")
    rows = cli.json("queue", "list")
    assert rows[0]["state"] == "queued" and rows[0]["verified_copy"] is False
    cli.json("archive")
    assert cli.json("queue", "list", "--state", "archived")[0]["verified_copy"] is True
    assert cli.json("queue", "worksheet", "--out", tmp / "w.html")["offered"] == 1
    assert cli.json("queue", "confirm", "--ids", str(rows[0]["id"]))["confirmed removed"] == 1
    assert_one_error_line(*cli("queue", "confirm", "--ids", "x,y")[::2], "--ids takes item ids")
    assert_one_error_line(*cli("queue", "confirm", "--ids", "99999")[::2], "not in the removal queue")
    assert_one_error_line(*cli("queue", "confirm", "--day", "yesterday")[::2], "--day must be YYYY-MM-DD")
    assert_one_error_line(*cli("queue", "worksheet", "--out", tmp / "no/such/dir/w.html")[::2], "cannot write")


def test_hostile_names_are_escaped_in_the_worksheet(setup, tmp_path):
    lib, vfs, tmp = setup
    hostile = '<img src=x onerror="document.title=\'pwned\'"><svg onload="document.title=\'pwned\'">.jpg'
    folder = tmp_path / "hostile"
    folder.mkdir()
    import datetime as dt
    from images import jpeg_bytes
    (folder / hostile).write_bytes(jpeg_bytes(seed=4242, when=dt.datetime(2019, 4, 10, 12)))
    add_folder(lib, folder, progress=False)
    make_thumbs(lib, progress=False)
    item = next(i for i in lib.catalog.items() if i.original_name == hostile)
    lib.catalog._db.execute("UPDATE items SET url=? WHERE id=?", ("javascript:alert(1)", item.id))
    vfs.refresh()
    # Its scene is a sample photo's (seed 4242), so it is that photo's twin, named by its own id.
    path = everywhere(vfs, f"{item.phash}~{item.id}.jpg")[0]
    vfs.unlink(path)
    assert set(lib.catalog.load_sort_state()[2]) == {item.id}
    archive(lib, progress=False)
    out = tmp / "w.html"
    rq.worksheet(lib, out)
    page = out.read_text()
    assert "<svg" not in page and "javascript:" not in page and "&lt;img src=x" in page
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: scripts/test.sh installs it (apt-get install chromium)")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp / 'chrome'}", "--virtual-time-budget=2000", "--dump-dom",
                          out.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert "<title>photofs: photos to delete in Google Photos</title>" in dom  # no script changed it
    assert "pwned" not in dom.split("<body")[0]
    assert 'src="x"' not in dom and "<svg" not in dom and "<script" not in dom
    assert dom.count("data:image/jpeg;base64,") >= 1  # the thumbnail is inline


class QueueModel(RuleBasedStateMachine):
    """Random deletes, archives, crashes, worksheets, confirms and cancels: nothing is
    ever offered or confirmed removed without a verified copy on the NAS."""

    def __init__(self):
        super().__init__()
        import tempfile
        from photofs.domain.sorting import SortChange
        from images import jpeg_bytes
        import datetime as dt
        self.SortChange = SortChange
        self.tmp = Path(tempfile.mkdtemp())
        photos = self.tmp / "photos"
        photos.mkdir()
        for n in range(5):
            (photos / f"p{n}.jpg").write_bytes(jpeg_bytes(seed=n, size=(64, 48), when=dt.datetime(2019, 4, 8 + n, 12)))
        self.nas = self.tmp / "nas"
        self.nas.mkdir()
        self.lib = LibraryFolder.create(self.tmp / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(self.nas)))
        add_folder(self.lib, photos, progress=False)
        self.ids = [i.id for i in self.lib.catalog.items()]

    def teardown(self):
        self.lib.close()
        shutil.rmtree(self.tmp)

    @rule(n=st.integers(0, 4))
    def delete(self, n):
        self.lib.catalog.apply_sort_change(self.SortChange(queue_add={self.ids[n]}))

    @rule()
    def archive_all(self):
        archive(self.lib, progress=False)

    @rule(n=st.integers(0, 4))
    def nas_loses_a_file(self, n):
        item = self.lib.catalog.get(self.ids[n])
        if item.nas_path and Path(item.nas_path).exists():
            Path(item.nas_path).unlink()

    @rule()
    def crash_and_reopen(self):
        self.lib.close()
        self.lib = LibraryFolder(self.lib.path)

    def _verified_now(self, item_id) -> bool:
        item = self.lib.catalog.get(item_id)
        return bool(item.nas_path and Path(item.nas_path).exists()
                    and hashlib.sha256(Path(item.nas_path).read_bytes()).hexdigest() == item.nas_sha256)

    @rule()
    def worksheet(self):
        before = dict((i.id, s) for i, s in rq.queue_entries(self.lib))
        rq.worksheet(self.lib, self.tmp / "w.html")
        for item, state in rq.queue_entries(self.lib):
            if state == "worksheet" and before.get(item.id) != "worksheet":
                assert self._verified_now(item.id), "offered without a verified copy"

    @rule(n=st.integers(0, 4))
    def confirm(self, n):
        verified = self._verified_now(self.ids[n])
        try:
            rq.confirm(self.lib, ids=[self.ids[n]])
        except PhotofsError:
            return
        assert verified, "confirmed removed without a verified copy"

    @rule(n=st.integers(0, 4))
    def cancel(self, n):
        rq.cancel(self.lib, [self.ids[n]])

    @invariant()
    def safe_states_have_a_recorded_copy(self):
        for item, state in rq.queue_entries(self.lib):
            if state in ("archived", "worksheet", "removed"):
                assert item.nas_sha256, (item.original_name, state)


TestQueueModel = QueueModel.TestCase
TestQueueModel.settings = settings(max_examples=30, stateful_step_count=15, deadline=None,
                                   suppress_health_check=[HealthCheck.too_slow])


def test_confirm_checks_the_copy_is_still_there_byte_for_byte(setup):
    lib, vfs, tmp = setup
    item = archived_then_deleted(lib, vfs)
    data = bytearray(Path(item.nas_path).read_bytes())
    data[len(data) // 2] ^= 0xFF  # bit rot: same size, different bytes
    Path(item.nas_path).write_bytes(bytes(data))
    with pytest.raises(PhotofsError):
        rq.confirm(lib, ids=[item.id])
    assert states(lib)[item.original_name] == QueueState.ARCHIVED
    assert json.loads(Path(item.nas_path + ".photofs.json").read_text())["sha256"] == item.sha256
    assert hashlib.sha256(Path(item.source_id).read_bytes()).hexdigest() == item.sha256  # original untouched


def test_confirm_what_a_newer_takeout_no_longer_has(tmp_path, capsys):
    import zipfile
    from conftest import CLI
    from photofs.jobs.import_takeout import import_takeout
    from photofs.domain.sorting import SortChange
    from takeout_builder import full_takeout
    nas = tmp_path / "nas"
    nas.mkdir()
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    first = full_takeout().zip(tmp_path / "t1.zip")
    import_takeout(lib, [first], progress=False)
    archive(lib, progress=False)
    by = {i.original_name: i for i in lib.catalog.items()}
    deleted, kept = by["IMG_0002.jpg"], by["IMG_0010.jpg"]
    lib.catalog.apply_sort_change(SortChange(queue_add={deleted.id, kept.id}))
    # The user deleted IMG_0002 in Google Photos; the newer Takeout lacks it (and its sidecar).
    newer = tmp_path / "t2.zip"
    with zipfile.ZipFile(first) as old, zipfile.ZipFile(newer, "w") as new:
        for name in old.namelist():
            if "IMG_0002.jpg" not in name:
                new.writestr(name, old.read(name))
    cli = CLI(capsys, lib.path)
    assert cli.json("queue", "confirm", "--absent-from", newer)["confirmed removed"] == 1
    assert {i.original_name: s for i, s in rq.queue_entries(lib)} == {"IMG_0002.jpg": "removed", "IMG_0010.jpg": "archived"}
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK not really")
    assert_one_error_line(*cli("queue", "confirm", "--absent-from", broken)[::2], "unreadable Takeout")
