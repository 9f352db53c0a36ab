"""Progress in the catalog: the daily activity behind the streak, reviewed weeks,
and the per-week figures the life-in-weeks grid is drawn from."""

from __future__ import annotations

import time


class ProgressStore:
    """Mixed into Catalog: it owns the connection and the transaction."""

    def record_activity(self, day: str, events: int = 1) -> None:
        if events <= 0:
            return
        with self.transaction() as db:
            db.execute("INSERT INTO activity (day, events) VALUES (?, ?) "
                       "ON CONFLICT (day) DO UPDATE SET events = events + excluded.events", (day, events))

    def active_days(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT day FROM activity WHERE events > 0")}

    def mark_reviewed(self, week: int) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO reviewed_weeks (week, reviewed_at) VALUES (?, ?)", (week, time.time()))

    def reviewed_weeks(self) -> set[int]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT week FROM reviewed_weeks")}

    def week_figures(self) -> dict[int, dict[str, int]]:
        """week -> counts: items, thumbnailed, archived (verified NAS copy), pending, removed."""
        sql = """
            SELECT i.week, count(*),
                   sum(i.state = 'thumbnailed'),
                   sum(i.nas_sha256 IS NOT NULL),
                   sum(q.state IN ('queued', 'archived', 'worksheet')),
                   sum(q.state = 'removed')
            FROM items i LEFT JOIN queue q ON q.item_id = i.id
            WHERE i.week IS NOT NULL AND i.state != 'missing' AND i.trashed = 0
            GROUP BY i.week"""
        with self._lock:
            return {r[0]: {"items": r[1], "thumbnailed": r[2] or 0, "archived": r[3] or 0, "pending": r[4] or 0,
                           "removed": r[5] or 0} for r in self._db.execute(sql)}

    def totals(self) -> dict[str, int]:
        with self._lock:
            archived = self._db.execute("SELECT count(*) FROM items WHERE nas_sha256 IS NOT NULL").fetchone()[0]
            freed = self._db.execute("SELECT coalesce(sum(i.size), 0) FROM items i JOIN queue q ON q.item_id = i.id "
                                     "WHERE q.state = 'removed'").fetchone()[0]
        return {"photos on the NAS": archived, "bytes freed in the cloud": freed}

    def quota_used(self, day: str, kind: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT used FROM quota WHERE day=? AND kind=?", (day, kind)).fetchone()
        return row[0] if row else 0

    def use_quota(self, day: str, kind: str, n: int = 1) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO quota (day, kind, used) VALUES (?, ?, ?) "
                       "ON CONFLICT (day, kind) DO UPDATE SET used = used + excluded.used", (day, kind, n))

    def job_get(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM job_state WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def job_set(self, name: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO job_state (name, value) VALUES (?, ?)", (name, value))
