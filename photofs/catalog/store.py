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

from photofs.catalog.files import FilesStore, _insert_files, _set_content_hash, _unfinish_if_incomplete, places_as_files
from photofs.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from photofs.catalog.progress import ProgressStore
from photofs.catalog.sort_state import SortStateStore
from photofs.domain.items import Item, ItemFile, ItemState, TimeSource, WeekSource
from photofs.errors import PhotofsError

CATALOG_FILE = "catalog.sqlite"
_ITEM_COLUMNS = [f.name for f in fields(Item)]
_JSON_COLUMNS = {"warnings", "albums", "people"}
_BOOL_COLUMNS = {"favorited", "archived", "trashed", "partner_shared", "animated"}
# A verified NAS copy is recorded per file (catalog/files.py); re-indexing an item never clears it here.
_KEPT_COLUMNS = {"nas_path", "nas_sha256", "nas_size", "archived_at"}
# A source seen again (a re-import, a rescan) updates an item, but the week the user
# chose stays until they move the photo again or reset the sort.
_KEEP_USER_WEEK = {c: f"{c}=CASE WHEN items.week_source='user' THEN items.{c} ELSE excluded.{c} END"
                   for c in ("week", "week_source")}


class Catalog(SortStateStore, ProgressStore, FilesStore):
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

    def upsert_many(self, items: list[Item], files: list[list[ItemFile] | None] | None = None) -> None:
        """Insert or update a batch in one transaction; sets each item's id. `files` (one
        list per item) are its files with their places; an item given none that has none
        yet gets one, its shown file (a Google item is its own place)."""
        cols = [c for c in _ITEM_COLUMNS if c != "id"] + ["updated_at"]
        sql = (
            f"INSERT INTO items ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT (source, source_id) DO UPDATE SET "
            + ", ".join(f"{c}=coalesce(excluded.{c}, {c})" if c in _KEPT_COLUMNS else _KEEP_USER_WEEK.get(c, f"{c}=excluded.{c}")
                        for c in cols if c not in ("source", "source_id"))
            + " RETURNING id"
        )
        with self.transaction() as db:
            now = time.time()  # inside the transaction: commit order is timestamp order
            for item in items:
                row = _to_row(item)
                row["updated_at"] = now
                item.id = db.execute(sql, [row[c] for c in cols]).fetchone()[0]
            for item, its_files in zip(items, files or [None] * len(items)):
                if its_files:
                    _insert_files(db, item.id, its_files)
                else:
                    db.execute("INSERT INTO files (item_id, role, name, size, sha256) SELECT ?, 'original', ?, ?, ? "
                               "WHERE NOT EXISTS (SELECT 1 FROM files WHERE item_id=?)",
                               (item.id, item.original_name, item.size, item.sha256, item.id))

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
        where, args = _filter(week, weeks, states, source)
        sql = f"SELECT * FROM items {where} ORDER BY week IS NULL, week, taken_at, id"
        with self._lock:
            return [_from_row(r) for r in self._db.execute(sql, args)]

    def item_batches(self, weeks: tuple[int, int] | None = None, states: Iterable[ItemState] | None = None,
                     batch: int = 1000) -> Iterator[list[Item]]:
        """The same items as `items`, in id order, a batch at a time: a pass over millions
        of photos never holds them all (each batch is read under the lock, so writes between
        batches are fine)."""
        where, args = _filter(None, weeks, states, None)
        where = f"{where} AND id > ?" if where else "WHERE id > ?"
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(f"SELECT * FROM items {where} ORDER BY id LIMIT ?", [*args, last, batch]).fetchall()
            if not rows:
                return
            yield [_from_row(r) for r in rows]
            last = rows[-1]["id"]

    def size_of_items(self, weeks: tuple[int, int] | None = None, states: Iterable[ItemState] | None = None) -> int:
        """The sum of the sizes of the items `items` would give."""
        where, args = _filter(None, weeks, states, None)
        with self._lock:
            return self._db.execute(f"SELECT coalesce(sum(size), 0) FROM items {where}", args).fetchone()[0]

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

    def set_content_hash(self, item_id: int, sha256: str) -> None:
        """The shown file's SHA-256, from its first full read (add-folder reads only headers)."""
        with self.transaction() as db:
            _set_content_hash(db, item_id, sha256)

    def set_thumb_size(self, item_id: int, thumb_size: int) -> None:
        """The served thumbnail's size after its record changed (restamped after an archive)."""
        with self.transaction() as db:
            db.execute("UPDATE items SET thumb_size=?, updated_at=? WHERE id=?", (thumb_size, time.time(), item_id))

    def set_error(self, item_id: int, reason: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE items SET state=?, error=?, updated_at=? WHERE id=?",
                       (str(ItemState.ERROR), " ".join(reason.split()), time.time(), item_id))  # one line, always

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

    # -- where an item's bytes are (see catalog/files.py for the files themselves) ---
    def add_files(self, item_id: int, files: list[tuple[str, str, str, int | None]]) -> None:
        """(role, container, member, size) places of one item, each a copy of the file of
        that role named after the member (the shown file for `original` and `google`)."""
        self.add_item_files(item_id, places_as_files(self.get(item_id).original_name, files))

    def files_of(self, item_id: int) -> list[tuple[str, str, str, int | None]]:
        """Every place of the item: (role, container, member, size)."""
        with self._lock:
            return [tuple(r) for r in self._db.execute(
                "SELECT role, container, member, size FROM item_files WHERE item_id=? ORDER BY role, container, member",
                (item_id,))]

    def join_into(self, gone: int, kept: int, files: list[tuple[str, str, str, int | None]]) -> None:
        """Make item `gone` another place item `kept` lives: one transaction. Its files'
        places move over; a file `kept` lacks moves over whole, unverified or not."""
        kept_item = self.get(kept)
        with self.transaction() as db:
            _insert_files(db, kept, places_as_files(kept_item.original_name, files))
            db.execute("UPDATE OR IGNORE item_files SET item_id=?, name=CASE WHEN role IN ('original', 'google') "
                       "THEN ? ELSE name END WHERE item_id=?", (kept, kept_item.original_name, gone))
            db.execute("INSERT OR IGNORE INTO files (item_id, role, name, size, sha256) "
                       "SELECT ?, role, name, size, sha256 FROM files WHERE item_id=? AND role != 'original'", (kept, gone))
            _unfinish_if_incomplete(db, kept)
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


def _filter(week, weeks, states, source) -> tuple[str, list]:
    """The WHERE clause (and its arguments) of `items`' filters."""
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
    return ("WHERE " + " AND ".join(where) if where else ""), args


def _to_row(item: Item) -> dict:
    row = {}
    for name in _ITEM_COLUMNS:
        value = getattr(item, name)
        if name in _JSON_COLUMNS:
            value = json.dumps(value) if value else None
        elif name in ("state", "time_source", "week_source"):
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
    data["week_source"] = WeekSource(data["week_source"])
    return Item(**data)
