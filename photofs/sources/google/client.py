"""Clients for the Photos Library and Picker APIs, built from the discovery
documents shipped with photofs (google-api-python-client does not ship them).

Retries: `execute(num_retries=...)` backs off exponentially with jitter on 429
and 5xx. Quota: every call is counted per Pacific-time day (Google's reset) in
the catalog; when the day's 10,000 calls are spent, work stops with a clear
message and resumes the next day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import google.auth.exceptions
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from photofs.catalog import Catalog
from photofs.errors import PhotofsError, QuotaSpent

DISCOVERY = Path(__file__).parent / "discovery"
LIBRARY_SCOPE = "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata"
PICKER_SCOPE = "https://www.googleapis.com/auth/photospicker.mediaitems.readonly"
SCOPES = [PICKER_SCOPE, LIBRARY_SCOPE]  # the narrowest that do the job
DAILY_CALLS = 10_000
DAILY_BYTE_FETCHES = 75_000
RETRIES = 6
PACIFIC = ZoneInfo("America/Los_Angeles")


def load_credentials(token_file: Path, endpoint: str | None = None) -> Credentials:
    """An authorized-user JSON (what google-auth writes, and `photofs login` saves).
    With another API endpoint (an emulator), tokens are refreshed there too:
    google-auth otherwise always refreshes at Google."""
    try:
        creds = Credentials.from_authorized_user_file(str(token_file), SCOPES)
        if endpoint:
            info = json.loads(Path(token_file).read_text())
            creds = Credentials(token=info.get("token"), refresh_token=info.get("refresh_token"),
                                token_uri=endpoint.rstrip("/") + "/token", client_id=info.get("client_id"),
                                client_secret=info.get("client_secret"), scopes=SCOPES, expiry=creds.expiry)
        return creds
    except FileNotFoundError:
        raise PhotofsError(f"no Google login at {token_file}: run `photofs login` first (or pass --token-file)") from None
    except (ValueError, json.JSONDecodeError, KeyError) as e:
        raise PhotofsError(f"{token_file} is not an authorized-user token ({e}); run `photofs login` again") from None


def save_credentials(creds: Credentials, token_file: Path) -> None:
    """Saved with mode 0600; the token is never printed or logged."""
    token_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(creds.to_json())
    os.chmod(token_file, 0o600)


def login(client_secrets: Path, token_file: Path, open_browser: bool = True) -> Credentials:
    """The installed-app flow: consent in a browser, a code back on a loopback port."""
    from google_auth_oauthlib.flow import InstalledAppFlow
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), SCOPES)
    except FileNotFoundError:
        raise PhotofsError(f"{client_secrets}: no such file; download the OAuth client (Desktop app) JSON "
                           "from the Google Cloud console") from None
    except (ValueError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
        raise PhotofsError(f"{client_secrets} is not an OAuth client secrets file ({type(e).__name__}: {e})") from None
    try:
        creds = flow.run_local_server(port=0, open_browser=open_browser,
                                      authorization_prompt_message="Open this page to let photofs read your photos:\n{url}",
                                      success_message="photofs is logged in; you can close this tab.")
    except Exception as e:  # oauthlib raises many kinds; each is a refused or broken consent
        raise PhotofsError(f"the Google login did not complete ({type(e).__name__}: {e})") from None
    save_credentials(creds, token_file)
    return creds


class GoogleClient:
    def __init__(self, creds: Credentials, catalog: Catalog, endpoint: str | None = None,
                 daily_calls: int = DAILY_CALLS, daily_bytes: int = DAILY_BYTE_FETCHES):
        self.creds, self.catalog, self.endpoint, self.daily_calls = creds, catalog, endpoint, daily_calls
        self.daily_bytes = daily_bytes
        self._services = {}
        self.base_urls: dict[str, tuple[str, float]] = {}  # id -> (baseUrl, when fetched), from batchGet

    def service(self, name: str):
        if name not in self._services:
            doc = (DISCOVERY / f"{name}_v1.json").read_text()
            options = {"api_endpoint": self.endpoint.rstrip("/") + "/"} if self.endpoint else None
            self._services[name] = build_from_document(doc, credentials=self.creds, client_options=options)
        return self._services[name]

    def today(self) -> str:
        return dt.datetime.now(PACIFIC).date().isoformat()

    def byte_fetch(self) -> None:
        """Count one media-bytes request (a baseUrl fetch); refuse when today's are spent."""
        day = self.today()
        if self.catalog.quota_used(day, "bytes") >= self.daily_bytes:
            raise QuotaSpent(f"today's Google media quota ({self.daily_bytes:,} downloads) is spent; run again "
                             "tomorrow (Pacific time), it resumes where it stopped")
        self.catalog.use_quota(day, "bytes")

    def call(self, request) -> dict:
        """Execute one API request: counted, retried, and every failure one clear message."""
        day = self.today()
        if self.catalog.quota_used(day, "calls") >= self.daily_calls:
            raise QuotaSpent(f"today's Google API quota ({self.daily_calls:,} calls) is spent; run again tomorrow "
                             "(Pacific time), it resumes where it stopped")
        self.catalog.use_quota(day, "calls")
        try:
            result = request.execute(num_retries=RETRIES)
        except google.auth.exceptions.RefreshError:
            raise PhotofsError("Google refused to refresh the login (revoked or expired); run `photofs login`") from None
        except google.auth.exceptions.TransportError as e:
            raise PhotofsError(f"cannot reach Google to refresh the login ({e}); check the network") from None
        except HttpError as e:
            status = e.resp.status
            if status == 401:
                raise PhotofsError("Google did not accept the login; run `photofs login`") from None
            if status == 429:
                raise PhotofsError("Google keeps saying slow down (429) after retries; try again later") from None
            if status >= 500:
                raise PhotofsError(f"Google's server failed ({status}) after {RETRIES} retries; try again later") from None
            raise PhotofsError(f"Google refused the request ({status}: {_reason(e)})") from None
        except (ValueError, json.JSONDecodeError):
            raise PhotofsError("Google sent an answer that is not valid JSON; try again later") from None
        except (httplib2.HttpLib2Error, OSError) as e:
            raise PhotofsError(f"cannot reach Google ({e}); check the network") from None
        if not isinstance(result, dict):  # the client hands back a body it could not parse as it came
            raise PhotofsError("Google sent an answer that is not valid JSON; try again later")
        return result


def _reason(e: HttpError) -> str:
    try:
        return json.loads(e.content.decode())["error"]["message"]
    except Exception:
        return e.resp.reason or "no reason given"
