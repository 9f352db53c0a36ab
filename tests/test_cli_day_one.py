"""What a new user meets on day one (issue 16, item 7), through the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI, assert_one_error_line
from vfs_helpers import W2, files


def test_the_library_option_goes_anywhere(capsys, library_copy):
    cli = CLI(capsys, None)
    before = cli("-L", library_copy, "status", "--json")
    after = cli("status", "-L", library_copy, "--json")
    assert before[0] == after[0] == 0 and before[1] == after[1]
    assert cli("queue", "list", "--library", library_copy)[0] == 0
    assert cli("queue", "-L", library_copy, "list")[0] == 0
    assert cli("sort", "reset", "-L", library_copy)[0] == 0


def test_status_says_what_it_wrote_and_sums_up_once(capsys, library_copy, tmp_path):
    code, out, err = CLI(capsys, library_copy)("status", "--png", tmp_path / "g.png", "--html", tmp_path / "g.html")
    assert code == 0, err
    assert f"wrote the grid to {tmp_path / 'g.png'}" in out and f"wrote the grid to {tmp_path / 'g.html'}" in out
    assert out.count("weeks done") == 1
    assert re.search(r"\b1 photos\b|\b1 items\b|\b1 days\b", out) is None


def test_counts_of_one_are_singular(capsys, fs):
    cli = CLI(capsys, fs.lib.path)
    fs.unlink(f"{W2}/{files(fs, W2)[0]}")
    assert cli("queue", "cancel", "--all")[1].strip() == "1 photo taken back off the queue"
    fs.mkdir("/sorted/Trips")
    assert cli("sort", "reset")[1].strip() == "dropped 1 override (all views back to their rules)"
    assert cli("sort", "reset")[1].strip() == "dropped 0 overrides (all views back to their rules)"


def test_init_warns_when_the_nas_is_not_there(capsys, tmp_path):
    code, out, err = CLI(capsys, None)("init", tmp_path / "lib", "--birth", "1990-05-17", "--nas", tmp_path / "nas")
    assert code == 0 and "created library" in out
    assert err.count("\n") == 1 and "warning: the NAS folder" in err and "does not exist" in err
    (tmp_path / "nas").mkdir()
    code, _, err = CLI(capsys, None)("init", tmp_path / "lib2", "--birth", "1990-05-17", "--nas", tmp_path / "nas")
    assert code == 0 and err == ""


def test_queue_list_shows_what_is_in_flight_and_all_the_history(capsys, fs):
    cli = CLI(capsys, fs.lib.path)
    a, b = files(fs, W2)[:2]
    fs.unlink(f"{W2}/{a}")
    fs.unlink(f"{W2}/{b}")
    fs.rename(f"/to-delete/{b}", f"{W2}/{b}")  # taken back: cancelled
    assert [r["state"] for r in cli.json("queue", "list")] == ["queued"]
    assert sorted(r["state"] for r in cli.json("queue", "list", "--all")) == ["cancelled", "queued"]
    assert [r["state"] for r in cli.json("queue", "list", "--state", "cancelled")] == ["cancelled"]
    cli("queue", "cancel", "--all")
    assert cli("queue", "list")[1].strip() == "nothing is on its way out of the cloud (--all shows the history)"
    assert_one_error_line(*_usage(cli, "queue", "list", "--all", "--state", "queued"), "not allowed with")


def test_week_does_not_skip_a_week_archive_finished_but_nobody_reviewed(nas_lib, capsys):
    lib, _ = nas_lib
    cli = CLI(capsys, lib.path)
    cli.json("archive")  # every week archived, none reviewed
    assert [r["week"] for r in cli.json("week")] == [-774]
    assert [r["week"] for r in cli.json("week", "--all-pending")] == [1508, 1509, 1510, 1511]
    assert cli("week")[1].strip() == "every week with photos is done: nothing to do"


def test_the_grid_fits_the_terminal(nas_lib):
    """On a real terminal of 80 x 24 (COLUMNS/LINES, as a terminal sets them) the grid fits."""
    lib, _ = nas_lib
    script = f"import sys; from photofs.cli import main; sys.exit(main(['-L', {str(lib.path)!r}, 'status']))"
    env = {**os.environ, "COLUMNS": "80", "LINES": "24"}
    r = subprocess.run(["script", "-qec", f"{sys.executable} -c \"{script}\"", "/dev/null"],
                       capture_output=True, text=True, timeout=60, env=env)
    if "▀" not in r.stdout:
        pytest.skip("no pseudo-terminal here (script(1) missing)")
    shown = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in r.stdout.replace("\r", "").splitlines()]
    grid = shown[shown.index("") + 1:]  # after the counts per state
    assert len(grid) <= 24 - 1 and max(len(line) for line in grid) <= 80
    assert sum(line.count("▀") for line in grid) * 2 * 4 >= 5200  # two years a row, four weeks a cell


def test_the_unmount_hint_works_from_a_new_shell(tmp_path):
    """The demo's own hint is a command that works in a new shell, where the
    virtualenv's bin folder is not on PATH: then it gives the full path."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PHOTOFS_LIBRARY": str(tmp_path / "lib")}
    photofs = Path(sys.executable).with_name("photofs")
    r = subprocess.run([str(photofs), "demo", str(tmp_path / "mnt")], env=env, capture_output=True, text=True,
                       timeout=180)
    try:
        assert r.returncode == 0, r.stderr
        (hint,) = [line.split("unmount:", 1)[1].strip() for line in r.stdout.splitlines() if "unmount:" in line]
        assert hint == f"{photofs} umount {tmp_path / 'mnt'}"
        done = subprocess.run(hint, shell=True, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert not os.path.ismount(tmp_path / "mnt")
    finally:
        from backends import unmount
        unmount(tmp_path / "mnt")


def _usage(cli, *args):
    try:
        code, _, err = cli(*args)
    except SystemExit as e:
        code, err = e.code, cli.capsys.readouterr().err
    return code, err
