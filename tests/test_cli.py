"""The commands as a user types them: results, --json, and one-line errors."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

from backends import run_photofs
from conftest import CLI, assert_one_error_line


@pytest.fixture
def bare(capsys):
    return CLI(capsys, None)


def test_init_creates_the_library_folder(bare, tmp_path):
    lib = tmp_path / "lib"
    code, out, err = bare("init", lib, "--birth", "1990-05-17", "--tz", "Europe/Berlin", "--nas", "/mnt/nas")
    assert code == 0, err
    assert "week 0 starts Monday 1990-05-14" in out
    toml = (lib / "photofs.toml").read_text()
    assert 'birth_date = "1990-05-17"' in toml and 'time_zone = "Europe/Berlin"' in toml and "/mnt/nas" in toml
    db = sqlite3.connect(lib / "catalog.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert (lib / "cache").is_dir()
    assert stat.S_IMODE(os.stat(lib / "credentials").st_mode) == 0o700


def test_init_json_and_default_zone(bare, tmp_path):
    data = json.loads(bare("init", tmp_path / "l", "--birth", "2000-01-01", "--json")[1])
    assert data["week0_monday"] == "1999-12-27" and data["schema_version"] >= 1 and data["time_zone"]


@pytest.mark.parametrize("args, fragment", [
    (["--birth", "17.05.1990"], "birth date must be YYYY-MM-DD"),
    (["--birth", "1990-05-17", "--tz", "Berlin"], "unknown time zone"),
    (["--birth", "1990-02-30"], "birth date must be YYYY-MM-DD"),
])
def test_init_bad_input(bare, tmp_path, args, fragment):
    code, _, err = bare("init", tmp_path / "lib", *args)
    assert_one_error_line(code, err, fragment)
    assert not (tmp_path / "lib" / "photofs.toml").exists()


def test_init_twice_keeps_the_first(bare, tmp_path):
    bare("init", tmp_path / "lib", "--birth", "1990-05-17")
    code, _, err = bare("init", tmp_path / "lib", "--birth", "2001-01-01")
    assert_one_error_line(code, err, "already a photofs library")
    assert "1990-05-17" in (tmp_path / "lib" / "photofs.toml").read_text()


def test_init_on_a_file(bare, tmp_path):
    (tmp_path / "f").write_text("x")
    assert_one_error_line(*bare("init", tmp_path / "f", "--birth", "1990-05-17")[::2], "not a folder")


@pytest.mark.parametrize("command", [["status"], ["items"], ["add-folder", "/tmp"], ["thumbs", "--all"]])
def test_commands_without_a_library(bare, tmp_path, monkeypatch, command):
    monkeypatch.setenv("PHOTOFS_LIBRARY", str(tmp_path / "none"))
    code, _, err = bare(*command)
    assert_one_error_line(code, err, "not a photofs library (from PHOTOFS_LIBRARY)", "-L DIR", "photofs init")


def test_library_from_environment(bare, tmp_path, monkeypatch):
    bare("init", tmp_path / "lib", "--birth", "1990-05-17")
    monkeypatch.setenv("PHOTOFS_LIBRARY", str(tmp_path / "lib"))
    assert bare("status")[0] == 0


@pytest.mark.parametrize("args, fragment", [
    (["thumbs"], "one of the arguments --weeks --all is required"),
    (["thumbs", "--weeks", "ten"], "week range must look like"),
    (["thumbs", "--weeks", "9-3"], "empty or negative"),
    (["items", "--week", "x"], "invalid int value"),
    (["items", "--state", "happy"], "invalid choice"),
    (["frobnicate"], "unknown command 'frobnicate'; the commands are: 'init'"),
    (["stauts"], "unknown command 'stauts'; did you mean `photofs status`?"),
    (["queue", "lsit"], "unknown action 'lsit'; did you mean `photofs queue list`?"),
    ([], "required"),
])
def test_usage_errors_are_one_line(cli, args, fragment):
    code, err = None, None
    try:
        code, _, err = cli(*args)
    except SystemExit as e:  # argparse exits for usage errors
        code, err = e.code, cli.capsys.readouterr().err
    assert_one_error_line(code, err, fragment)


def test_broken_settings_file_is_one_line(cli, library):
    (library.path / "photofs.toml").write_text("birth_date = [")
    assert_one_error_line(*cli("status")[::2], "not valid TOML")


def test_broken_catalog_is_one_line(cli, library):
    library.close()
    for f in library.path.glob("catalog.sqlite*"):
        f.unlink()
    (library.path / "catalog.sqlite").write_bytes(b"garbage" * 1000)
    assert_one_error_line(*cli("status")[::2], "catalog")


def test_status_and_items(cli, originals):
    summary = cli.json("add-folder", originals)
    assert summary["counts"]["new"] == 18
    status = cli.json("status")
    assert status["states"]["indexed"] == 18 and status["weeks"]["done"] == 0 and status["weeks"]["goal"] == 5200
    cli.json("thumbs", "--weeks", "1508-1509")
    status = cli.json("status")
    assert status["weeks"]["by_state"]["thumbnailed"] == 2 and status["weeks"]["with_photos"] == 4
    assert status["weeks"]["by_state"]["found"] == 2 and status["weeks"]["done"] == 0  # done means archived
    cli.json("thumbs", "--all")
    status = cli.json("status")
    assert status["states"] == {"indexed": 0, "thumbnailed": 18, "missing": 0, "error": 0}
    assert status["weeks"]["by_state"]["thumbnailed"] == 4
    rows = cli.json("items", "--week", "1508")
    assert {r["week"] for r in rows} == {1508} and len(rows) == 7
    row = next(r for r in rows if r["original_name"] == "IMG_20190409_1002.jpg")
    assert row["taken_at"] == "2019-04-09T12:12:00+02:00" and row["time_source"] == "exif"
    assert row["source"] == "folder" and row["size"] > 0 and len(row["sha256"]) == 64
    assert row["name"] == row["phash"] + ".jpg" and row["state"] == "thumbnailed"
    code, out, _ = cli("items", "--week", "1508")
    assert code == 0 and len(out.splitlines()) == 7 and "IMG_20190409_1002.jpg" in out
    code, out, _ = cli("status")
    assert out.count("0 of 5200 weeks done (4 with photos; this is week") == 1  # the summary, said once


def test_the_console_script_end_to_end(tmp_path, sample_originals):
    lib = str(tmp_path / "lib")
    assert run_photofs("init", lib, "--birth", "1990-05-17").returncode == 0
    r = run_photofs("-L", lib, "add-folder", str(sample_originals))
    assert r.returncode == 0 and "add-folder: 18 new" in r.stdout
    r = run_photofs("-L", lib, "add-folder", str(sample_originals))
    assert r.stdout.strip() == "add-folder: 18 unchanged"
    r = run_photofs("-L", lib, "thumbs", "--all")
    assert r.returncode == 0 and "18 made" in r.stdout and r.stderr == ""  # no progress bar without a terminal


def test_an_internal_error_is_one_line_and_logged(cli, library, monkeypatch):
    import photofs.commands
    monkeypatch.setattr(photofs.commands, "cmd_status", lambda a, l: 1 / 0)
    code, _, err = cli("status")
    assert_one_error_line(code, err, "internal error: ZeroDivisionError", "photofs.log")
    assert "Traceback" in (library.path / "photofs.log").read_text()
