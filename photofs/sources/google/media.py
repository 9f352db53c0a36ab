"""Reading a Google item's bytes: ids are stored, never URLs (a baseUrl lives 60
minutes), so a fresh baseUrl is asked for each time, and once more on a 403."""

from __future__ import annotations

import io
import time
from typing import BinaryIO

from photofs.sources.google.client import GoogleClient


FRESH_FOR = 50 * 60  # a baseUrl lives 60 minutes: use a prefetched one for 50


def open_download(client: GoogleClient, media_id: str, video: bool = False) -> BinaryIO:
    """The original as a stream (`=d`, or `=dv` for a video): a 4 GB video never sits in memory."""
    from google.auth.transport.requests import AuthorizedSession
    session = AuthorizedSession(client.creds)
    items = client.service("photoslibrary").mediaItems()
    status = None
    for attempt in (1, 2):
        cached = client.base_urls.pop(media_id, None)
        if attempt == 1 and cached and time.monotonic() - cached[1] < FRESH_FOR:
            base = cached[0]
        else:
            base = client.call(items.get(mediaItemId=media_id))["baseUrl"]
        client.byte_fetch()
        try:
            resp = session.get(base + ("=dv" if video else "=d"), stream=True, timeout=60)
        except Exception as e:  # requests' own errors: the network, not the item
            raise OSError(f"cannot reach Google for {media_id} ({type(e).__name__})") from None
        status = resp.status_code
        if status == 200:
            resp.raw.decode_content = True
            return _Body(resp)
        resp.close()
        if status != 403:  # an expired baseUrl answers 403: ask for a fresh one once
            break
    raise OSError(f"Google would not hand over {media_id} ({status})")


class _Body(io.RawIOBase):
    """A streamed HTTP body as a binary file, closing the response with it."""

    def __init__(self, resp):
        self._resp = resp

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._resp.raw.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._resp.close()
        super().close()


def prefetch(client: GoogleClient, ids: list[str]) -> None:
    """Fresh baseUrls for many items at 50 ids a call (instead of one call each)."""
    items = client.service("photoslibrary").mediaItems()
    for i in range(0, len(ids), 50):
        answer = client.call(items.batchGet(mediaItemIds=ids[i:i + 50]))
        now = time.monotonic()
        for result in answer.get("mediaItemResults", []):
            if "mediaItem" in result:
                client.base_urls[result["mediaItem"]["id"]] = (result["mediaItem"]["baseUrl"], now)


