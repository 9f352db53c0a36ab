"""Reading a Google item's bytes: ids are stored, never URLs (a baseUrl lives 60
minutes), so a fresh baseUrl is asked for each time, and once more on a 403."""

from __future__ import annotations

import google_auth_httplib2

from photofs.sources.google.client import GoogleClient


def download(client: GoogleClient, media_id: str, video: bool = False) -> bytes:
    http = google_auth_httplib2.AuthorizedHttp(client.creds)
    items = client.service("photoslibrary").mediaItems()
    for attempt in (1, 2):
        base = client.call(items.get(mediaItemId=media_id))["baseUrl"]
        client.catalog.use_quota(client.today(), "bytes")
        resp, content = http.request(base + ("=dv" if video else "=d"), "GET")
        if resp.status == 200:
            return content
        if resp.status != 403:
            break
    raise OSError(f"Google would not hand over {media_id} ({resp.status})")


def batch_base_urls(client: GoogleClient, ids: list[str]) -> dict[str, str]:
    """Fresh baseUrls for many items, 50 ids per call."""
    out = {}
    items = client.service("photoslibrary").mediaItems()
    for i in range(0, len(ids), 50):
        answer = client.call(items.batchGet(mediaItemIds=ids[i:i + 50]))
        for result in answer.get("mediaItemResults", []):
            if "mediaItem" in result:
                out[result["mediaItem"]["id"]] = result["mediaItem"]["baseUrl"]
    return out


