"""What a Takeout's folders say: where the Photos folder is, and what each folder below it is.

- **The Photos folder** has a name in the account's language (`Google Photos`,
  `Google Fotos`, `Fotky Google`, `Google Фото`, ...). It is the folder below
  `Takeout/` that is known by name or looks like one (year folders, or folders of
  media with JSON sidecars), so a language nobody listed works too.
- **Entry level.** A path given to import-takeout may be a zip part or an unpacked
  folder at any level: the folder holding `Takeout/`, `Takeout/` itself, the Photos
  folder, or one album or year folder. Members are placed below the Photos folder
  the same way whichever was given, so parts given at different levels merge.
- **Folders below it** (FolderKind): an album (it has album metadata, recognised by
  content, whatever its file name), a year folder ("Photos from 2019" in any
  language: a short phrase with a year and no other digits, and no album
  metadata), Trash, Archive, Locked folder, "Failed Videos", or an album named by
  its folder (no metadata).
- Which files are one item (motion photos, Live Photos, RAW + JPEG) is the same
  rule for every source: domain/media.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from photofs.domain.media import kind_of

# The Photos folder as exports name it (lower case); others are found by their content.
PHOTOS_FOLDERS = {"google photos", "google fotos", "google foto", "google photos-backup", "fotky google",
                  "google фото", "google снимки", "zdjęcia google", "google fotoğraflar", "google fotók",
                  "google 相簿", "google 相册", "google フォト", "google 포토", "google ফটো", "google φωτογραφίες",
                  "google תמונות", "google صور"}
# Special folders below it, as Google localizes them (lower case).
TRASH = {"trash", "bin", "papierkorb", "corbeille", "papelera", "cestino", "prullenbak", "lixeira", "корзина",
         "kosz", "回收站", "ゴミ箱", "paperera", "kôš", "koš"}
ARCHIVE = {"archive", "archiv", "archives", "archivo", "archivio", "archief", "arquivo", "архив", "archiwum",
           "档案", "アーカイブ", "arxiu"}
LOCKED = {"locked folder"}
FAILED = {"failed videos"}
_YEAR_FOLDER = re.compile(r"^\D{0,40}?(?<!\d)(18|19|20)\d{2}(?!\d)\D{0,20}$")


class FolderKind:
    ROOT, ALBUM, YEAR, TRASH, ARCHIVE, LOCKED, FAILED = (
        "root", "album", "year", "trash", "archive", "locked", "failed videos")


def folder_kind(folder: str, has_album_metadata: bool) -> str:
    """What a folder below the Photos folder is (see the module's text)."""
    if not folder:
        return FolderKind.ROOT
    if has_album_metadata:
        return FolderKind.ALBUM
    name = folder.rsplit("/", 1)[-1].strip().lower()
    for names, kind in ((TRASH, FolderKind.TRASH), (ARCHIVE, FolderKind.ARCHIVE), (LOCKED, FolderKind.LOCKED),
                        (FAILED, FolderKind.FAILED)):
        if name in names:
            return kind
    return FolderKind.YEAR if is_year_folder(name) else FolderKind.ALBUM


def is_year_folder(folder: str) -> bool:
    return bool(_YEAR_FOLDER.match(folder.rsplit("/", 1)[-1]))


class PhotosTree:
    """Where the Photos folder is in every part given, and each member's place below it.

    Built from the member names of all parts at once: a part may hold only the media of
    a folder whose sidecars are in another part, and still be known by them."""

    def __init__(self, parts: Iterable[tuple[str, str, list[str]]]):
        """`parts`: (a key for the part, its own name, its member names) for every part given."""
        self._entry: dict[str, tuple[str, str]] = {}
        evidence: dict[str, set[str]] = defaultdict(set)   # product folder -> what its folders hold
        for key, own, names in parts:
            self._entry[key] = (_entry_level(names), own)
            for name in names:
                rel = self._relative(key, name.split("/"))
                if rel is not None and rel[0] is not None and len(rel) == 3:  # product/folder/file
                    seen = evidence[rel[0]]
                    seen.add("json" if name.lower().endswith(".json") else "media" if kind_of(rel[2]) else "other")
                    if is_year_folder(rel[1]):
                        seen.add("year")
        self.photos = {p for p, seen in evidence.items()
                       if p.lower() in PHOTOS_FOLDERS or "year" in seen or {"json", "media"} <= seen}

    def place(self, key: str, name: str) -> tuple[str, str] | None:
        """(folder below the Photos folder, file name), or None for a member outside it."""
        rel = self._relative(key, name.replace("\\", "/").split("/"))
        if rel is None or (rel[0] is not None and rel[0] not in self.photos):
            return None  # another Google product in the same Takeout, or outside it
        rest = rel[1:]
        if not rest:
            return None
        return "/".join(rest[:-1]), rest[-1]

    def _relative(self, key: str, parts: list[str]) -> list | None:
        """[product folder (None: the Photos folder itself was given), folders..., file]."""
        entry, own = self._entry[key]
        if entry == "takeout":
            for i, part in enumerate(parts[:-1]):
                if part == "Takeout":
                    return parts[i + 1:] if i + 2 < len(parts) else None
            return None  # beside Takeout/, not in it
        if entry == "product":
            return parts
        if entry == "photos":
            return [None, *parts]
        return [None, own, *parts]  # one album or year folder was given


def _entry_level(names: list[str]) -> str:
    """Which level of a Takeout a part's members start at: a part holding `Takeout/`,
    `Takeout/` itself (product), the Photos folder (photos), or one album or year folder."""
    if any(n.startswith("Takeout/") or "/Takeout/" in n for n in names):
        return "takeout"
    depths = [n.count("/") for n in names if kind_of(n.rsplit("/", 1)[-1])] or [n.count("/") for n in names]
    deepest = max(depths, default=0)
    return "product" if deepest >= 2 else "photos" if deepest == 1 else "album"


