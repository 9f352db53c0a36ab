"""`photofs pick`: choose photos in Google Photos' own picker, and index them.

Creates a Picker session, prints its pickerUri (and opens a browser when asked),
polls at the server's pollInterval until the user is done (mediaItemsSet) or the
session times out (timeoutIn), pages through the picked items, indexes them and
fetches `=w256-h256` images for their thumbnails with the bearer token, then
deletes the session. Picked items can only be read while their session lives, so
thumbnails are made now. A baseUrl that has expired (403) is renewed by listing
the session again, once. An interrupted pick resumes the same session next time.
"""

from __future__ import annotations

import datetime as dt
import time
import webbrowser

import google_auth_httplib2

from photofs.domain.items import Item, ItemState, TimeSource
from photofs.errors import PhotofsError
from photofs.imaging.decode import BadImage
from photofs.jobs.summary import JobSummary
from photofs.library_folder import LibraryFolder
from photofs.sources.google.client import GoogleClient

SOURCE = "picker"
STATE = "pick.session"


def _seconds(duration: str | None, default: float) -> float:
    try:
        return float(str(duration).rstrip("s"))
    except (TypeError, ValueError):
        return default


def pick(lib: LibraryFolder, client: GoogleClient, open_browser: bool = False, say=print) -> JobSummary:
    summary = JobSummary("pick")
    sessions = client.service("photospicker").sessions()
    session = None
    stored = lib.catalog.job_get(STATE)
    if stored:
        try:
            session = client.call(sessions.get(sessionId=stored))
            say(f"resuming the pick started earlier: {session['pickerUri']}")
        except PhotofsError:
            session = None  # gone (expired or deleted): start again
    if session is None:
        session = client.call(sessions.create(body={}))
        lib.catalog.job_set(STATE, session["id"])
        say(f"Choose your photos in Google Photos, then come back:\n{session['pickerUri']}")
        if open_browser:
            webbrowser.open(session["pickerUri"])
    deadline = time.monotonic() + _seconds(session.get("pollingConfig", {}).get("timeoutIn"), 1800)
    while not session.get("mediaItemsSet"):
        if time.monotonic() > deadline:
            _close(lib, client, session["id"])
            raise PhotofsError("nothing was picked before the picker session timed out; run photofs pick again")
        time.sleep(_seconds(session.get("pollingConfig", {}).get("pollInterval"), 5))
        session = client.call(sessions.get(sessionId=session["id"]))
    http = google_auth_httplib2.AuthorizedHttp(client.creds)
    for picked in _picked(client, session["id"]):
        _index(lib, client, http, session["id"], picked, summary)
    _close(lib, client, session["id"])
    return summary


def _picked(client: GoogleClient, session_id: str):
    items = client.service("photospicker").mediaItems()
    token = None
    while True:
        page = client.call(items.list(sessionId=session_id, pageSize=100, pageToken=token))
        yield from page.get("mediaItems", [])
        token = page.get("nextPageToken")
        if not token:
            return


def _close(lib: LibraryFolder, client: GoogleClient, session_id: str) -> None:
    try:
        client.call(client.service("photospicker").sessions().delete(sessionId=session_id))
    except PhotofsError:
        pass  # already gone
    lib.catalog.job_set(STATE, "")


def _index(lib, client, http, session_id: str, picked: dict, summary: JobSummary) -> None:
    cat = lib.catalog
    if (old := cat.get_by_source(SOURCE, picked["id"])) is not None and old.state == ItemState.THUMBNAILED:
        summary.counts["already indexed"] += 1
        return
    media = picked.get("mediaFile", {})
    meta = media.get("mediaFileMetadata", {})
    item = Item(source=SOURCE, source_id=picked["id"], original_name=media.get("filename") or picked["id"],
                mime=media.get("mimeType"), kind="video" if picked.get("type") == "VIDEO" else "photo",
                width=meta.get("width"), height=meta.get("height"), make=meta.get("cameraMake"),
                model=meta.get("cameraModel"), state=ItemState.INDEXED)
    if picked.get("createTime"):
        item.taken_at = dt.datetime.fromisoformat(picked["createTime"].replace("Z", "+00:00")).timestamp()
        item.time_source = TimeSource.SIDECAR
        item.week = lib.calendar.week_of_timestamp(item.taken_at)
    twin = cat.same_photo(item.original_name, item.taken_at, SOURCE)
    if twin is not None:  # already here (a Takeout, a scan): one photo
        cat.add_files(twin.id, [("google", SOURCE, picked["id"], None)])
        summary.counts["matched an item already here"] += 1
        return
    cat.upsert(item)
    summary.counts["new"] += 1
    # A video's `=w-h` is a still of its frame: enough for the thumbnail, without its bytes.
    data = _fetch(client, http, session_id, picked, media.get("baseUrl", ""), "=w256-h256")
    try:
        if item.kind == "video":
            jpeg, thumb = lib.thumbs.make(item, frame=data)
        else:
            jpeg, thumb = lib.thumbs.make(item, original=data)
    except BadImage as e:
        cat.set_error(item.id, str(e))
        summary.problem(item.original_name, str(e))
        return
    cat.set_thumbnail(item.id, thumb.phash, len(jpeg), thumb.dihedral, thumb.histogram, thumb.frames)
    summary.counts["thumbnails"] += 1


def _fetch(client, http, session_id: str, picked: dict, base_url: str, suffix: str) -> bytes:
    """A baseUrl's bytes; an expired URL (403) is renewed by listing the session again, once."""
    for attempt in (1, 2):
        client.byte_fetch()
        resp, content = http.request(base_url + suffix, "GET")
        if resp.status == 200:
            return content
        if resp.status == 403 and attempt == 1:
            fresh = next((p for p in _picked(client, session_id) if p["id"] == picked["id"]), None)
            if fresh is None:
                break
            base_url = fresh["mediaFile"]["baseUrl"]
            continue
        break
    raise PhotofsError(f"cannot fetch {picked.get('mediaFile', {}).get('filename', picked['id'])} from Google ({resp.status})")
