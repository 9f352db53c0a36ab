"""The SQLite catalog (WAL). Every write is one transaction: a crash loses at most
the work in flight, never committed state."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

from photofs.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from photofs.catalog.progress import ProgressStore
from photofs.catalog.sort_state import SortStateStore
from photofs.domain.items import Item, ItemState, TimeSource
from photofs.errors import PhotofsError

CATALOG_FILE = "catalog.sqlite"
_ITEM_COLUMNS = [f.name for f in fields(Item)]
_JSON_COLUMNS = {"warnings", "albums", "people"}
_BOOL_COLUMNS = {"favorited", "archived", "trashed", "animated"}


class Catalog(SortStateStore, ProgressStore):
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as e:
            raise PhotofsError(f"{self.path}: cannot open the catalog ({e})") from None
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # the mount serves from several threads
        self._migrate()

    def close(self) -> None:
        self._db.close()

    # -- schema --------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise PhotofsError(f"{self.path}: not a photofs catalog ({e})") from None
        if version > SCHEMA_VERSION:
            raise PhotofsError(
                f"{self.path}: catalog schema v{version} is newer than this photofs understands (v{SCHEMA_VERSION}); upgrade photofs"
            )
        for v in range(version, SCHEMA_VERSION):
            # One script, one transaction: a crash mid-migration leaves the old version intact.
            with self._lock:
                self._db.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[v]}; PRAGMA user_version={v + 1}; COMMIT;")

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: the mount's cue to rebuild its index."""
        with self._lock:
            return self._db.execute("PRAGMA data_version").fetchone()[0]

    # -- items ---------------------------------------------------------------
    def upsert(self, item: Item) -> int:
        """Insert or update by (source, source_id); returns the item id."""
        self.upsert_many([item])
        return item.id

    def upsert_many(self, items: list[Item]) -> None:
        """Insert or update a batch in one transaction; sets each item's id."""
        cols = [c for c in _ITEM_COLUMNS if c != "id"] + ["updated_at"]
        sql = (
            f"INSERT INTO items ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT (source, source_id) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in cols if c not in ("source", "source_id"))
            + " RETURNING id"
        )
        with self.transaction() as db:
            now = time.time()  # inside the transaction: commit order is timestamp order
            for item in items:
                row = _to_row(item)
                row["updated_at"] = now
                item.id = db.execute(sql, [row[c] for c in cols]).fetchone()[0]

    def get_by_source(self, source: str, source_id: str) -> Item | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE source=? AND source_id=?", (source, source_id)).fetchone()
        return _from_row(row) if row else None

    def get(self, item_id: int) -> Item | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE id=?", (item_id,)).fetchone()
        return _from_row(row) if row else None

    def items(self, week: int | None = None, weeks: tuple[int, int] | None = None,
              states: Iterable[ItemState] | None = None, source: str | None = None) -> list[Item]:
        where, args = [], []
        if week is not None:
            where.append("week = ?")
            args.append(week)
        if weeks is not None:
            where.append("week BETWEEN ? AND ?")
            args += list(weeks)
        if states is not None:
            states = list(states)
            where.append(f"state IN ({', '.join('?' * len(states))})")
            args += [str(s) for s in states]
        if source is not None:
            where.append("source = ?")
            args.append(source)
        sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY week IS NULL, week, taken_at, id"
        with self._lock:
            return [_from_row(r) for r in self._db.execute(sql, args)]

    def source_fingerprints(self, source: str, prefix: str) -> dict[str, tuple[int, int | None, int | None, str]]:
        """source_id -> (id, size, mtime_ns, state) for ids under a prefix: what a re-scan compares against."""
        with self._lock:
            rows = self._db.execute(
                "SELECT source_id, id, size, mtime_ns, state FROM items WHERE source=? AND substr(source_id, 1, ?) = ?",
                (source, len(prefix), prefix),
            ).fetchall()
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def mark_missing(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        with self.transaction() as db:
            db.executemany("UPDATE items SET state=?, updated_at=? WHERE id=?",
                           [(str(ItemState.MISSING), time.time(), i) for i in ids])
        return len(ids)

    def set_thumbnail(self, item_id: int, phash: str, thumb_size: int, dihedral: bytes | None = None,
                      histogram: bytes | None = None, frame_hashes: bytes | None = None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE items SET phash=?, thumb_size=?, dihedral=?, histogram=?, frame_hashes=?, state=?, "
                       "error=NULL, updated_at=? WHERE id=?",
                       (phash, thumb_size, dihedral, histogram, frame_hashes, str(ItemState.THUMBNAILED), time.time(),
                        item_id))

    def set_archived(self, item_id: int, nas_path: str, nas_sha256: str, nas_size: int) -> None:
        """Record a verified NAS copy."""
        with self.transaction() as db:
            db.execute("UPDATE items SET nas_path=?, nas_sha256=?, nas_size=?, archived_at=?, updated_at=? WHERE id=?",
                       (nas_path, nas_sha256, nas_size, time.time(), time.time(), item_id))
            db.execute("UPDATE queue SET state='archived', updated_at=? WHERE item_id=? AND state='queued'",
                       (time.time(), item_id))

    def promote_archived(self) -> int:
        """Queued items whose copy was verified earlier: safe to offer now."""
        with self.transaction() as db:
            return db.execute("UPDATE queue SET state='archived', updated_at=? WHERE state='queued' AND item_id IN "
                              "(SELECT id FROM items WHERE nas_sha256 IS NOT NULL)", (time.time(),)).rowcount

    def set_error(self, item_id: int, reason: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE items SET state=?, error=?, updated_at=? WHERE id=?",
                       (str(ItemState.ERROR), reason, time.time(), item_id))

    def state_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall()
        return {r[0]: r[1] for r in rows}

    def fingerprint(self) -> list:
        """What a saved index must match to be current: the last item id, the last item
        change, the last deletion, the last queue change. Every write sets updated_at;
        each is the end of an index, so this costs the same at any library size."""
        with self._lock:
            return list(self._db.execute(
                "SELECT (SELECT max(id) FROM items), (SELECT max(updated_at) FROM items), "
                "(SELECT max(seq) FROM item_deletions), (SELECT max(updated_at) FROM queue)").fetchone())

    def changed_since(self, columns, fingerprint: list, chunk: int = 65536):
        """(visible rows with `columns` in chunks, ids no longer visible) among the items
        added, changed or deleted since a saved index's `fingerprint`, and those whose
        queue entry changed since."""
        last_id, last_change, last_deletion, queue_change = (x or 0 for x in fingerprint)
        since = max(last_change, queue_change)
        # +state: searching by the state index would visit every item in the library.
        visible = (f"+state='{ItemState.THUMBNAILED}' AND trashed=0 "
                   "AND id NOT IN (SELECT item_id FROM queue WHERE state='removed')")
        # The candidates come from three index ranges, as a list of ids: written as an
        # OR, the planner preferred a scan of every item in id order. Strictly later: a
        # batch shares one timestamp, and writers take it inside their transaction.
        where = ("id IN (SELECT id FROM items WHERE id > ? UNION SELECT id FROM items WHERE updated_at > ? "
                 "UNION SELECT item_id FROM queue WHERE updated_at > ?)")
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(columns)} FROM items WHERE {where} AND {visible} ORDER BY id",
                                    (last_id, since, since)).fetchall()
            gone = [r[0] for r in self._db.execute(f"SELECT id FROM items WHERE {where} AND NOT ({visible})",
                                                   (last_id, since, since))]
            gone += [r[0] for r in self._db.execute("SELECT item_id FROM item_deletions WHERE seq > ?",
                                                    (last_deletion,))]
        return [rows[i:i + chunk] for i in range(0, len(rows), chunk)], gone

    def visible_rows(self, columns=("id", "phash", "taken_at", "week", "thumb_size"),
                     chunk: int = 65536) -> Iterator[list[tuple]]:
        """The given columns of every item the mount shows, by id, in chunks so that a
        large library never sits in memory as Python tuples all at once."""
        with self._lock:
            cur = self._db.execute(
                f"SELECT {', '.join(columns)} FROM items WHERE state=? AND trashed=0 "
                "AND id NOT IN (SELECT item_id FROM queue WHERE state='removed') ORDER BY id",
                (str(ItemState.THUMBNAILED),),
            )
            while rows := cur.fetchmany(chunk):
                yield rows

    # -- where an item's bytes are ---------------------------------------------
    def add_files(self, item_id: int, files: list[tuple[str, str, str, int | None]]) -> None:
        """(role, container, member, size) rows for one item; known locations are kept."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO item_files (item_id, role, container, member, size) VALUES (?, ?, ?, ?, ?)",
                           [(item_id, *f) for f in files])

    def files_of(self, item_id: int) -> list[tuple[str, str, str, int | None]]:
        with self._lock:
            return [tuple(r) for r in self._db.execute(
                "SELECT role, container, member, size FROM item_files WHERE item_id=? ORDER BY role, container, member",
                (item_id,))]

    def join_into(self, gone: int, kept: int, files: list[tuple[str, str, str, int | None]]) -> None:
        """Make item `gone` another place item `kept` lives: one transaction."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO item_files (item_id, role, container, member, size) VALUES (?, ?, ?, ?, ?)",
                           [(kept, *f) for f in files])
            db.execute("UPDATE item_files SET item_id=? WHERE item_id=?", (kept, gone))
            db.execute("DELETE FROM items WHERE id=?", (gone,))

    def same_photo(self, name: str, taken_at: float | None, other_than: str) -> Item | None:
        """An item from another source with this file name and capture time (within 2 s):
        the same photo seen through Google's API and in a Takeout of the same account."""
        if taken_at is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE original_name=? AND source!=? AND taken_at BETWEEN ? AND ? "
                "ORDER BY abs(taken_at - ?) LIMIT 1", (name, other_than, taken_at - 2, taken_at + 2, taken_at)).fetchone()
        return _from_row(row) if row else None

    def known_members(self, container: str) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT member FROM item_files WHERE container=?", (container,))}


def _to_row(item: Item) -> dict:
    row = {}
    for name in _ITEM_COLUMNS:
        value = getattr(item, name)
        if name in _JSON_COLUMNS:
            value = json.dumps(value) if value else None
        elif name in ("state", "time_source"):
            value = str(value)
        row[name] = value
    return row


def _from_row(row: sqlite3.Row) -> Item:
    data = {k: row[k] for k in _ITEM_COLUMNS}
    for name in _JSON_COLUMNS:
        data[name] = json.loads(data[name]) if data[name] else []
    for name in _BOOL_COLUMNS:
        data[name] = bool(data[name])
    data["state"] = ItemState(data["state"])
    data["time_source"] = TimeSource(data["time_source"])
    return Item(**data)
