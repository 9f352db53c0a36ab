"""The catalog: schema versions, transactions, crash safety, re-indexing."""

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from photofs.catalog import Catalog
from photofs.catalog.schema import SCHEMA_VERSION
from photofs.domain.items import Item, ItemState, TimeSource
from photofs.errors import PhotofsError


def make_item(n: int, **kw) -> Item:
    base = dict(source="folder", source_id=f"/photos/{n}.jpg", original_name=f"{n}.jpg", size=100 + n,
                mtime_ns=n, sha256=f"{n:064x}", taken_at=1.5e9 + n, week=1500 + n % 3, time_source=TimeSource.EXIF)
    base.update(kw)
    return Item(**base)


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.sqlite")
    yield c
    c.close()


def test_new_catalog_is_wal_and_current(cat):
    assert cat.schema_version == SCHEMA_VERSION
    assert cat._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_runs_no_migration_twice(tmp_path):
    Catalog(tmp_path / "c.sqlite").close()
    c = Catalog(tmp_path / "c.sqlite")
    assert c.schema_version == SCHEMA_VERSION


def test_newer_catalog_is_refused_not_damaged(tmp_path):
    path = tmp_path / "c.sqlite"
    Catalog(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(PhotofsError, match="newer than this photofs"):
        Catalog(path)


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(PhotofsError, match="not a photofs catalog|cannot open"):
        Catalog(path)


def test_upsert_keeps_the_id_and_updates(cat):
    item = make_item(1)
    first = cat.upsert(item)
    item.size = 999
    assert cat.upsert(make_item(1, size=999)) == first
    assert cat.get(first).size == 999
    assert len(cat.items()) == 1


def test_items_round_trip_every_field(cat):
    item = make_item(2, gps_lat=48.1, gps_lon=11.5, gps_alt=520.0, make="Canon", model="EOS", albums=["Trip"],
                     warnings=["w"], tz_offset_min=120, mime="image/jpeg", width=4000, height=3000)
    cat.upsert(item)
    assert cat.get(item.id) == item


def test_filters(cat):
    for n in range(9):
        cat.upsert(make_item(n))
    cat.set_error(cat.items()[0].id, "broken")
    assert {i.week for i in cat.items(week=1501)} == {1501}
    assert len(cat.items(weeks=(1500, 1501))) == 6
    assert [i.error for i in cat.items(states=[ItemState.ERROR])] == ["broken"]
    assert cat.state_counts() == {"indexed": 8, "error": 1}


def test_failed_transaction_leaves_nothing(cat):
    cat.upsert(make_item(1))
    with pytest.raises(RuntimeError):
        with cat.transaction() as db:
            db.execute("UPDATE items SET size=0")
            raise RuntimeError("crash in the middle")
    assert cat.items()[0].size == 101


def test_a_process_killed_mid_write_loses_only_the_work_in_flight(tmp_path):
    path = tmp_path / "c.sqlite"
    c = Catalog(path)
    c.upsert(make_item(1))
    c.close()
    script = textwrap.dedent(f"""
        import os
        from photofs.catalog import Catalog
        c = Catalog({str(path)!r})
        with c.transaction() as db:
            db.execute("DELETE FROM items")
            os._exit(9)  # killed before COMMIT
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    c = Catalog(path)
    assert [i.source_id for i in c.items()] == ["/photos/1.jpg"]


def test_data_version_moves_on_other_connections_commits(tmp_path):
    a, b = Catalog(tmp_path / "c.sqlite"), Catalog(tmp_path / "c.sqlite")
    before = a.data_version()
    b.upsert(make_item(1))
    assert a.data_version() != before


def test_visible_rows_are_thumbnailed_items_only(cat):
    for n in range(4):
        cat.upsert(make_item(n))
    ids = [i.id for i in cat.items()]
    cat.set_thumbnail(ids[0], "00000000000000ff", 1234)
    cat.mark_missing([ids[1]])
    assert [tuple(r) for chunk in cat.visible_rows() for r in chunk] == [(ids[0], "00000000000000ff", 1.5e9, 1500, 1234)]
