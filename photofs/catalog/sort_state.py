"""Sort state and the removal queue in the catalog: one transaction per user action."""

from __future__ import annotations

import time

from photofs.domain.sorting import PENDING, QueueState, SortChange


class SortStateStore:
    """Mixed into Catalog: it owns the connection and the transaction."""

    def load_sort_state(self) -> tuple[list[tuple[str, int, str]], list[tuple[str, str]], list[int]]:
        """(pins, user folders, ids still waiting to leave the cloud)."""
        with self._lock:
            pins = [tuple(r) for r in self._db.execute("SELECT view, item_id, folder FROM pins")]
            folders = [tuple(r) for r in self._db.execute("SELECT view, path FROM user_folders")]
            queued = [r[0] for r in self._db.execute(
                f"SELECT item_id FROM queue WHERE state IN ({','.join('?' * len(PENDING))})", [str(p) for p in PENDING])]
        return pins, folders, queued

    def apply_sort_change(self, change: SortChange) -> None:
        with self.transaction() as db:
            now = time.time()  # inside the transaction: commit order is timestamp order (index/saved.py)
            for view, old, new_view, new in change.folder_moves:
                _move_folder(db, view, old, new_view, new, now)
            for (view, item), folders in change.pins.items():
                db.execute("DELETE FROM pins WHERE view=? AND item_id=?", (view, item))
                db.executemany("INSERT INTO pins (view, item_id, folder) VALUES (?, ?, ?)",
                               [(view, item, f) for f in sorted(folders)])
            for item in change.queue_add:
                # An item already archived or on a worksheet keeps that progress.
                verified = db.execute("SELECT nas_sha256 IS NOT NULL FROM items WHERE id=?", (item,)).fetchone()
                state = QueueState.ARCHIVED if verified and verified[0] else QueueState.QUEUED
                db.execute("INSERT INTO queue (item_id, state, queued_at, updated_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (item_id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at "
                           "WHERE queue.state IN (?, ?)",
                           (item, str(state), now, now, str(QueueState.CANCELLED), str(QueueState.REMOVED)))
            for item in change.queue_remove:
                db.execute(f"UPDATE queue SET state=?, updated_at=? WHERE item_id=? AND state IN ({','.join('?' * len(PENDING))})",
                           (str(QueueState.CANCELLED), now, item, *[str(p) for p in PENDING]))
            db.executemany("UPDATE items SET week=?, week_source=?, updated_at=? WHERE id=?",
                           [(week, source, now, item) for item, (week, source) in change.weeks.items()])
            db.executemany("INSERT OR IGNORE INTO user_folders (view, path, created_at) VALUES (?, ?, ?)",
                           [(v, p, now) for v, p in sorted(change.folders_add)])
            db.executemany("DELETE FROM user_folders WHERE view=? AND path=?", sorted(change.folders_remove))

    def queue_rows(self) -> list[tuple[int, str, float, float | None]]:
        """(item id, state, queued_at, removed_at) of everything ever queued."""
        with self._lock:
            return [tuple(r) for r in self._db.execute(
                "SELECT item_id, state, queued_at, removed_at FROM queue ORDER BY queued_at, item_id")]

    def set_queue_state(self, ids: list[int], state: QueueState, only_from: tuple[QueueState, ...]) -> int:
        """Move items to `state`, only those now in one of `only_from`; returns how many moved."""
        marks = ",".join("?" * len(only_from))
        with self.transaction() as db:
            now = time.time()
            n = 0
            for item in ids:
                n += db.execute(f"UPDATE queue SET state=?, updated_at=?, removed_at=CASE WHEN ?='removed' THEN ? "
                                f"ELSE removed_at END WHERE item_id=? AND state IN ({marks})",
                                (str(state), now, str(state), now, item, *[str(s) for s in only_from])).rowcount
        return n

    def reset_sort(self, view: str | None = None, capture_weeks: dict[int, int | None] | None = None) -> int:
        """Drop the overrides (pins and user folders) of one view, or of all, and give
        the items in `capture_weeks` their capture week back; returns how many overrides."""
        where, args = ("WHERE view=?", (view,)) if view else ("", ())
        with self.transaction() as db:
            now = time.time()
            n = db.execute(f"DELETE FROM pins {where}", args).rowcount
            n += db.execute(f"DELETE FROM user_folders {where}", args).rowcount
            db.executemany("UPDATE items SET week=?, week_source='capture', updated_at=? WHERE id=?",
                           [(week, now, item) for item, week in (capture_weeks or {}).items()])
        return n

    def user_weeks(self) -> list[tuple[int, float | None]]:
        """(item id, capture time) of every item whose week the user chose."""
        with self._lock:
            return [tuple(r) for r in self._db.execute("SELECT id, taken_at FROM items WHERE week_source='user'")]


def _move_folder(db, view: str, old: str, new_view: str, new: str, now: float) -> None:
    """Rename a user folder and everything filed below it."""
    prefix = old + "/"
    rows = db.execute("SELECT path FROM user_folders WHERE view=? AND (path=? OR substr(path, 1, ?)=?)",
                      (view, old, len(prefix), prefix)).fetchall()
    for (path,) in rows:
        db.execute("DELETE FROM user_folders WHERE view=? AND path=?", (view, path))
        db.execute("INSERT OR IGNORE INTO user_folders (view, path, created_at) VALUES (?, ?, ?)",
                   (new_view, new + path[len(old):], now))
    pins = db.execute("SELECT item_id, folder FROM pins WHERE view=? AND (folder=? OR substr(folder, 1, ?)=?)",
                      (view, old, len(prefix), prefix)).fetchall()
    for item, folder in pins:
        db.execute("DELETE FROM pins WHERE view=? AND item_id=? AND folder=?", (view, item, folder))
        db.execute("INSERT OR IGNORE INTO pins (view, item_id, folder) VALUES (?, ?, ?)",
                   (new_view, item, new + folder[len(old):]))
