"""The Library API scan, through the real Google client libraries, against the
project's emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time

import googleapiclient.http
import pytest

from conftest import CLI, assert_one_error_line
from google_emulator import Emulator, Media
from images import clip_bytes, jpeg_bytes
from photofs.jobs.scan import scan
from photofs.sources.google.client import GoogleClient, load_credentials

UTC = dt.timezone.utc
REAL_SLEEP = time.sleep  # the autouse fixture below records the client's sleeps instead of sleeping


@pytest.fixture
def emu():
    e = Emulator()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def no_real_sleeping(monkeypatch):
    """The client's backoff sleeps (with jitter) are recorded, not slept."""
    slept = []
    monkeypatch.setattr(googleapiclient.http.time, "sleep", slept.append)
    return slept


def fill(emu, n_weeks=10, per_week=3, start=dt.datetime(2019, 4, 8, 12, tzinfo=UTC)):
    for w in range(n_weeks):
        for k in range(per_week):
            i = w * per_week + k
            emu.add(Media(f"m{i:04d}", f"PXL_{i:04d}.jpg", start + dt.timedelta(weeks=w, hours=k), jpeg_bytes(seed=i, size=(64, 48))))


def client(lib, emu, tmp_path, **kw):
    return GoogleClient(load_credentials(tmp_path / "token.json", emu.url), lib.catalog, emu.url, **kw)


@pytest.fixture
def token(emu, tmp_path):
    return emu.token_file(tmp_path / "token.json")


def test_scan_week_by_week(library, emu, tmp_path, token):
    fill(emu)
    emu.add(Media("undated", "no-date.jpg", None, jpeg_bytes()))
    emu.add(Media("arch", "archived.jpg", dt.datetime(2019, 4, 9, 12, tzinfo=UTC), jpeg_bytes(), archived=True))
    summary = scan(library, client(library, emu, tmp_path))
    items = {i.source_id: i for i in library.catalog.items()}
    assert len(items) == 31 and "undated" not in items  # items without a date never match a date filter
    assert items["arch"].week == 1508 and items["m0000"].week == 1508 and items["m0029"].week == 1517
    assert items["m0000"].url == "https://photos.google.com/lr/photo/m0000" and items["m0000"].make == "Google"
    assert summary.counts["new"] == 31
    searches = [r for r in emu.requests if r.endswith(":search")]
    weeks = library.calendar.current_week() - 1508 + 1
    assert len(searches) <= 1 + -(-weeks // 4) + 2  # the oldest-item probe, then one call per 4 weeks
    again = scan(library, client(library, emu, tmp_path), from_week=1508)
    assert again.counts["new"] == 0 and again.counts["already indexed"] == 31


def test_paging(library, emu, tmp_path, token):
    fill(emu, n_weeks=1, per_week=250)
    scan(library, client(library, emu, tmp_path))
    assert len(library.catalog.items()) == 250


def test_quota_stops_cleanly_and_resumes_next_day(library, emu, tmp_path, token, monkeypatch):
    fill(emu)
    first = scan(library, client(library, emu, tmp_path, daily_calls=3))
    assert first.counts["stopped for today"] == 1 and "quota" in first.problems[0]
    partial = len(library.catalog.items())
    assert 0 < partial < 30
    monkeypatch.setattr(GoogleClient, "today", lambda self: "2099-01-01")  # a new day
    scan(library, client(library, emu, tmp_path, daily_calls=3 + 10_000))
    assert len(library.catalog.items()) == 30


def test_a_killed_scan_resumes_at_its_week(library, emu, tmp_path, token):
    fill(emu, n_weeks=40, per_week=2)
    cmd = [sys.executable, "-m", "photofs", "-L", str(library.path), "scan", "--api-endpoint", emu.url,
           "--token-file", token]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(emu.requests) < 4 and proc.poll() is None and time.monotonic() < deadline:
        REAL_SLEEP(0.001)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    REAL_SLEEP(0.5)  # a request the killed scan had in flight may still reach the emulator's log
    resumed_at = library.catalog.job_get("scan.next_week")
    before = len(emu.requests)
    scan(library, client(library, emu, tmp_path))
    assert len(library.catalog.items()) == 80
    assert len({i.source_id for i in library.catalog.items()}) == 80
    rerun = [r for r in emu.requests[before:] if r.endswith(":search")]
    last = library.calendar.current_week()
    if resumed_at is None:  # killed before its first batch was done: a full scan, probe included
        assert len(rerun) == 1 + -(-(last - 1508 + 1) // 4)
    else:  # resumed at the week it was in: no probe, no week scanned twice
        assert int(resumed_at) > 1508 and len(rerun) == -(-(last - int(resumed_at) + 1) // 4)


def test_a_429_storm_is_ridden_out_with_backoff(library, emu, tmp_path, token, no_real_sleeping):
    fill(emu, n_weeks=1)
    emu.faults = [429, 429, 429, 500]
    scan(library, client(library, emu, tmp_path))
    assert len(library.catalog.items()) == 3
    assert len(no_real_sleeping) == 4 and all(s > 0 for s in no_real_sleeping)  # it waited, with jitter


@pytest.mark.parametrize("faults, message", [
    ([429] * 10, "slow down (429)"),
    ([500] * 10, "server failed (500)"),
    (["malformed"], "not valid JSON"),
])
def test_faults_that_do_not_pass_are_one_clear_line(library, emu, tmp_path, token, capsys, faults, message):
    fill(emu, n_weeks=1)
    emu.faults = list(faults)
    code, out, err = CLI(capsys, library.path)("scan", "--api-endpoint", emu.url, "--token-file", token)
    assert_one_error_line(code, err, message)


def test_a_token_that_cannot_refresh(library, emu, tmp_path, capsys):
    fill(emu, n_weeks=1)
    path = tmp_path / "token.json"
    emu.token_file(path, refresh_token="revoked")
    import json
    data = json.loads(path.read_text())
    data["expiry"] = "2000-01-01T00:00:00Z"  # expired: the client must refresh first
    path.write_text(json.dumps(data))
    code, out, err = CLI(capsys, library.path)("scan", "--api-endpoint", emu.url, "--token-file", path)
    assert_one_error_line(code, err, "run `photofs login`")


def test_an_expired_access_token_is_refreshed(library, emu, tmp_path):
    fill(emu, n_weeks=1)
    path = tmp_path / "token.json"
    emu.token_file(path)
    import json
    data = json.loads(path.read_text())
    data["expiry"] = "2000-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    scan(library, GoogleClient(load_credentials(path, emu.url), library.catalog, emu.url))
    assert len(library.catalog.items()) == 3


def test_no_login(library, capsys, tmp_path):
    code, out, err = CLI(capsys, library.path)("scan", "--api-endpoint", "http://127.0.0.1:9")
    assert_one_error_line(code, err, "run `photofs login` first")
    (tmp_path / "bad.json").write_text("{}")
    assert_one_error_line(*CLI(capsys, library.path)("scan", "--token-file", tmp_path / "bad.json")[::2],
                          "not an authorized-user token")


def test_login_through_the_installed_app_flow(library, emu, tmp_path, capsys, monkeypatch):
    import stat
    import urllib.request
    import webbrowser
    opened = []

    def browser(url, *a, **k):  # the user clicks "Allow": follow the consent redirect to photofs
        opened.append(url)
        import threading
        threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(), daemon=True).start()
        return True
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain http on loopback
    monkeypatch.setattr(webbrowser, "open", browser)
    monkeypatch.setattr(webbrowser, "get", lambda *a, **k: type("B", (), {"open": staticmethod(browser)})())
    secrets = emu.client_secrets(tmp_path / "client.json")
    code, out, err = CLI(capsys, library.path)("login", "--client-secrets", secrets)
    assert code == 0, err
    token = library.path / "credentials" / "token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert "access-" not in out and "good-refresh" not in out + err  # never printed
    assert "photospicker.mediaitems.readonly" in opened[0] and "photoslibrary.readonly.appcreateddata" in opened[0]
    fill(emu, n_weeks=1)
    scan(library, GoogleClient(load_credentials(token, emu.url), library.catalog, emu.url))
    assert len(library.catalog.items()) == 3


def test_login_errors(library, capsys, tmp_path):
    assert_one_error_line(*CLI(capsys, library.path)("login", "--client-secrets", tmp_path / "nope.json")[::2],
                          "no such file")
    (tmp_path / "bad.json").write_text('{"web": 1}')
    assert_one_error_line(*CLI(capsys, library.path)("login", "--client-secrets", tmp_path / "bad.json")[::2],
                          "not an OAuth client secrets file")


def user_picks(emu, ids, after=0.2):
    """The user, in Google Photos, picks `ids` a moment after the session starts."""
    import threading

    def later():
        deadline = time.monotonic() + 10
        while not emu.sessions and time.monotonic() < deadline:
            REAL_SLEEP(0.01)
        REAL_SLEEP(after)
        for s in emu.sessions.values():
            s.picked, s.done = list(ids), True
    threading.Thread(target=later, daemon=True).start()


def test_pick_indexes_and_thumbnails_then_deletes_the_session(library, emu, tmp_path, token, capsys, monkeypatch):
    from photofs.vfs import PhotoVFS
    fill(emu, n_weeks=2, per_week=2)
    emu.add(Media("v1", "clip.mp4", dt.datetime(2019, 4, 9, tzinfo=UTC), clip_bytes(seconds=1), mime="video/mp4"))
    user_picks(emu, ["m0000", "m0003", "v1"])
    import webbrowser
    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop: the picker opens by itself
    code, out, err = CLI(capsys, library.path)("pick", "--api-endpoint", emu.url, "--token-file", token)
    assert opened and opened[0].startswith("https://photos.google.com/picker/")
    assert code == 0, err
    assert "https://photos.google.com/picker/" in out and "3 new" in out
    items = {i.source_id: i for i in library.catalog.items()}
    assert set(items) == {"m0000", "m0003", "v1"} and items["m0000"].state == "thumbnailed"
    assert items["v1"].state == "thumbnailed" and items["v1"].kind == "video"  # from its `=w-h` frame
    assert items["m0000"].original_name == "PXL_0000.jpg" and items["m0000"].week == 1508
    assert emu.sessions == {}  # cleaned up
    vfs = PhotoVFS(library.path, refresh_seconds=0)
    week = [n for n, _ in vfs.listdir("/by-week/1508_2019-04-08")]
    assert f"{items['m0000'].phash}.jpg" in week


def test_an_interrupted_pick_resumes_its_session(library, emu, tmp_path, token, monkeypatch):
    import photofs.jobs.pick as pick_job
    fill(emu, n_weeks=1)
    calls = []

    def interrupted(seconds):
        calls.append(seconds)
        raise KeyboardInterrupt
    monkeypatch.setattr(pick_job.time, "sleep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pick_job.pick(library, client(library, emu, tmp_path), say=lambda t: None)
    (session_id,) = emu.sessions
    assert library.catalog.job_get("pick.session") == session_id and calls == [0.05]
    monkeypatch.setattr(pick_job.time, "sleep", lambda s: None)
    emu.sessions[session_id].picked, emu.sessions[session_id].done = ["m0001"], True
    said = []
    pick_job.pick(library, client(library, emu, tmp_path), say=said.append)
    assert "resuming" in said[0] and [i.source_id for i in library.catalog.items()] == ["m0001"]
    assert emu.requests.count("POST /v1/sessions") == 1  # the same session, not a new one


def test_a_pick_that_times_out_cleans_up(library, emu, tmp_path, token, monkeypatch):
    import photofs.jobs.pick as pick_job
    monkeypatch.setattr(pick_job.time, "sleep", lambda s: None)
    monkeypatch.setattr(pick_job, "_seconds", lambda d, default: 0.0 if "30" in str(d) else 0.0)
    with pytest.raises(Exception, match="timed out"):
        pick_job.pick(library, client(library, emu, tmp_path), say=lambda t: None)
    assert emu.sessions == {} and not library.catalog.job_get("pick.session")


def test_an_expired_base_url_is_renewed_once(library, emu, tmp_path, token, monkeypatch):
    import photofs.jobs.pick as pick_job
    fill(emu, n_weeks=1)
    emu.sessions.clear()
    real_items = pick_job._picked
    first = {"done": False}

    def stale(client_, session_id):  # the list is an hour old by the time its URLs are used
        for p in real_items(client_, session_id):
            if not first["done"]:
                emu.clock_offset += 2 * 3600
                first["done"] = True
            yield p
    monkeypatch.setattr(pick_job.time, "sleep", lambda s: None)
    user_picks(emu, ["m0002"], after=0)
    REAL_SLEEP(0.3)
    monkeypatch.setattr(pick_job, "_picked", stale)
    pick_job.pick(library, client(library, emu, tmp_path), say=lambda t: None)
    assert library.catalog.items()[0].state == "thumbnailed"
    assert emu.requests.count("GET /v1/mediaItems") == 2  # listed, then listed again for a fresh URL


def test_scanned_items_get_thumbnails_and_reach_the_nas(nas_lib, emu, tmp_path):
    import hashlib

    from photofs.jobs.archive import archive
    from photofs.jobs.thumbs import make_thumbs
    lib, nas = nas_lib
    fill(emu, n_weeks=1)
    clip_data = clip_bytes(seconds=2)
    emu.add(Media("v9", "clip.mp4", dt.datetime(2019, 4, 9, tzinfo=UTC), clip_data, mime="video/mp4"))
    creds_dir = lib.path / "credentials"
    emu.token_file(creds_dir / "token.json")
    lib.settings.google_api_endpoint = emu.url
    lib.settings.save(lib.path)
    reopened = type(lib)(lib.path)
    scan(reopened, reopened.google(), from_week=1508, to_week=1508)
    emu.clock_offset += 2 * 3600  # every URL handed out so far has expired: ids, not URLs, are kept
    before = len(emu.requests)
    summary = make_thumbs(reopened, progress=False)
    calls = emu.requests[before:]
    assert calls.count("GET /v1/mediaItems:batchGet") == 1 and not any(c.startswith("GET /v1/mediaItems/") for c in calls)
    google_items = [i for i in reopened.catalog.items() if i.source == "library"]
    assert summary.counts["made"] >= 4 and all(i.state == "thumbnailed" for i in google_items)
    archive(reopened, progress=False)
    photo = next(i for i in reopened.catalog.items() if i.source_id == "m0000")
    assert hashlib.sha256(open(photo.nas_path, "rb").read()).hexdigest() == hashlib.sha256(emu.media["m0000"].content).hexdigest()
    clip = next(i for i in reopened.catalog.items() if i.source_id == "v9")
    assert open(clip.nas_path, "rb").read() == clip_data  # =dv: the video itself
    assert clip.frame_hashes and len(clip.frame_hashes) == 8 * 5  # a real frame thumbnail, hashes for near-duplicates


def test_google_and_takeout_copies_are_one_item_either_way(library, emu, tmp_path, token):

    from photofs.jobs.import_takeout import import_takeout
    from takeout_builder import Takeout, sidecar
    when = dt.datetime(2019, 4, 8, 12, tzinfo=UTC)
    data = jpeg_bytes(seed=5)
    emu.add(Media("g1", "IMG_0001.jpg", when, data))
    emu.add(Media("g2", "IMG_0002.jpg", when + dt.timedelta(hours=1), data))
    t = Takeout()
    t.add("Photos from 2019/IMG_0001.jpg", data)
    t.add("Photos from 2019/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", str(int(when.timestamp()))))
    t.add("Photos from 2019/IMG_0002.jpg", data)
    t.add("Photos from 2019/IMG_0002.jpg.json", sidecar("IMG_0002.jpg", str(int(when.timestamp()) + 3600)))
    part = t.zip(tmp_path / "t.zip")
    # Takeout first, then a scan: the scan links to the Takeout items.
    import_takeout(library, [part], progress=False)
    result = scan(library, client(library, emu, tmp_path), from_week=1508, to_week=1508)
    assert result.counts["matched a Takeout item"] == 2 and len(library.catalog.items()) == 2
    first = next(i for i in library.catalog.items() if i.original_name == "IMG_0001.jpg")
    assert ("google", "library", "g1", None) in library.catalog.files_of(first.id)
    # The other way round, in a fresh library: a scan first, then the Takeout.
    from photofs.library_folder import LibraryFolder
    from photofs.settings import Settings
    other = LibraryFolder.create(tmp_path / "other", Settings(birth_date="1990-05-17", time_zone=library.settings.time_zone))
    scan(other, GoogleClient(load_credentials(tmp_path / "token.json", emu.url), other.catalog, emu.url), 1508, 1508)
    summary = import_takeout(other, [part], progress=False)
    assert summary.counts["matched a Google item"] == 2 and len(other.catalog.items()) == 2


def test_the_daily_download_quota_stops_thumbs_cleanly(nas_lib, emu, tmp_path, monkeypatch):
    from photofs.jobs.thumbs import make_thumbs
    lib, _ = nas_lib
    fill(emu, n_weeks=1)
    emu.token_file(lib.path / "credentials" / "token.json")
    lib.settings.google_api_endpoint = emu.url
    lib.settings.save(lib.path)
    reopened = type(lib)(lib.path)
    scan(reopened, reopened.google(), from_week=1508, to_week=1508)
    reopened.google().daily_bytes = 2
    summary = make_thumbs(reopened, (1508, 1508), progress=False)
    assert summary.counts["waiting for tomorrow's Google quota"] == 1 and "media quota" in summary.problems[-1]
    google = [i for i in reopened.catalog.items() if i.source == "library"]
    assert sum(i.state == "thumbnailed" for i in google) == 2  # two downloads, then Google's items wait
    folder = [i for i in reopened.catalog.items() if i.source == "folder" and i.week == 1508]
    assert folder and all(i.state == "thumbnailed" for i in folder)  # the rest went on
    monkeypatch.setattr(GoogleClient, "today", lambda self: "2099-01-01")
    make_thumbs(reopened, (1508, 1508), progress=False)  # the next day it finishes
    assert all(i.state == "thumbnailed" for i in reopened.catalog.items() if i.source == "library")


@pytest.mark.parametrize("user_queued_it", [False, True])
def test_a_renamed_google_copy_is_joined_to_its_takeout_photo_by_its_pixels(nas_lib, emu, tmp_path, user_queued_it):
    from photofs.jobs.import_takeout import import_takeout
    from photofs.jobs.thumbs import make_thumbs
    from takeout_builder import Takeout, sidecar
    lib, _ = nas_lib
    when = dt.datetime(2019, 4, 8, 12, tzinfo=UTC)
    data = jpeg_bytes(seed=31, size=(640, 480))
    other = jpeg_bytes(seed=32, size=(640, 480))
    emu.add(Media("g1", "PXL_renamed.jpg", when + dt.timedelta(hours=2), data))  # renamed, clock off by 2 h
    emu.add(Media("g2", "different.jpg", when, other))
    t = Takeout()
    t.add("Photos from 2019/IMG_0001.jpg", data)
    t.add("Photos from 2019/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", str(int(when.timestamp()))))
    import_takeout(lib, [t.zip(tmp_path / "t.zip")], progress=False)
    emu.token_file(lib.path / "credentials" / "token.json")
    lib.settings.google_api_endpoint = emu.url
    lib.settings.save(lib.path)
    reopened = type(lib)(lib.path)
    scan(reopened, reopened.google(), 1508, 1508)
    if user_queued_it:  # a decision of the user's about the Google item: it is never merged away
        from photofs.domain.sorting import SortChange
        reopened.catalog.apply_sort_change(SortChange(queue_add={reopened.catalog.get_by_source("library", "g1").id}))
        make_thumbs(reopened, progress=False)
        assert reopened.catalog.get_by_source("library", "g1") is not None
        return
    summary = make_thumbs(reopened, progress=False)
    assert summary.counts["Google items found to be Takeout photos"] == 1
    kept = reopened.catalog.get_by_source("takeout", next(i.source_id for i in reopened.catalog.items() if i.source == "takeout"))
    assert ("google", "library", "g1") in [f[:3] for f in reopened.catalog.files_of(kept.id)]
    assert reopened.catalog.get_by_source("library", "g1") is None
    assert reopened.catalog.get_by_source("library", "g2") is not None  # another photo stays itself
