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
from images import jpeg_bytes
from photofs.jobs.scan import scan
from photofs.sources.google.client import GoogleClient, load_credentials

UTC = dt.timezone.utc


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
        time.sleep(0.001)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
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
