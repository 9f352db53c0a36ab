"""The weekly ritual: the life grid, `photofs week`, and running unattended."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from PIL import Image

from backends import run_photofs
from conftest import CLI, assert_one_error_line
from photofs.domain.progress import WeekState, streak, week_state
from photofs.jobs.lifegrid import life_grid, terminal
from photofs.jobs.week import library_lock


def test_week_states():
    f = dict(items=4, thumbnailed=4, archived=0, pending=0, removed=0)
    assert week_state(None, False) == WeekState.NO_PHOTOS
    assert week_state({**f, "thumbnailed": 2}, False) == WeekState.FOUND
    assert week_state(f, False) == WeekState.THUMBNAILED
    assert week_state(f, True) == WeekState.REVIEWED
    assert week_state({**f, "archived": 4}, False) == WeekState.ARCHIVED
    assert week_state({**f, "archived": 4, "removed": 1}, False) == WeekState.REMOVED
    assert week_state({**f, "archived": 4, "removed": 1, "pending": 1}, False) == WeekState.ARCHIVED


def test_streak():
    today = dt.date(2026, 11, 25)
    days = {"2026-11-25", "2026-11-24", "2026-11-23", "2026-11-20"}
    assert streak(days, today) == 3
    assert streak(days - {"2026-11-25"}, today) == 2  # today is not over yet
    assert streak(set(), today) == 0


def test_week_end_to_end_and_idempotent(nas_lib, capsys):
    lib, nas = nas_lib
    cli = CLI(capsys, lib.path)
    code, out, err = cli("week", "1508")
    assert code == 0, err
    assert "near-duplicates to look at in /by-similar/" in out and "this week is now: archived" in out
    first = cli.json("week", "1508")[0]["summary"]
    assert first["thumbs"] == {"already done": 7} and first["archived"] == {"already archived": 7}
    assert lib.catalog.reviewed_weeks() == {1508}
    status = cli.json("status")
    assert status["weeks"]["done"] == 1 and status["photos_on_nas"] == 7 and status["streak_days"] == 1


def test_week_without_n_takes_the_next_unfinished(nas_lib, capsys):
    lib, _ = nas_lib
    cli = CLI(capsys, lib.path)
    weeks = [r["week"] for r in cli.json("week")]
    assert weeks == [-774]  # the old scan from 1975 comes first
    assert [r["week"] for r in cli.json("week", "--all-pending")] == [1508, 1509, 1510, 1511]
    assert {i.original_name for i in lib.catalog.items() if not i.nas_sha256} == set()
    code, out, _ = cli("week", "--all-pending", "--quiet")
    assert code == 0 and out == ""
    assert "week 1509" in (lib.path / "photofs.log").read_text()


def test_worksheet_link_for_the_week(nas_lib, capsys):
    from photofs.vfs import PhotoVFS
    lib, _ = nas_lib
    from photofs.jobs.thumbs import make_thumbs
    make_thumbs(lib, progress=False)
    vfs = PhotoVFS(lib.path, refresh_seconds=0)
    name = next(n for n, st in vfs.listdir("/by-week/1508_2019-04-08") if not st.is_dir)
    vfs.unlink(f"/by-week/1508_2019-04-08/{name}")
    code, out, _ = CLI(capsys, lib.path)("week", "1508")
    assert "1 photo to delete in Google Photos: file://" in out
    assert (lib.path / "worksheets" / "week-1508.html").read_text().count("<figure") == 1


def test_a_second_run_is_refused_by_the_lock(nas_lib):
    lib, _ = nas_lib
    with library_lock(lib):
        r = run_photofs("-L", str(lib.path), "week", "--all-pending", "--quiet")
    assert r.returncode == 3 and "another photofs run" in r.stderr and r.stdout == ""


def test_bad_weeks(nas_lib, capsys):
    lib, _ = nas_lib
    assert_one_error_line(*CLI(capsys, lib.path)("week", "3")[::2], "has no photos")


def test_status_grid_on_a_terminal_png_and_html(nas_lib, tmp_path, capsys):
    lib, _ = nas_lib
    CLI(capsys, lib.path)("week", "1508")
    grid = life_grid(lib, today=dt.date(2019, 4, 10))
    assert grid.current == 1508 and grid.states[1508] == WeekState.ARCHIVED and grid.states[1509] == WeekState.FOUND
    text = terminal(grid)
    assert len(text.splitlines()) == 100 + 3 and "◆" in text
    data = CLI(capsys, lib.path).json("status", "--png", tmp_path / "grid.png", "--html", tmp_path / "grid.html")
    img = Image.open(tmp_path / "grid.png")
    assert img.size[0] > 52 * 10 and img.size[1] > 100 * 10
    page = (tmp_path / "grid.html").read_text()
    assert page.count("<i ") == 5200 + len(WeekState) and "week 1508: archived" in page
    assert data["png"] and data["weeks"]["by_state"]["archived"] == 1
    assert_one_error_line(*CLI(capsys, lib.path)("status", "--png", tmp_path / "no/dir/g.png")[::2], "cannot write the grid")


def test_status_draws_the_grid_on_a_real_terminal(nas_lib):
    lib, _ = nas_lib
    script = f"import sys; from photofs.cli import main; sys.exit(main(['-L', {str(lib.path)!r}, 'status']))"
    tall = {**os.environ, "COLUMNS": "120", "LINES": "120"}  # room for a row per year (a small one: test_cli_day_one)
    out = subprocess.run(["script", "-qec", f"{sys.executable} -c \"{script}\"", "/dev/null"],
                         capture_output=True, text=True, timeout=60, env=tall).stdout
    if "■" not in out:
        pytest.skip("no pseudo-terminal here (script(1) missing)")
    assert "\x1b[38;5;" in out and out.count("■") + out.count("◆") >= 5200
