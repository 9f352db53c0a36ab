"""`photofs scan`: the week-by-week walk over the Library API, from the birth week.

Since 2025-03-31 the Library API returns only media items this app created, so
this finds what photofs (or the user through photofs) uploaded; Takeout and
`pick` bring in an existing library. The walk first asks for the oldest item
(one search ordered by capture time), then pages through `mediaItems.search`
with one date range per batch of weeks (fewer calls than a week per call),
archived media included. The next week to scan is stored after each batch, so a
killed scan resumes there; when the day's quota is spent it stops cleanly and
resumes the next day.
"""

from __future__ import annotations

import datetime as dt

from photofs.domain.items import Item, ItemState, TimeSource
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.google.client import GoogleClient, QuotaSpent

SOURCE = "library"
STATE = "scan.next_week"
BATCH_WEEKS = 4


def _date(day: dt.date) -> dict:
    return {"year": day.year, "month": day.month, "day": day.day}


def _search(client: GoogleClient, body: dict) -> dict:
    return client.call(client.service("photoslibrary").mediaItems().search(body=body))


def oldest_week(lib: LibraryFolder, client: GoogleClient) -> int | None:
    cal = lib.calendar
    today = dt.datetime.now(cal.tz).date()
    body = {"pageSize": 1, "orderBy": "MediaMetadata.creation_time",
            "filters": {"includeArchivedMedia": True, "dateFilter": {"ranges": [
                {"startDate": _date(cal.monday_of_week(0)), "endDate": _date(today)}]}}}
    items = _search(client, body).get("mediaItems", [])
    if not items:
        return None
    return max(0, cal.week_of_timestamp(_timestamp(items[0]["mediaMetadata"]["creationTime"])))


def scan(lib: LibraryFolder, client: GoogleClient, from_week: int | None = None, to_week: int | None = None) -> JobSummary:
    summary = JobSummary("scan")
    cal = lib.calendar
    cat = lib.catalog
    last = cal.current_week()
    to_week = last if to_week is None else min(to_week, last)
    try:
        if from_week is None:
            stored = cat.job_get(STATE)
            from_week = int(stored) if stored is not None else oldest_week(lib, client)
            if from_week is None:
                summary.problem("Library API", "has no photos created by photofs; use import-takeout or pick for an existing library")
                return summary
        week = from_week
        while week <= to_week:
            end = min(week + BATCH_WEEKS - 1, to_week)
            rng = {"startDate": _date(cal.monday_of_week(week)),
                   "endDate": _date(cal.monday_of_week(end) + dt.timedelta(days=6))}
            token = None
            while True:
                body = {"pageSize": 100, "filters": {"dateFilter": {"ranges": [rng]}, "includeArchivedMedia": True}}
                if token:
                    body["pageToken"] = token
                page = _search(client, body)
                _index(lib, page.get("mediaItems", []), summary)
                token = page.get("nextPageToken")
                if not token:
                    break
            summary.counts["weeks scanned"] += end - week + 1
            week = end + 1
            cat.job_set(STATE, str(week))
    except QuotaSpent as e:
        summary.counts["stopped for today"] = 1
        summary.problem("quota", str(e))
    return summary


def _timestamp(rfc3339: str) -> float:
    return dt.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def _index(lib: LibraryFolder, media: list[dict], summary: JobSummary) -> None:
    cat, cal = lib.catalog, lib.calendar
    new = []
    known = cat.known_members(SOURCE)
    for m in media:
        if cat.get_by_source(SOURCE, m["id"]) is not None or m["id"] in known:
            summary.counts["already indexed"] += 1
            continue
        meta = m.get("mediaMetadata", {})
        photo = meta.get("photo") or {}
        item = Item(source=SOURCE, source_id=m["id"], original_name=m.get("filename") or m["id"],
                    mime=m.get("mimeType"), url=m.get("productUrl"), description=m.get("description"),
                    kind="video" if "video" in meta else "photo", state=ItemState.INDEXED,
                    width=int(meta["width"]) if meta.get("width") else None,
                    height=int(meta["height"]) if meta.get("height") else None,
                    make=photo.get("cameraMake"), model=photo.get("cameraModel"))
        if meta.get("creationTime"):
            item.taken_at, item.time_source = _timestamp(meta["creationTime"]), TimeSource.SIDECAR
            item.week = cal.week_of_timestamp(item.taken_at)
        twin = cat.same_photo(item.original_name, item.taken_at, SOURCE)
        if twin is not None:  # already here from a Takeout: one photo, one more place it lives
            cat.add_files(twin.id, [("google", SOURCE, m["id"], None)])
            summary.counts["matched a Takeout item"] += 1
            continue
        new.append(item)
    cat.upsert_many(new)
    summary.counts["new"] += len(new)
