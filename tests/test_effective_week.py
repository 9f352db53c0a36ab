"""One effective week per photo (issue 16, item 2): a move between week folders in
the real mount is the photo's week in the catalog, so `items`, `items --week`,
`week N`, the life grid and the NAS folder of `archive` all use it, and it lasts
through a remount and a re-import until `sort reset` gives the capture week back."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from backends import run_photofs, unmount
from photofs.jobs.thumbs import make_thumbs

pytestmark = pytest.mark.mount

FROM, TO = "1511_2019-04-29", "1510_2019-04-22"  # the sample's one photo of week 1511, moved a week back


def photofs_json(lib, *args):
    r = run_photofs("-L", str(lib.path), *args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def mount(lib, mnt):
    mnt.mkdir(exist_ok=True)
    r = run_photofs("-L", str(lib.path), "mount", str(mnt))
    assert r.returncode == 0, r.stderr


def test_a_move_between_weeks_is_the_photos_week_everywhere(nas_lib, originals, tmp_path):
    lib, nas = nas_lib
    make_thumbs(lib, progress=False)
    mnt = tmp_path / "mnt"
    mount(lib, mnt)
    try:
        (name,) = os.listdir(mnt / "by-week" / FROM)
        shutil.move(mnt / "by-week" / FROM / name, mnt / "by-week" / TO / name)  # what a file manager does
        assert name in os.listdir(mnt / "by-week" / TO) and not (mnt / "by-week" / FROM).exists()

        (item,) = [i for i in photofs_json(lib, "items") if i["phash"] == name[:16]]
        assert (item["week"], item["week_source"]) == (1510, "user")
        assert item["id"] in [i["id"] for i in photofs_json(lib, "items", "--week", "1510")]
        assert photofs_json(lib, "items", "--week", "1511") == []
        page = tmp_path / "grid.html"
        status = photofs_json(lib, "status", "--html", str(page))
        assert status["weeks"]["with_photos"] == 3  # 1508, 1509, 1510; 1511 is empty now
        assert 'title="week 1511: no photos"' in page.read_text()

        (ran,) = photofs_json(lib, "week", "1510")  # index, thumbs, archive: the moved photo is in it
        assert ran["summary"]["archived"]["archived"] == 6
        archived = [i for i in photofs_json(lib, "items") if i["id"] == item["id"]][0]
        assert f"/{TO}/" in archived["nas_path"] and os.path.isfile(archived["nas_path"])

        # A re-import of the same folder and a remount keep the user's week.
        r = run_photofs("-L", str(lib.path), "add-folder", str(originals))
        assert r.returncode == 0, r.stderr
        unmount(mnt)
        mount(lib, mnt)
        assert name in os.listdir(mnt / "by-week" / TO) and FROM not in os.listdir(mnt / "by-week")
        assert [i["week_source"] for i in photofs_json(lib, "items") if i["id"] == item["id"]] == ["user"]

        # sort reset gives the capture week back, in the catalog and in the live mount.
        reset = photofs_json(lib, "sort", "reset", "--view", "by-week")
        assert reset["weeks restored"] == 1
        assert [(i["week"], i["week_source"]) for i in photofs_json(lib, "items") if i["id"] == item["id"]] \
            == [(1511, "capture")]
        assert _eventually(lambda: os.listdir(mnt / "by-week" / FROM) == [name])
    finally:
        unmount(mnt)


def test_moving_it_back_is_the_capture_week_again(fs):
    week, other = f"/by-week/{TO}", "/by-week/1509_2019-04-15"
    name = sorted(n for n, _ in fs.listdir(week))[0]
    fs.rename(f"{week}/{name}", f"{other}/{name}")
    (item,) = [i for i in fs.lib.catalog.items() if i.phash == name[:16]]
    assert (item.week, item.week_source) == (1509, "user")
    fs.rename(f"{other}/{name}", f"{week}/{name}")
    assert (fs.lib.catalog.get(item.id).week, fs.lib.catalog.get(item.id).week_source) == (1510, "capture")
    fs.mkdir("/by-week/Someday")  # a folder of the user's is a place, not a week
    fs.rename(f"{week}/{name}", f"/by-week/Someday/{name}")
    assert fs.lib.catalog.get(item.id).week == 1510


def test_migration_turns_old_week_pins_into_weeks(library_copy):
    """Libraries sorted before this change had the correction as a /by-week/ pin only."""
    import sqlite3

    from photofs.catalog import schema
    from photofs.library_folder import LibraryFolder
    db = sqlite3.connect(library_copy / "catalog.sqlite")
    item = db.execute("SELECT id FROM items WHERE week = 1511").fetchone()[0]
    db.execute("INSERT INTO pins (view, item_id, folder) VALUES ('by-week', ?, ?)", (item, TO))
    db.execute("ALTER TABLE items DROP COLUMN week_source")
    # The week migration is the last one: undo just it.
    db.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION - 1}")
    db.commit()
    db.close()
    lib = LibraryFolder(library_copy)
    moved = lib.catalog.get(item)
    assert (moved.week, moved.week_source) == (1510, "user")
    assert {i.week_source for i in lib.catalog.items() if i.id != item} == {"capture"}
    lib.close()


def _eventually(check, seconds: float = 10.0) -> bool:
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return check()
