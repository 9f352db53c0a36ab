"""Builds Google Takeouts for tests, with the quirks real exports have."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import zipfile
from pathlib import Path

from images import clip_bytes, jpeg_bytes

ROOT = "Takeout/Google Photos"


def ts(*args) -> str:
    return str(int(dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()))


def sidecar(title, taken, **extra) -> bytes:
    data = {"title": title, "description": extra.pop("description", ""),
            "imageViews": "3", "creationTime": {"timestamp": ts(2024, 1, 1), "formatted": "..."},
            "photoTakenTime": {"timestamp": taken, "formatted": "..."},
            "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
            "url": f"https://photos.google.com/photo/{title}"}
    data.update(extra)
    return json.dumps(data).encode()


def album_metadata(title: str, **extra) -> bytes:
    """An album's metadata JSON (any file name: Google names it in the account's language)."""
    return json.dumps({"title": title, "description": "", "access": "protected",
                       "date": {"timestamp": ts(2020, 1, 1), "formatted": "..."}, **extra}).encode()


class Takeout:
    """Members by path below the Photos folder (`root`, `Google Photos` unless localized);
    written as zip parts, a tgz, or a folder, entered at any level."""

    def __init__(self, root: str = ROOT):
        self.root = root
        self.members: dict[str, bytes] = {}
        self.seed = 100

    def photo(self, path: str, when: dt.datetime | None = None, **exif) -> bytes:
        self.seed += 1
        data = jpeg_bytes(seed=self.seed, size=(320, 240), when=when, **exif)
        self.members[f"{self.root}/{path}"] = data
        return data

    def add(self, path: str, data: bytes) -> None:
        self.members[f"{self.root}/{path}"] = data

    def add_outside(self, path: str, data: bytes) -> None:
        """A member beside the Photos folder (another product, `Takeout/archive_browser.html`)."""
        self.members[path] = data

    def write(self, form: str, tmp: Path, name: str = "takeout") -> Path:
        """The Takeout as a zip part ("zip") or an unpacked folder ("folder"): the path to import."""
        if form == "zip":
            return self.zip(tmp / f"{name}-001.zip")
        return self.folder(tmp / name)

    def entry(self, form: str, tmp: Path, level: str, album: str | None = None) -> Path:
        """The path a user gives at one `level` of the Takeout: "root" (the folder holding
        Takeout/), "takeout", "photos" (the Photos folder) or "album" (one album folder).
        A zip at a level below the root holds what is below that level, as when a user
        zips the folder again."""
        below = {"root": "", "takeout": "Takeout/", "photos": self.root + "/",
                 "album": f"{self.root}/{album}/"}[level]
        members = {n[len(below):]: d for n, d in self.members.items() if n.startswith(below)}
        if form == "zip":
            path = tmp / f"{album or level}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in members.items():
                    z.writestr(name, data)
            return path
        self.folder(tmp / "unpacked")
        return tmp / "unpacked" / below.rstrip("/")

    def zip(self, path: Path, only: list[str] | None = None) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in self.members.items():
                if only is None or any(name.endswith(o) for o in only):
                    z.writestr(name, data)
        return path

    def tgz(self, path: Path) -> Path:
        with tarfile.open(path, "w:gz") as t:
            for name, data in self.members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        return path

    def folder(self, path: Path) -> Path:
        for name, data in self.members.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
        return path


def full_takeout() -> Takeout:
    """One of everything the issue lists."""
    t = Takeout()
    y = "Photos from 2019"
    t.photo(f"{y}/IMG_0001.jpg")
    t.add(f"{y}/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", ts(2019, 4, 8, 10), description="Beach",
                                            geoData={"latitude": 43.7, "longitude": 7.26, "altitude": 12.0},
                                            people=[{"name": "Ada"}], favorited=True))
    t.photo(f"{y}/IMG_0002.jpg")
    t.add(f"{y}/IMG_0002.jpg.supplemental-metadata.json", sidecar("IMG_0002.jpg", ts(2019, 4, 9, 10)))
    for i, clip in enumerate([".suppl", ".s", ".supplemental-metad", ".supplemental-me"]):
        t.photo(f"{y}/IMG_001{i}.jpg")
        t.add(f"{y}/IMG_001{i}.jpg{clip}.json", sidecar(f"IMG_001{i}.jpg", ts(2019, 4, 10 + i, 10)))
    long = "PXL_20190412_101112345.PORTRAIT-01.COVER_vacation.jpg"  # 54 characters
    t.photo(f"{y}/{long}")
    t.add(f"{y}/{(long + '.supplemental-metadata')[:46]}.json", sidecar(long, ts(2019, 4, 12, 10)))
    t.photo(f"{y}/img(1).jpg")
    t.add(f"{y}/img.jpg(1).json", sidecar("img.jpg", ts(2019, 4, 13, 10)))
    t.photo(f"{y}/img.jpg")
    t.add(f"{y}/img.jpg.json", sidecar("img.jpg", ts(2019, 4, 13, 11)))
    t.photo(f"{y}/dup(2).jpg")
    t.add(f"{y}/dup.jpg.supplemental-metadata(2).json", sidecar("dup.jpg", ts(2019, 4, 14, 10)))
    t.photo(f"{y}/IMG_0003.jpg")
    t.add(f"{y}/IMG_0003.jpg.json", sidecar("IMG_0003.jpg", ts(2019, 4, 15, 10)))
    t.photo(f"{y}/IMG_0003-edited.jpg")                      # shares IMG_0003's sidecar
    t.photo(f"{y}/IMG_0004-bearbeitet.jpg")
    t.add(f"{y}/IMG_0004.jpg.json", sidecar("IMG_0004.jpg", ts(2019, 4, 15, 11)))
    t.photo(f"{y}/exif_only.jpg", when=dt.datetime(2019, 5, 1, 9, 0))   # no sidecar: EXIF
    t.photo(f"{y}/IMG_20190412_101112.jpg")                              # no sidecar, no EXIF: name
    t.photo(f"{y}/Screenshot_2020-01-02-03-04-05.jpg")
    # Motion photos and a video alone.
    t.photo(f"{y}/PXL_0005.MP.jpg")
    t.add(f"{y}/PXL_0005.MP", b"\0\0\0\x18ftypmp42 motion video bytes")
    t.add(f"{y}/PXL_0005.MP.jpg.json", sidecar("PXL_0005.MP.jpg", ts(2019, 4, 16, 10)))
    t.photo(f"{y}/IMG_0006.jpg")
    t.add(f"{y}/IMG_0006.mp4", b"\0\0\0\x18ftypmp42 live photo video")
    t.add(f"{y}/IMG_0006.jpg.json", sidecar("IMG_0006.jpg", ts(2019, 4, 16, 11)))
    t.add(f"{y}/VID_0007.mp4", clip_bytes(seed=70, seconds=1))  # a real clip: videos get real thumbnails
    t.add(f"{y}/VID_0007.mp4.json", sidecar("VID_0007.mp4", ts(2019, 4, 17, 10)))
    # Albums: flat metadata.json and the older albumData form; the same photo as in the year folder.
    same = t.members[f"{ROOT}/{y}/IMG_0001.jpg"]
    t.add("Italy 2019/IMG_0001.jpg", same)
    t.add("Italy 2019/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", ts(2019, 4, 8, 10)))
    t.add("Italy 2019/metadata.json", json.dumps({"title": "Italy 2019", "description": ""}).encode())
    t.add("Old album/IMG_0001.jpg", same)
    t.add("Old album/IMG_0001.jpg.json", sidecar("IMG_0001.jpg", ts(2019, 4, 8, 10)))
    t.add("Old album/metadata.json", json.dumps({"albumData": {"title": "Family (old form)"}}).encode())
    # Localized year folder, archive, trash.
    t.photo("Fotos von 2018/DSC_0100.jpg")
    t.add("Fotos von 2018/DSC_0100.jpg.json", sidecar("DSC_0100.jpg", ts(2018, 7, 1, 10)))
    t.photo("Archive/IMG_0008.jpg")
    t.add("Archive/IMG_0008.jpg.json", sidecar("IMG_0008.jpg", ts(2019, 4, 18, 10), archived=True))
    t.photo("Trash/IMG_0009.jpg")
    t.add("Trash/IMG_0009.jpg.json", sidecar("IMG_0009.jpg", ts(2019, 4, 18, 11), trashed=True))
    return t
