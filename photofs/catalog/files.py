"""Each item's files, where they can be read, their verified NAS copies, the roots the
user gave, and the ledger of every member that is not an item's file.

An item is never safe to offer for removal until every one of its files has a
verified NAS copy; `items.nas_sha256` is set only then (by `_finish_if_complete`),
so every reader of the item-level columns sees the whole item's state.
"""

from __future__ import annotations

import time

from photofs.domain.items import ItemFile, Place
from photofs.domain.media import SHOWN_ROLES

GOOGLE_ROLE = "google"  # a place of the shown file inside Google (container: the source, member: its id)


class FilesStore:
    """Mixed into Catalog: it owns the connection and the transaction."""

    # -- files and places -------------------------------------------------------
    def add_item_files(self, item_id: int, files: list[ItemFile]) -> None:
        """Record files and their places; what is known already is kept, gaps are filled."""
        with self.transaction() as db:
            _insert_files(db, item_id, files)

    def files(self, item_id: int) -> list[ItemFile]:
        """The item's files, the shown one first, each with its places."""
        with self._lock:
            rows = self._db.execute("SELECT role, name, size, sha256, nas_path, nas_sha256, nas_size, verified_at "
                                    "FROM files WHERE item_id=?", (item_id,)).fetchall()
            places = self._db.execute("SELECT role, name, container, member, size FROM item_files WHERE item_id=? "
                                      "ORDER BY container, member", (item_id,)).fetchall()
        out = [ItemFile(r[0], r[1], r[2], r[3], [], r[4], r[5], r[6], r[7]) for r in rows]
        out.sort(key=_file_order)
        by_key = {(f.role, f.name): f for f in out}
        shown = out[0] if out else None
        for role, name, container, member, size in places:
            f = by_key.get((role, name)) or (shown if role == GOOGLE_ROLE else None)
            if f is not None:
                f.places.append(Place(container, member, size))
        return out

    def set_file_archived(self, item_id: int, role: str, name: str, nas_path: str, nas_sha256: str,
                          nas_size: int) -> bool:
        """Record one file's verified NAS copy; returns whether the whole item is now verified."""
        with self.transaction() as db:
            now = time.time()
            db.execute("UPDATE files SET nas_path=?, nas_sha256=?, nas_size=?, verified_at=?, "
                       "size=coalesce(size, ?) WHERE item_id=? AND role=? AND name=?",
                       (nas_path, nas_sha256, nas_size, now, nas_size, item_id, role, name))
            # A file first read in full here (add-folder reads headers only; Takeout motion
            # videos): the verified copy's hash is its own.
            _fill_hash(db, item_id, role, name, nas_sha256)
            return _finish_if_complete(db, item_id, now)

    def set_archived(self, item_id: int, nas_path: str, nas_sha256: str, nas_size: int) -> None:
        """Record a verified NAS copy of the item's shown file (found by reconcile)."""
        files = self.files(item_id)
        if files:
            self.set_file_archived(item_id, files[0].role, files[0].name, nas_path, nas_sha256, nas_size)

    def unverified_bytes(self, weeks: tuple[int, int] | None = None) -> int:
        """The sizes of the files not yet verified on the NAS (of the items of `weeks`)."""
        sql = ("SELECT coalesce(sum(f.size), 0) FROM files f JOIN items i ON i.id = f.item_id "
               "WHERE f.nas_sha256 IS NULL AND i.state != 'missing' AND NOT i.trashed")
        args: list = []
        if weeks is not None:
            sql += " AND i.week BETWEEN ? AND ?"
            args = list(weeks)
        with self._lock:
            return self._db.execute(sql, args).fetchone()[0]

    def promote_archived(self) -> int:
        """Queued items whose every file was verified earlier: safe to offer now."""
        with self.transaction() as db:
            return db.execute("UPDATE queue SET state='archived', updated_at=? WHERE state='queued' AND item_id IN "
                              "(SELECT id FROM items WHERE nas_sha256 IS NOT NULL) AND item_id NOT IN "
                              "(SELECT item_id FROM files WHERE nas_sha256 IS NULL)", (time.time(),)).rowcount

    def safe_elsewhere(self, ids: list[int]) -> set[int]:
        """Of these items, those whose original going away loses nothing: every file has a
        verified NAS copy, or photofs itself moved it into its trash at `queue confirm`."""
        out: set[int] = set()
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                out |= {r[0] for r in self._db.execute(
                    f"SELECT id FROM items WHERE id IN ({marks}) AND (nas_sha256 IS NOT NULL OR id IN "
                    "(SELECT item_id FROM queue WHERE state='removed'))", chunk)}
        return out

    def verified_file_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM files WHERE nas_sha256 IS NOT NULL").fetchone()[0]

    def places_in(self, container: str) -> dict[str, tuple[int, str, str, str | None]]:
        """member -> (item id, role, file name, the item's error if it is in error) for
        every place in one container."""
        with self._lock:
            return {r[0]: (r[1], r[2], r[3], r[4]) for r in self._db.execute(
                "SELECT f.member, f.item_id, f.role, f.name, CASE WHEN i.state = 'error' THEN i.error END "
                "FROM item_files f JOIN items i ON i.id = f.item_id WHERE f.container=?", (container,))}

    # -- roots and the ledger -------------------------------------------------------
    def add_root(self, path: str, kind: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO roots (path, kind, added_at) VALUES (?, ?, ?)", (path, kind, time.time()))

    def roots(self) -> list[tuple[str, str]]:
        with self._lock:
            return [tuple(r) for r in self._db.execute("SELECT path, kind FROM roots ORDER BY added_at, path")]

    def record_ledger(self, rows: list[tuple[str, str, str, int | None, str | None]], replace: bool = True) -> None:
        """(container, member, what, item id, detail) for members that are not an item's file;
        with replace=False, a member that has a row keeps it."""
        if rows:
            with self.transaction() as db:
                db.executemany(f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO ledger "
                               "(container, member, what, item_id, detail) VALUES (?, ?, ?, ?, ?)", rows)

    def ledger_in(self, container: str) -> dict[str, tuple[str, int | None, str | None]]:
        with self._lock:
            return {r[0]: (r[1], r[2], r[3]) for r in self._db.execute(
                "SELECT member, what, item_id, detail FROM ledger WHERE container=?", (container,))}


def _role_order(role: str) -> int:
    """The shown file first: original, then a pair's JPEG, then its RAW; companions after."""
    return SHOWN_ROLES.index(role) if role in SHOWN_ROLES else len(SHOWN_ROLES)


def _file_order(f: ItemFile):
    return (_role_order(f.role), f.role, f.name)


def places_as_files(shown_name: str, places: list[tuple[str, str, str, int | None]]) -> list[ItemFile]:
    """(role, container, member, size) places as files: the shown file (roles `original` and
    `google`) is named after the item, every other file after its member."""
    return [ItemFile(role, shown_name if role in ("original", GOOGLE_ROLE) else member.rsplit("/", 1)[-1], size,
                     places=[Place(container, member, size)]) for role, container, member, size in places]


# A file whose bytes changed (a re-indexed original) loses its verified copy: the copy is of the old bytes.
_CHANGED = "excluded.sha256 IS NOT NULL AND sha256 IS NOT NULL AND excluded.sha256 != sha256"
_UPSERT_FILE = (
    "INSERT INTO files (item_id, role, name, size, sha256) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (item_id, role, name) DO UPDATE SET size=coalesce(excluded.size, size), "
    "sha256=coalesce(excluded.sha256, sha256), "
    + ", ".join(f"{c}=CASE WHEN {_CHANGED} THEN NULL ELSE {c} END"
                for c in ("nas_path", "nas_sha256", "nas_size", "verified_at")))


def _insert_files(db, item_id: int, files: list[ItemFile]) -> None:
    for f in files:
        if f.role != GOOGLE_ROLE:  # a place inside Google is another copy of the shown file, not a file
            db.execute(_UPSERT_FILE, (item_id, f.role, f.name, f.size, f.sha256))
        # A place belongs to the item and role it was last grouped into (a RAW found beside a JPEG later).
        db.executemany("INSERT INTO item_files (item_id, role, container, member, size, name, sha256) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (container, member) DO UPDATE SET "
                       "item_id=excluded.item_id, role=excluded.role, name=excluded.name, "
                       "size=coalesce(excluded.size, size), sha256=coalesce(excluded.sha256, sha256)",
                       [(item_id, f.role, p.container, p.member, p.size, f.name, f.sha256) for p in f.places])
    _unfinish_if_incomplete(db, item_id)


def _unfinish_if_incomplete(db, item_id: int) -> None:
    """A file found later (a motion video in a newer Takeout) makes an archived item
    incomplete again: it is not safe to offer until that file is verified too."""
    if db.execute("SELECT 1 FROM files WHERE item_id=? AND nas_sha256 IS NULL LIMIT 1", (item_id,)).fetchone():
        now = time.time()
        db.execute("UPDATE items SET nas_sha256=NULL, updated_at=? WHERE id=? AND nas_sha256 IS NOT NULL", (now, item_id))
        db.execute("UPDATE queue SET state='queued', updated_at=? WHERE item_id=? AND state IN ('archived', 'worksheet')",
                   (now, item_id))


def _set_content_hash(db, item_id: int, sha256: str) -> None:
    """The shown file's SHA-256, from its first full read."""
    rows = db.execute("SELECT role, name FROM files WHERE item_id=?", (item_id,)).fetchall()
    if rows:
        role, name = min(rows, key=lambda r: _role_order(r[0]))
        _fill_hash(db, item_id, role, name, sha256)


def _fill_hash(db, item_id: int, role: str, name: str, sha256: str) -> None:
    """A file's SHA-256 where none was known (never over a known one: a mismatch is a
    changed original, which the caller refuses); the shown file's is also the item's."""
    db.execute("UPDATE files SET sha256=? WHERE item_id=? AND role=? AND name=? AND sha256 IS NULL",
               (sha256, item_id, role, name))
    db.execute("UPDATE item_files SET sha256=? WHERE item_id=? AND role=? AND name=? AND sha256 IS NULL",
               (sha256, item_id, role, name))
    rows = db.execute("SELECT role, name FROM files WHERE item_id=?", (item_id,)).fetchall()
    if rows and tuple(min(rows, key=lambda r: _role_order(r[0]))) == (role, name):
        db.execute("UPDATE items SET sha256=? WHERE id=? AND sha256 IS NULL", (sha256, item_id))


def _finish_if_complete(db, item_id: int, now: float) -> bool:
    """Once every file is verified, the item is archived: its shown file's copy goes into
    the item row and a queued removal becomes safe to offer."""
    left = db.execute("SELECT count(*) FROM files WHERE item_id=? AND nas_sha256 IS NULL", (item_id,)).fetchone()[0]
    rows = db.execute("SELECT role, nas_path, nas_sha256, nas_size FROM files WHERE item_id=?", (item_id,)).fetchall()
    if left or not rows:
        return False
    shown = min(rows, key=lambda r: _role_order(r[0]))
    db.execute("UPDATE items SET nas_path=?, nas_sha256=?, nas_size=?, archived_at=?, updated_at=? WHERE id=?",
               (shown[1], shown[2], shown[3], now, now, item_id))
    db.execute("UPDATE queue SET state='archived', updated_at=? WHERE item_id=? AND state='queued'", (now, item_id))
    return True
