"""A Google Photos emulator on 127.0.0.1: the only Google the tests ever see.

Built from the public REST reference of the Library API (photoslibrary v1) and
the Picker API (photospicker v1): mediaItems.search with dateFilter (dates and
ranges, zeros as wildcards, at most 5 of each; items without a capture time
never match), includeArchivedMedia, orderBy creation time, pageSize at most 100
and nextPageToken; mediaItems.get and batchGet (at most 50 ids); Picker sessions
(create, get with pollingConfig, delete) and mediaItems.list; baseUrls that take
`=wW-hH`, `=d`, `=dv` suffixes, need the bearer token and expire after 60
minutes (403); an OAuth token endpoint; Google's JSON error bodies. Tests can
inject faults (429, 500, a malformed body) and move the emulator's clock.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from PIL import Image

MAX_PAGE = 100
URL_LIFETIME = 3600


@dataclass
class Media:
    id: str
    filename: str
    created: dt.datetime | None
    content: bytes
    mime: str = "image/jpeg"
    width: int = 640
    height: int = 480
    make: str | None = "Google"
    model: str | None = "Pixel 7"
    archived: bool = False


@dataclass
class Session:
    id: str
    picked: list[str] = field(default_factory=list)
    done: bool = False


class Emulator:
    def __init__(self):
        self.media: dict[str, Media] = {}
        self.sessions: dict[str, Session] = {}
        self.faults: list = []          # statuses (or "malformed") for the next API requests
        self.clock_offset = 0.0
        self.requests: list[str] = []   # method + path of every API request, for the tests
        self.refresh_ok = True
        self.granted_scopes = ["https://www.googleapis.com/auth/photospicker.mediaitems.readonly",
                               "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata"]
        self._tokens = itertools.count(1)
        self._urls: dict[str, tuple[str, float]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.valid_tokens = {"initial-token"}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def now(self) -> float:
        return dt.datetime.now(dt.timezone.utc).timestamp() + self.clock_offset

    def add(self, media: Media) -> None:
        self.media[media.id] = media

    def client_secrets(self, path) -> str:
        path.write_text(json.dumps({"installed": {
            "client_id": "emulator-client", "client_secret": "emulator-secret", "project_id": "photofs-tests",
            "auth_uri": f"{self.url}/auth", "token_uri": f"{self.url}/token", "redirect_uris": ["http://localhost"]}}))
        return str(path)

    def token_file(self, path, refresh_token="good-refresh") -> str:
        path.write_text(json.dumps({"token": "initial-token", "refresh_token": refresh_token,
                                    "token_uri": f"{self.url}/token", "client_id": "emulator-client",
                                    "client_secret": "emulator-secret", "expiry": "2999-01-01T00:00:00Z"}))
        return str(path)

    # -- resources ---------------------------------------------------------------
    def media_json(self, m: Media) -> dict:
        token = f"u{next(self._tokens)}"
        self._urls[token] = (m.id, self.now() + URL_LIFETIME)
        meta = {"width": str(m.width), "height": str(m.height)}
        if m.created:
            meta["creationTime"] = m.created.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
        if m.mime.startswith("video/"):
            meta["video"] = {"status": "READY"}
        else:
            meta["photo"] = {k: v for k, v in (("cameraMake", m.make), ("cameraModel", m.model)) if v}
        return {"id": m.id, "filename": m.filename, "mimeType": m.mime, "mediaMetadata": meta,
                "productUrl": f"https://photos.google.com/lr/photo/{m.id}", "baseUrl": f"{self.url}/lh/{token}"}

    def search(self, body: dict) -> tuple[int, dict]:
        page_size = int(body.get("pageSize", 25) or 25)
        if page_size > MAX_PAGE or page_size < 0:
            return 400, _error(400, "INVALID_ARGUMENT", "pageSize must be at most 100")
        filters = body.get("filters") or {}
        date_filter = filters.get("dateFilter")
        if date_filter and (len(date_filter.get("dates", [])) > 5 or len(date_filter.get("ranges", [])) > 5):
            return 400, _error(400, "INVALID_ARGUMENT", "at most 5 dates and 5 ranges")
        if body.get("orderBy") and not date_filter:
            return 400, _error(400, "INVALID_ARGUMENT", "orderBy needs a dateFilter")
        items = [m for m in self.media.values() if filters.get("includeArchivedMedia") or not m.archived]
        if date_filter:
            items = [m for m in items if m.created and _matches(m.created.date(), date_filter)]
        descending = body.get("orderBy", "").endswith("desc")
        items.sort(key=lambda m: (m.created or dt.datetime.min.replace(tzinfo=dt.timezone.utc), m.id), reverse=descending)
        start = int(body.get("pageToken") or 0)
        page = items[start:start + page_size]
        out = {}
        if page:
            out["mediaItems"] = [self.media_json(m) for m in page]
        if start + page_size < len(items):
            out["nextPageToken"] = str(start + page_size)
        return 200, out

    # -- HTTP ---------------------------------------------------------------------
    def _handler(emu):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                auth = self.headers.get("Authorization", "")
                return auth.startswith("Bearer ") and auth[7:] in emu.valid_tokens

            def _body(self) -> dict:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n) or b"{}")

            def do_POST(self):
                if self.path == "/token":
                    return self._token()
                self._api("POST")

            def do_GET(self):
                if self.path.startswith("/lh/"):
                    return self._bytes()
                if self.path.startswith("/auth"):
                    return self._consent()
                self._api("GET")

            def _consent(self):
                """The user says yes: back to the app's loopback redirect with a code."""
                q = parse_qs(urlparse(self.path).query)
                target = (f"{q['redirect_uri'][0]}?code=emulator-code&state={q['state'][0]}"
                          f"&scope={q['scope'][0].replace(' ', '%20')}")
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_DELETE(self):
                self._api("DELETE")

            def _token(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(n).decode())
                if not emu.refresh_ok or form.get("refresh_token", [""])[0] == "revoked":
                    return self._send(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
                token = f"access-{next(emu._tokens)}"
                emu.valid_tokens.add(token)
                answer = {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
                if form.get("grant_type", [""])[0] == "authorization_code":
                    if form.get("code", [""])[0] != "emulator-code":
                        return self._send(400, {"error": "invalid_grant"})
                    answer["refresh_token"] = "good-refresh"
                    answer["scope"] = " ".join(emu.granted_scopes)
                self._send(200, answer)

            def _api(self, method):
                url = urlparse(self.path)
                emu.requests.append(f"{method} {url.path}")
                if emu.faults:
                    fault = emu.faults.pop(0)
                    if fault == "malformed":
                        return self._send(200, b'{"mediaItems": [ {"id": ')
                    return self._send(fault, _error(fault, "RESOURCE_EXHAUSTED" if fault == 429 else "INTERNAL", "injected"))
                if not self._authorized():
                    return self._send(401, _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
                q = parse_qs(url.query)
                path = url.path
                if method == "POST" and path == "/v1/mediaItems:search":
                    return self._send(*emu.search(self._body()))
                if method == "GET" and path == "/v1/mediaItems:batchGet":
                    ids = q.get("mediaItemIds", [])
                    if len(ids) > 50:
                        return self._send(400, _error(400, "INVALID_ARGUMENT", "at most 50 ids"))
                    results = [{"mediaItem": emu.media_json(emu.media[i])} if i in emu.media else
                               {"status": {"code": 5, "message": "NOT_FOUND"}} for i in ids]
                    return self._send(200, {"mediaItemResults": results})
                if method == "GET" and path.startswith("/v1/mediaItems/"):
                    m = emu.media.get(path.rsplit("/", 1)[1])
                    return self._send(200, emu.media_json(m)) if m else self._send(404, _error(404, "NOT_FOUND", "no such media item"))
                if method == "POST" and path == "/v1/sessions":
                    s = Session(f"s{next(emu._tokens)}")
                    emu.sessions[s.id] = s
                    return self._send(200, emu._session_json(s))
                if path.startswith("/v1/sessions/"):
                    s = emu.sessions.get(path.rsplit("/", 1)[1])
                    if s is None:
                        return self._send(404, _error(404, "NOT_FOUND", "no such session"))
                    if method == "DELETE":
                        del emu.sessions[s.id]
                        return self._send(200, {})
                    return self._send(200, emu._session_json(s))
                if method == "GET" and path == "/v1/mediaItems":
                    s = emu.sessions.get(q.get("sessionId", [""])[0])
                    if s is None or not s.done:
                        return self._send(400, _error(400, "FAILED_PRECONDITION", "the user has not picked yet"))
                    size = min(int(q.get("pageSize", ["25"])[0]), MAX_PAGE)
                    start = int(q.get("pageToken", ["0"])[0])
                    page = s.picked[start:start + size]
                    out = {"mediaItems": [emu._picked_json(emu.media[i]) for i in page]}
                    if start + size < len(s.picked):
                        out["nextPageToken"] = str(start + size)
                    return self._send(200, out)
                self._send(404, _error(404, "NOT_FOUND", f"no method {method} {path}"))

            def _bytes(self):
                token, _, suffix = self.path[4:].partition("=")
                if not self._authorized():
                    return self._send(403, b"forbidden", "text/plain")
                found = emu._urls.get(token)
                if found is None or emu.now() > found[1]:
                    return self._send(403, b"this URL has expired", "text/plain")
                m = emu.media[found[0]]
                if m.mime.startswith("video/") and suffix != "dv":
                    # As Google does: a video's baseUrl without `=dv` gives a still frame, never the video.
                    buf = io.BytesIO()
                    Image.new("RGB", (64, 36), (20, 20, 20)).save(buf, "JPEG")
                    return self._send(200, buf.getvalue(), "image/jpeg")
                if suffix.startswith("w") and "-h" in suffix:
                    w, h = (int(x) for x in suffix[1:].split("-h"))
                    img = _video_frame(m.content) if m.mime.startswith("video/") else Image.open(io.BytesIO(m.content))
                    img.thumbnail((w, h))
                    buf = io.BytesIO()
                    img.convert("RGB").save(buf, "JPEG")
                    return self._send(200, buf.getvalue(), "image/jpeg")
                self._send(200, m.content, m.mime)

        return Handler

    def _session_json(self, s: Session) -> dict:
        return {"id": s.id, "pickerUri": f"https://photos.google.com/picker/{s.id}",
                "pollingConfig": {"pollInterval": "0.05s", "timeoutIn": "30s"}, "mediaItemsSet": s.done}

    def _picked_json(self, m: Media) -> dict:
        full = self.media_json(m)
        return {"id": m.id, "createTime": full["mediaMetadata"].get("creationTime"),
                "type": "VIDEO" if m.mime.startswith("video/") else "PHOTO",
                "mediaFile": {"baseUrl": full["baseUrl"], "mimeType": m.mime, "filename": m.filename,
                              "mediaFileMetadata": {"width": m.width, "height": m.height, "cameraMake": m.make,
                                                    "cameraModel": m.model}}}


def _error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


def _matches(day: dt.date, date_filter: dict) -> bool:
    def fits(d, spec):
        return all(not spec.get(k) or getattr(d, k) == spec[k] for k in ("year", "month", "day"))

    def as_date(spec, end):
        y, m, d = spec.get("year", 0), spec.get("month", 0), spec.get("day", 0)
        if not m:
            return dt.date(y, 12 if end else 1, 31 if end else 1)
        if not d:
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            return nxt - dt.timedelta(days=1) if end else dt.date(y, m, 1)
        return dt.date(y, m, d)
    if any(fits(day, spec) for spec in date_filter.get("dates", [])):
        return True
    return any(as_date(r["startDate"], False) <= day <= as_date(r["endDate"], True) for r in date_filter.get("ranges", []))


def _video_frame(content: bytes) -> Image.Image:
    """What Google serves for a video's `=w-h`: a still of one of its frames."""
    import av
    with av.open(io.BytesIO(content)) as container:
        return next(container.decode(video=0)).to_image()
