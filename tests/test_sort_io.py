"""sort export / import / reset, through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import assert_one_error_line
from vfs_helpers import W2, files, one


@pytest.fixture
def cli_fs(fs, capsys):
    from conftest import CLI
    return CLI(capsys, fs.lib.path), fs


def arrange(fs):
    name = one(fs)
    fs.mkdir("/sorted/Trips")
    fs.mkdir("/sorted/Empty")
    fs.rename(f"{W2}/{name}", f"/sorted/Trips/{name}")
    fs.rename(f"{W2}/{name}", f"/by-week/1508_2019-04-08/{name}")
    other = [n for n in files(fs, W2) if n != name][0]
    fs.unlink(f"{W2}/{other}")
    return name, other


def test_export_import_round_trip(cli_fs, tmp_path):
    cli, fs = cli_fs
    name, deleted = arrange(fs)
    before = fs.lib.catalog.load_sort_state()
    out = tmp_path / "sort.jsonl"
    result = cli.json("sort", "export", out)
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert lines[0]["photofs_sort"] == 1
    assert {"view": "sorted", "folder": "Empty"} in lines
    rec = next(l for l in lines if l.get("item", {}).get("phash") == name[:16])
    assert rec["views"]["sorted"] == ["Trips"] and rec["views"]["by-week"] == ["1508_2019-04-08"]
    assert rec["views"]["by-gallery"] == ["2019-04 trip 2"]  # by the rule, written out too
    assert result["photos"] == len(lines) - 3
    moved = next(i for i in fs.lib.catalog.items() if i.phash == name[:16])
    assert (moved.week, moved.week_source) == (1508, "user")
    assert cli.json("sort", "reset") == {"view": "all", "overrides dropped": 4, "weeks restored": 1}
    assert fs.lib.catalog.load_sort_state()[:2] == ([], [])
    assert fs.lib.catalog.get(moved.id).week == 1509  # back in the week it was taken
    cli.json("sort", "import", out)
    after = fs.lib.catalog.load_sort_state()
    # The week's folder comes back as the photo's week, not as a /by-week/ pin.
    assert sorted(after[0]) == sorted(p for p in before[0] if p[0] != "by-week")
    assert sorted(after[1]) == sorted(before[1]) and after[2] == before[2]
    assert (fs.lib.catalog.get(moved.id).week, fs.lib.catalog.get(moved.id).week_source) == (1508, "user")
    fs.refresh()
    assert files(fs, "/sorted/Trips") == [name]
    assert name in files(fs, "/by-week/1508_2019-04-08")


def test_reset_one_view(cli_fs):
    cli, fs = cli_fs
    arrange(fs)
    cli.json("sort", "reset", "--view", "sorted")
    pins, folders, queued = fs.lib.catalog.load_sort_state()
    assert {p[0] for p in pins} == {"by-week"} and folders == [] and len(queued) == 1


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("not json\n", ":1: not JSON"),
    ('{"hello": 1}\n', "not a photofs sort export"),
    ('{"photofs_sort": 1}\n{"view": "nowhere", "folder": "x"}\n', ":2: unknown view 'nowhere'"),
    ('{"photofs_sort": 1}\n{"view": "sorted", "folder": "../../etc"}\n', ":2: bad folder"),
    ('{"photofs_sort": 1}\n{"item": {}, "views": {"sorted": ["a\\u0007b"]}}\n', ":2: bad folders for sorted"),
    ('{"photofs_sort": 1}\n[1, 2]\n', ":2: expected an object"),
])
def test_bad_imports_change_nothing(cli_fs, tmp_path, content, message):
    cli, fs = cli_fs
    arrange(fs)
    before = fs.lib.catalog.load_sort_state()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    assert_one_error_line(*cli("sort", "import", bad)[::2], message)
    assert fs.lib.catalog.load_sort_state() == before


def test_sort_usage_errors(cli_fs, tmp_path):
    cli, fs = cli_fs
    assert_one_error_line(*cli("sort", "import", tmp_path / "missing.jsonl")[::2], "no such file")
    assert_one_error_line(*cli("sort", "reset", "--view", "by-mood")[::2], "unknown view 'by-mood'")
    assert_one_error_line(*cli("sort", "reset", "--view", "to-delete")[::2], "not sort state")
    assert_one_error_line(*cli("sort", "export", tmp_path / "no" / "dir" / "x.jsonl")[::2], "cannot write")


def test_import_into_another_library_skips_unknown_photos(cli_fs, tmp_path, template):
    cli, fs = cli_fs
    arrange(fs)
    out = tmp_path / "sort.jsonl"
    cli.json("sort", "export", out)
    lines = out.read_text().splitlines()
    lines.append(json.dumps({"item": {"source": "folder", "source_id": "/elsewhere/x.jpg"}, "views": {}}))
    out.write_text("\n".join(lines) + "\n")
    other = tmp_path / "other"
    shutil.copytree(template, other)
    from conftest import CLI
    result = CLI(cli.capsys, other).json("sort", "import", out)
    assert result["not in this library"] == 1 and result["folders"] == 2
