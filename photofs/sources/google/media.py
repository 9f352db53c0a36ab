"""Reading a Google item's bytes: ids are stored, never URLs (a baseUrl lives 60
minutes), so a fresh baseUrl is asked for each time, and once more on a 403."""

from __future__ import annotations

import time

import google_auth_httplib2

from photofs.sources.google.client import GoogleClient


FRESH_FOR = 50 * 60  # a baseUrl lives 60 minutes: use a prefetched one for 50


def download(client: GoogleClient, media_id: str, video: bool = False) -> bytes:
    http = google_auth_httplib2.AuthorizedHttp(client.creds)
    items = client.service("photoslibrary").mediaItems()
    for attempt in (1, 2):
        cached = client.base_urls.pop(media_id, None)
        if attempt == 1 and cached and time.monotonic() - cached[1] < FRESH_FOR:
            base = cached[0]
        else:
            base = client.call(items.get(mediaItemId=media_id))["baseUrl"]
        client.byte_fetch()
        resp, content = http.request(base + ("=dv" if video else "=d"), "GET")
        if resp.status == 200:
            return content
        if resp.status != 403:
            break
    raise OSError(f"Google would not hand over {media_id} ({resp.status})")


def prefetch(client: GoogleClient, ids: list[str]) -> None:
    """Fresh baseUrls for many items at 50 ids a call (instead of one call each)."""
    items = client.service("photoslibrary").mediaItems()
    for i in range(0, len(ids), 50):
        answer = client.call(items.batchGet(mediaItemIds=ids[i:i + 50]))
        now = time.monotonic()
        for result in answer.get("mediaItemResults", []):
            if "mediaItem" in result:
                client.base_urls[result["mediaItem"]["id"]] = (result["mediaItem"]["baseUrl"], now)


