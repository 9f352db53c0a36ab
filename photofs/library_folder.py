"""One user's library folder: settings, catalog, thumbnail cache, credentials."""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from photofs.catalog import Catalog
from photofs.catalog.store import CATALOG_FILE
from photofs.errors import PhotofsError
from photofs.imaging.thumbstore import ThumbStore
from photofs.settings import SETTINGS_FILE, Settings
from photofs.sources import read_original


class LibraryFolder:
    def __init__(self, path: Path | str):
        self.path = Path(path).expanduser().absolute()
        if not (self.path / SETTINGS_FILE).is_file():
            raise PhotofsError(f"{self.path} is not a photofs library (no {SETTINGS_FILE}); run `photofs init {self.path} --birth YYYY-MM-DD` first")
        self.settings = Settings.load(self.path)
        self.calendar = self.settings.calendar()

    @classmethod
    def create(cls, path: Path | str, settings: Settings) -> "LibraryFolder":
        path = Path(path).expanduser().absolute()
        if (path / SETTINGS_FILE).exists():
            raise PhotofsError(f"{path} is already a photofs library; its settings are in {path / SETTINGS_FILE}")
        if path.exists() and not path.is_dir():
            raise PhotofsError(f"{path} exists and is not a folder")
        settings.validate()
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / "cache").mkdir(exist_ok=True)
            (path / "credentials").mkdir(mode=0o700, exist_ok=True)
            os.chmod(path / "credentials", 0o700)
            settings.save(path)
        except OSError as e:
            raise PhotofsError(f"cannot create library at {path}: {e.strerror or e}") from None
        lib = cls(path)
        lib.catalog  # creates catalog.sqlite with the current schema
        return lib

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.path / CATALOG_FILE)

    @cached_property
    def thumbs(self) -> ThumbStore:
        s = self.settings
        return ThumbStore(self.path / "cache", s.cache_size_mb, s.thumbnail_size, s.max_pixels, self.calendar.tz,
                          self.read_original, self.open_original)

    def read_original(self, item) -> bytes:
        """An original's bytes, wherever its source keeps them."""
        return read_original(item, self.catalog.files_of(item.id) if item.source == "takeout" else [], self.google)

    @contextmanager
    def open_original(self, item):
        """An original as a seekable binary file (videos are read this way, a few frames at a time).
        For now the bytes in memory; streaming from each source replaces this."""
        with io.BytesIO(self.read_original(item)) as fp:
            yield fp

    def prefetch_originals(self, items) -> None:
        """Before reading many Google items: their fresh URLs in batches of 50."""
        ids = [i.source_id for i in items if i.source == "library"]
        if ids:
            from photofs.sources.google.media import prefetch
            prefetch(self.google(), ids)

    def google(self):
        """A Google client with the stored login (and the configured endpoint)."""
        if "_google" not in self.__dict__:
            from photofs.sources.google.client import GoogleClient, load_credentials
            endpoint = self.settings.google_api_endpoint or None
            creds = load_credentials(self.path / "credentials" / "token.json", endpoint)
            self.__dict__["_google"] = GoogleClient(creds, self.catalog, endpoint)
        return self.__dict__["_google"]

    @property
    def index_path(self) -> Path:
        """The saved snapshot (index/saved.py): regenerable, like cache/."""
        return self.path / "index"

    @property
    def log_path(self) -> Path:
        return self.path / "photofs.log"

    def close(self) -> None:
        for name in ("catalog", "thumbs"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()
