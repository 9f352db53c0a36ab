"""photofs.toml: the library's settings, read and written as TOML."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from photofs.domain.weeks import LifeCalendar
from photofs.errors import PhotofsError

SETTINGS_FILE = "photofs.toml"


@dataclass
class Settings:
    birth_date: str                     # YYYY-MM-DD
    time_zone: str = "UTC"              # IANA name; life weeks are counted in it
    nas_path: str = ""                  # where `archive` puts originals ("" = not set yet)
    thumbnail_size: int = 256           # long side in pixels
    similarity_threshold: int = 10      # Hamming distance for near-duplicates (0..32)
    similar_flips: bool = True          # also match mirrored and rotated copies
    cache_size_mb: int = 2048           # bound of cache/ (thumbnails); anything in it can be remade
    folder_limit: int = 2000            # no folder in the mount lists more entries than this
    max_pixels: int = 200_000_000       # larger images are refused as decompression bombs
    google_api_endpoint: str = ""       # another host for the Google APIs ("" = Google's own)
    cluster_address: str = ""           # a Dask scheduler for `thumbs` (photofs[cluster]; "" = this machine's cores)

    def calendar(self) -> LifeCalendar:
        return LifeCalendar(parse_birth(self.birth_date), parse_zone(self.time_zone))

    def validate(self) -> None:
        self.calendar()
        for name in ("thumbnail_size", "similarity_threshold", "cache_size_mb", "folder_limit", "max_pixels"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "similarity_threshold" else 1):
                raise PhotofsError(f"{SETTINGS_FILE}: {name} must be a whole number (at least 1, or 0 for similarity_threshold), got {value!r}")
        for name in ("google_api_endpoint", "cluster_address"):
            if not isinstance(getattr(self, name), str):
                raise PhotofsError(f"{SETTINGS_FILE}: {name} must be text, got {getattr(self, name)!r}")
        if not isinstance(self.similar_flips, bool):
            raise PhotofsError(f"{SETTINGS_FILE}: similar_flips must be true or false, got {self.similar_flips!r}")
        if self.similarity_threshold > 32:
            raise PhotofsError(f"{SETTINGS_FILE}: similarity_threshold must be at most 32, got {self.similarity_threshold}")
        if not 32 <= self.thumbnail_size <= 2048:
            raise PhotofsError(f"{SETTINGS_FILE}: thumbnail_size must be between 32 and 2048, got {self.thumbnail_size}")
        if self.folder_limit < 10:
            raise PhotofsError(f"{SETTINGS_FILE}: folder_limit must be at least 10, got {self.folder_limit}")

    def save(self, library: Path) -> None:
        self.validate()
        path = library / SETTINGS_FILE
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text("# photofs library settings\n" + tomli_w.dumps(asdict(self)))
        tmp.replace(path)

    @classmethod
    def load(cls, library: Path) -> "Settings":
        path = library / SETTINGS_FILE
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise PhotofsError(f"{library} is not a photofs library (no {SETTINGS_FILE}); run `photofs init` first") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise PhotofsError(f"{path}: not valid TOML ({e})") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PhotofsError(f"{path}: unknown setting {unknown[0]!r}")
        if "birth_date" not in data:
            raise PhotofsError(f"{path}: birth_date is missing")
        settings = cls(**data)
        settings.validate()
        return settings


def parse_birth(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise PhotofsError(f"birth date must be YYYY-MM-DD, got {text!r}") from None


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise PhotofsError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None
