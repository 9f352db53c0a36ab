"""One user's library folder: settings, catalog, thumbnail cache, credentials."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from photofs.catalog import Catalog
from photofs.catalog.store import CATALOG_FILE
from photofs.errors import NoLibrary, PhotofsError
from photofs.imaging.thumbstore import ThumbStore
from photofs.settings import SETTINGS_FILE, Settings
from photofs.sources import read_original
from photofs.sources.registry import open_file
from photofs.sources.takeout.tar_index import keep_indexes_in


class LibraryFolder:
    def __init__(self, path: Path | str):
        self.path = Path(path).expanduser().absolute()
        if not (self.path / SETTINGS_FILE).is_file():
            raise NoLibrary(self.path)
        self.settings = Settings.load(self.path)
        self.calendar = self.settings.calendar()
        keep_indexes_in(self.index_path / "parts")  # where a .tgz part's members start (a seek, not a scan)

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
                          self.read_original, self.open_original, lambda item: self.catalog.files(item.id))

    def read_original(self, item) -> bytes:
        """The bytes of the item's shown file (a still, bounded), wherever a copy of it is."""
        return read_original(self, item, self.catalog.files(item.id))

    def open_file(self, item, f):
        """A stream of one file of an item (see sources/registry.py)."""
        return open_file(self, item, f)

    def open_original(self, item):
        """The shown file as a seekable binary file (see `open_seekable`)."""
        return open_seekable(self, item, self.catalog.files(item.id))

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


@contextmanager
def open_seekable(lib, item, files):
    """The item's shown file as a seekable binary file (videos are read a few frames at a time):
    streamed from its place; a stream that cannot seek (a Google download) is spooled,
    in memory up to 64 MB and on disk beyond. `lib` may be None where no Google item is read
    (a worker of the thumbnail pool)."""
    if not files:
        raise OSError(f"item {item.id}: no recorded file")
    stream = open_file(lib, item, files[0])
    try:
        if stream.seekable():
            yield stream
            return
        with tempfile.SpooledTemporaryFile(max_size=64 * 2**20) as spool:
            shutil.copyfileobj(stream, spool, 1 << 20)
            spool.seek(0)
            yield spool
    finally:
        stream.close()

