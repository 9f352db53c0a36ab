"""Progress in the catalog: the daily activity behind the streak, reviewed weeks,
the per-week figures the life-in-weeks grid is drawn from, and how far the first
pass has got over the whole library, with the last runs' rates for its ETA."""

from __future__ import annotations

import json
import time

from photofs.domain.progress import FirstPass, Rate, Stage

# The first pass covers every item whose original can still be read and is wanted.
# `why` says why an item is left out, under the first reason that holds (so the counts
# add up): in error (the thumbnailer cannot read it), missing from its source, in
# Google's trash, or removed from the cloud at the user's word.
# Archiving reads every file of an item not yet verified on the NAS: the still or video,
# its motion video, both halves of a RAW + JPEG pair. The partial index files_unverified
# finds them: one index search per item left, none once it is archived. An item with a
# file of unknown size (a Google item before its download) has NULL archive bytes.
# One scan of items, no Python loop over them: the inner select is a co-routine, each
# row's `why` and archive bytes computed once (LIMIT -1 keeps SQLite from flattening it,
# which would compute them again in every sum): about 2 s at 10^6 items on a 2-core box.
FIRST_PASS_SQL = """
    SELECT sum(why IS NULL), sum(why IS NULL AND kind = 'photo'), sum(why IS NULL AND kind = 'video'),
           sum(why IS NULL AND kind = 'raw'),
           sum(why IS NULL AND state = 'thumbnailed'),
           total(CASE WHEN why IS NULL AND state = 'indexed' THEN size END),
           sum(why IS NULL AND state = 'indexed' AND size IS NULL),
           sum(why IS NULL AND archived),
           total(archive_bytes), sum(why IS NULL AND NOT archived AND archive_bytes IS NULL),
           sum(why = 'error'), sum(why = 'missing'), sum(why = 'trashed'), sum(why = 'removed')
    FROM (SELECT i.kind, i.state, i.size, i.nas_sha256 IS NOT NULL AS archived,
                 CASE WHEN i.state = 'error' THEN 'error' WHEN i.state = 'missing' THEN 'missing'
                      WHEN i.trashed THEN 'trashed'
                      WHEN i.id IN (SELECT item_id FROM queue WHERE state = 'removed') THEN 'removed' END AS why,
                 CASE WHEN i.nas_sha256 IS NULL AND i.state IN ('indexed', 'thumbnailed') AND NOT i.trashed
                      AND i.id NOT IN (SELECT item_id FROM queue WHERE state = 'removed') THEN
                     (SELECT CASE WHEN count(*) = count(f.size) THEN total(f.size) END
                      FROM files f WHERE f.item_id = i.id AND f.nas_sha256 IS NULL) END AS archive_bytes
          FROM items i LIMIT -1)"""
RATE_KEY = "rate:{job}"  # job_state key of the last measured run of a job (thumbs, archive)


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

    # -- the first pass -----------------------------------------------------------
    def first_pass(self) -> FirstPass:
        """How far thumbnails and verified NAS copies have got over every item, and the
        originals' bytes each still has to read."""
        with self._lock:
            row = [v or 0 for v in self._db.execute(FIRST_PASS_SQL).fetchone()]
        items, photos, videos, raws, thumbed, thumb_bytes, thumb_unknown, archived, archive_bytes, archive_unknown, \
            error, missing, trashed, removed = row
        return FirstPass(
            items=items, by_kind={"photo": photos, "video": videos, "raw": raws},
            thumbs=Stage(thumbed, items, int(thumb_bytes), thumb_unknown),
            archive=Stage(archived, items, int(archive_bytes), archive_unknown),
            left_out={"error": error, "missing": missing, "trashed": trashed, "removed": removed})

    def record_rate(self, job: str, photos: int, nbytes: int, seconds: float) -> None:
        """Remember how fast this run of `job` ("thumbs", "archive") went: `photos` done and
        `nbytes` of originals read in `seconds`. A run that did nothing keeps the last rate."""
        rate = Rate.of_run(photos, nbytes, seconds, time.time())
        if rate is not None:
            self.job_set(RATE_KEY.format(job=job), json.dumps(
                {"photos": photos, "bytes": nbytes, "seconds": seconds, "photos_per_s": rate.photos_per_s,
                 "bytes_per_s": rate.bytes_per_s, "at": rate.at}))

    def last_rate(self, job: str) -> Rate | None:
        """The rate record_rate stored for `job`, or None (never measured, or unreadable)."""
        value = self.job_get(RATE_KEY.format(job=job))
        try:
            d = json.loads(value) if value else None
            rate = Rate(float(d["photos_per_s"]), float(d["bytes_per_s"]), float(d["at"]))
        except (ValueError, TypeError, KeyError):
            return None
        return rate if rate.photos_per_s > 0 and rate.bytes_per_s >= 0 else None
