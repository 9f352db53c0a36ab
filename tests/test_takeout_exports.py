"""import-takeout on exports as they really are: titles that are not file names, every
language's folder and album names, any entry folder, dates in names, partner sharing,
and capture times in the zone where the photo was taken. Each class is imported from a
real zip part and from an unpacked folder."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from photofs.domain.name_dates import date_from_name
from photofs.jobs.add_folder import add_folder
from photofs.jobs.import_takeout import import_takeout
from photofs.sources.takeout.titles import safe_original_name
from takeout_builder import Takeout, album_metadata, sidecar, ts

FORMS = ["zip", "folder"]
Y = "Photos from 2019"


def by_name(lib) -> dict:
    out = {}
    for i in lib.catalog.items():
        out.setdefault(i.original_name, []).append(i)
    return out


def one(lib, name):
    found = by_name(lib).get(name, [])
    assert len(found) == 1, (name, sorted(by_name(lib)))
    return found[0]


def imported(library, tmp_path, t: Takeout, form: str):
    return import_takeout(library, [t.write(form, tmp_path)], progress=False)


# -- 5: titles that are not file names ------------------------------------------

@pytest.mark.parametrize("form", FORMS)
def test_titles_that_are_not_file_names(library, tmp_path, form):
    t = Takeout()
    t.photo("Photos from 2012/27_06_12 - 2.jpg")
    t.add("Photos from 2012/27_06_12 - 2.json", sidecar("27/06/12 - 2", ts(2012, 6, 27, 10)))
    t.add("Photos from 2012/27_06_12 - 1.mov", b"\0\0\0\x14ftypqt   a video")
    t.add("Photos from 2012/27_06_12 - 1.mov.json", sidecar("27/06/12 - 1", ts(2012, 6, 27, 11)))
    t.photo("Photos from 2021/image000000.gif")  # JPEG bytes, as the title would have it
    t.add("Photos from 2021/image000000.gif.json", sidecar("image000000.gif.json", ts(2021, 1, 2, 10)))
    imported(library, tmp_path, t, form)
    slash = one(library, "27_06_12 - 2.jpg")
    assert slash.title == "27/06/12 - 2" and slash.time_source == "sidecar"
    assert one(library, "27_06_12 - 1.mov").title == "27/06/12 - 1"
    gif = one(library, "image000000.gif")
    assert gif.title == "image000000.gif.json" and gif.time_source == "sidecar"
    assert all("/" not in i.original_name for i in library.catalog.items())


def library_with_nas(tmp_path):
    from conftest import BIRTH, ZONE
    from photofs.library_folder import LibraryFolder
    from photofs.settings import Settings
    nas = tmp_path / "nas"
    nas.mkdir()
    return LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas))), nas


def test_a_title_with_a_slash_is_archived_under_its_safe_name(tmp_path):
    from photofs.jobs.archive import archive
    lib, nas = library_with_nas(tmp_path)
    t = Takeout()
    t.photo("Photos from 2012/27_06_12 - 2.jpg")
    t.add("Photos from 2012/27_06_12 - 2.json", sidecar("27/06/12 - 2", ts(2012, 6, 27, 10)))
    import_takeout(lib, [t.zip(tmp_path / "t.zip")], progress=False)
    summary = archive(lib, progress=False)
    assert not summary.problems
    assert [p.name for p in nas.rglob("*.jpg")] == ["27_06_12 - 2.jpg"]
    lib.close()


def test_a_newer_takeout_still_has_a_photo_whose_title_was_made_safe(tmp_path):
    from photofs.catalog.sort_state import SortChange
    from photofs.jobs import removal_queue as rq
    from photofs.jobs.archive import archive
    lib, _ = library_with_nas(tmp_path)
    t = Takeout()
    data = t.photo("Photos from 2012/27_06_12 - 2.jpg")
    t.add("Photos from 2012/27_06_12 - 2.json", sidecar("27/06/12 - 2", ts(2012, 6, 27, 10)))
    import_takeout(lib, [t.zip(tmp_path / "t1.zip")], progress=False)
    archive(lib, progress=False)
    [item] = lib.catalog.items()
    lib.catalog.apply_sort_change(SortChange(queue_add={item.id}))
    newer = Takeout()  # the same photo, filed under another name in a later export
    newer.add("Album/27_06_12 - 2(1).jpg", data)
    newer.add("Album/27_06_12 - 2.jpg(1).json", sidecar("27/06/12 - 2", ts(2012, 6, 27, 10)))
    assert rq.absent_from_takeout(lib, [newer.zip(tmp_path / "t2.zip")]) == []
    lib.close()


def test_safe_original_names():
    assert safe_original_name("27/06/12 - 2", "27_06_12 - 2.jpg") == "27_06_12 - 2.jpg"
    assert safe_original_name("image000000.gif.json", "image000000.gif") == "image000000.gif"
    assert safe_original_name("2234089303984509579", "2234089303984509579.jpg") == "2234089303984509579.jpg"
    assert safe_original_name("IMG_1.HEIC", "IMG_1.jpg") == "IMG_1.jpg"          # the bytes decide
    assert safe_original_name("IMG_1.JPG", "IMG_1.jpg") == "IMG_1.JPG"           # same kind: Google's case kept
    assert safe_original_name("My trip. Day 2", "x.jpg") == "My trip. Day 2.jpg"
    assert safe_original_name('a:b*c?"d<e>|f\x07', "x.png") == "a_b_c__d_e__f_.png"
    assert safe_original_name("evil\u202egnp.jpg", "x.jpg") == "evil_gnp.jpg"          # no bidi override
    assert safe_original_name("👨\u200d👩\u200d👧 at home", "x.jpg") == "👨\u200d👩\u200d👧 at home.jpg"
    assert safe_original_name("...", "x.jpg") == "x.jpg" and safe_original_name(None, "x.jpg") == "x.jpg"
    long = safe_original_name("é" * 300 + ".jpg", "x.jpg")
    assert len(long.encode()) <= 240 and long.endswith(".jpg")


# -- 7: localized album metadata, recognised by content ---------------------------

@pytest.mark.parametrize("form", FORMS)
def test_album_metadata_in_any_language(library, tmp_path, form):
    t = Takeout()
    for i, meta in enumerate(["métadonnées.json", "метаданные.json", "метаданни.json", "metadáta.json",
                              "anything.json"]):
        t.photo(f"Trip 201{i}/IMG_{i}.jpg")
        t.add(f"Trip 201{i}/IMG_{i}.jpg.json", sidecar(f"IMG_{i}.jpg", ts(2019, 5, 1 + i, 10)))
        t.add(f"Trip 201{i}/{meta}", album_metadata(f"Album {i}"))
    t.photo("Photos from 2019/IMG_9.jpg")   # a year folder: no album
    t.add("Photos from 2019/IMG_9.jpg.json", sidecar("IMG_9.jpg", ts(2019, 6, 1, 10)))
    t.photo("Sans titre(9)/IMG_8.jpg")      # untitled: Google's folder name is all there is
    t.add("Sans titre(9)/IMG_8.jpg.json", sidecar("IMG_8.jpg", ts(2019, 6, 2, 10)))
    t.add("Sans titre(9)/métadonnées.json", album_metadata(""))
    t.photo("Fotky z roku 2018/IMG_7.jpg")  # a Slovak year folder
    summary = imported(library, tmp_path, t, form)
    for i in range(5):
        assert one(library, f"IMG_{i}.jpg").albums == [f"Album {i}"]
    assert one(library, "IMG_9.jpg").albums == [] and one(library, "IMG_7.jpg").albums == []
    assert one(library, "IMG_8.jpg").albums == ["Sans titre(9)"]
    assert summary.counts["bad sidecars"] == 0


@pytest.mark.parametrize("form", FORMS)
def test_a_bare_sidecar_named_after_its_photo_is_not_album_metadata(library, tmp_path, form):
    t = Takeout()
    t.photo(f"{Y}/photo.jpg", when=dt.datetime(2019, 5, 5, 5))
    t.add(f"{Y}/photo.jpg.json", json.dumps({"title": "photo.jpg"}).encode())
    imported(library, tmp_path, t, form)
    item = one(library, "photo.jpg")
    assert item.albums == [] and item.time_source == "exif"


# -- 8, 9: the Photos folder in any language, entered at any level --------------------

def small_takeout(root: str = "Takeout/Google Photos") -> Takeout:
    t = Takeout(root)
    t.photo(f"{Y}/IMG_1.jpg")
    t.add(f"{Y}/IMG_1.jpg.supplemental-metadata.json", sidecar("IMG_1.jpg", ts(2019, 4, 8, 10)))
    t.photo("Italy/IMG_2.jpg")
    t.add("Italy/IMG_2.jpg.json", sidecar("IMG_2.jpg", ts(2019, 4, 9, 10)))
    t.add("Italy/metadata.json", album_metadata("Italy 2019"))
    return t


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("root", ["Takeout/Fotky Google", "Takeout/Google Фото", "Takeout/Google Снимки",
                                  "Takeout/Zdjęcia Google", "Takeout/Photos Gogle Xyz"])
def test_the_photos_folder_in_any_language(library, tmp_path, form, root):
    t = small_takeout(root)
    t.add_outside("Takeout/archive_browser.html", b"<html></html>")
    t.add_outside("Takeout/Google Chat/Groups/Space 1/File-picture.jpg", t.members[f"{root}/{Y}/IMG_1.jpg"][:-10])
    t.add_outside("Takeout/Google Chat/Groups/Space 1/messages.json", b"{}")
    t.add_outside("Takeout/Google Play Store/icon.jpg", b"not a photo of the user")
    summary = imported(library, tmp_path, t, form)
    assert summary.counts["new"] == 2  # Chat and Play Store are other products
    assert one(library, "IMG_1.jpg").time_source == "sidecar"
    assert one(library, "IMG_2.jpg").albums == ["Italy 2019"]


def test_a_part_with_only_media_is_placed_by_the_part_with_its_sidecars(library, tmp_path):
    t = small_takeout("Takeout/Fotky Google")
    media = t.zip(tmp_path / "takeout-001.zip", only=[".jpg"])
    sidecars = t.zip(tmp_path / "takeout-002.zip", only=[".json"])
    import_takeout(library, [media, sidecars], progress=False)
    assert one(library, "IMG_1.jpg").time_source == "sidecar"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("level", ["root", "takeout", "photos", "album"])
def test_any_entry_level(library, tmp_path, form, level):
    t = small_takeout()
    path = t.entry(form, tmp_path, level, album="Italy")
    summary = import_takeout(library, [path], progress=False)
    album = one(library, "IMG_2.jpg")
    assert album.albums == ["Italy 2019"] and album.time_source == "sidecar"
    if level != "album":
        assert one(library, "IMG_1.jpg").time_source == "sidecar" and summary.counts["new"] == 2


def test_an_album_folder_given_alone_without_metadata_is_named_by_its_folder(library, tmp_path):
    t = Takeout()
    t.photo("Wedding/IMG_5.jpg")
    t.add("Wedding/IMG_5.jpg.json", sidecar("IMG_5.jpg", ts(2019, 4, 9, 10)))
    import_takeout(library, [t.entry("folder", tmp_path, "album", album="Wedding")], progress=False)
    assert one(library, "IMG_5.jpg").albums == ["Wedding"]


def test_entry_levels_merge_with_a_full_import(library, tmp_path):
    t = small_takeout()
    import_takeout(library, [t.zip(tmp_path / "full.zip")], progress=False)
    again = import_takeout(library, [t.entry("folder", tmp_path, "photos")], progress=False)
    assert again.counts["new"] == 0 and len(library.catalog.items()) == 2


# -- 11: dates in names, with their time -----------------------------------------------

NAME_DATES = [
    ("00055IMG_00055_BURST20190216172030_COVER.jpg", dt.datetime(2019, 2, 16, 17, 20, 30)),
    ("AR_EFFECT_20141126193511.mp4", dt.datetime(2014, 11, 26, 19, 35, 11)),
    ("201801261147521000.jpg", dt.datetime(2018, 1, 26, 11, 47, 52)),
    ("2016_01_30_11_49_15.mp4", dt.datetime(2016, 1, 30, 11, 49, 15)),
    ("signal-2020-10-26-163832.jpg", dt.datetime(2020, 10, 26, 16, 38, 32)),
    ("IMG_20190412_101112.jpg", dt.datetime(2019, 4, 12, 10, 11, 12)),
    ("PXL_20220909_154515546.TS.mp4", dt.datetime(2022, 9, 9, 15, 45, 15)),
    ("Screenshot_20190919-053857_Camera.jpg", dt.datetime(2019, 9, 19, 5, 38, 57)),
    ("Screenshot from 2022-12-17 19-45-43.png", dt.datetime(2022, 12, 17, 19, 45, 43)),
    ("Screenshot_2020-01-02-03-04-05.jpg", dt.datetime(2020, 1, 2, 3, 4, 5)),
    ("Screenshot 2021-03-04 at 10.11.12.png", dt.datetime(2021, 3, 4, 10, 11, 12)),
    ("WhatsApp Image 2020-01-01 at 09.08.07.jpeg", dt.datetime(2020, 1, 1, 9, 8, 7)),
    ("Bildschirmfoto 2021-03-04 um 10.11.12.png", dt.datetime(2021, 3, 4, 10, 11, 12)),
    ("IMG-20200101-WA0001.jpg", dt.datetime(2020, 1, 1, 12, 0)),      # date only: noon
    ("2021-05-27_overlay.webp", dt.datetime(2021, 5, 27, 12, 0)),
]


@pytest.mark.parametrize("name,when", NAME_DATES)
def test_dates_in_names(name, when):
    assert date_from_name(name).wall_clock == when


@pytest.mark.parametrize("name", ["IMG_1234.HEIC", "2234089303984509579.jpg", "20223112-125200.jpg",
                                  "IMG_20191332_101112.jpg", "2024.png", "VID_20990101_101010.mp4"])
def test_no_date_in_names(name):
    assert date_from_name(name, now=dt.datetime(2026, 1, 1)) is None


@pytest.mark.parametrize("form", FORMS)
def test_takeout_photos_dated_by_their_names(library, tmp_path, form):
    t = Takeout()
    for name, _ in NAME_DATES:
        if name.endswith((".jpg", ".jpeg", ".png", ".webp")):
            t.photo(f"{Y}/{name}")
    imported(library, tmp_path, t, form)
    berlin = ZoneInfo("Europe/Berlin")
    for name, when in NAME_DATES:
        if name.endswith((".jpg", ".jpeg", ".png", ".webp")):
            item = one(library, name)
            assert item.time_source == "filename", name
            assert dt.datetime.fromtimestamp(item.taken_at, berlin).replace(tzinfo=None) == when, name


def test_add_folder_reads_the_name_before_the_mtime(library, tmp_path):
    from images import jpeg_bytes
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "signal-2020-10-26-163832.jpg").write_bytes(jpeg_bytes(seed=3))
    (folder / "IMG_1234.jpg").write_bytes(jpeg_bytes(seed=4))
    add_folder(library, folder, progress=False)
    signal = one(library, "signal-2020-10-26-163832.jpg")
    assert signal.time_source == "filename"
    local = dt.datetime.fromtimestamp(signal.taken_at, ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute, local.second) == (16, 38, 32)
    assert one(library, "IMG_1234.jpg").time_source == "mtime"


# -- 13: partner sharing ------------------------------------------------------------

@pytest.mark.parametrize("form", FORMS)
def test_partner_shared_items(cli, library, tmp_path, form):
    t = Takeout()
    t.photo(f"{Y}/IMG_1559.HEIC.jpg")
    t.add(f"{Y}/IMG_1559.HEIC.jpg.json", sidecar("IMG_1559.HEIC.jpg", ts(2019, 6, 26, 15),
                                                 googlePhotosOrigin={"fromPartnerSharing": {}}))
    t.photo(f"{Y}/IMG_1560.jpg")
    t.add(f"{Y}/IMG_1560.jpg.json", sidecar("IMG_1560.jpg", ts(2019, 6, 26, 16),
                                            googlePhotosOrigin={"mobileUpload": {"deviceType": "ANDROID_PHONE"}}))
    cli.json("import-takeout", t.write(form, tmp_path))
    rows = {r["original_name"]: r for r in cli.json("items")}
    assert rows["IMG_1559.HEIC.jpg"]["partner_shared"] is True
    assert rows["IMG_1560.jpg"]["partner_shared"] is False


# -- 15: local time where the photo was taken ------------------------------------------

# 2019-04-07 16:30 UTC is Monday 01:30 in Tokyo and Sunday 18:30 in Berlin (the library's zone).
MONDAY_IN_TOKYO = (2019, 4, 7, 16, 30)
TOKYO = (35.6812, 139.7671)


@pytest.mark.parametrize("form", FORMS)
def test_capture_times_in_the_zone_where_taken(cli, library, tmp_path, form):
    t = Takeout()
    tokyo = {"latitude": TOKYO[0], "longitude": TOKYO[1], "altitude": 40.0}
    t.photo(f"{Y}/by_gps.jpg")
    t.add(f"{Y}/by_gps.jpg.json", sidecar("by_gps.jpg", ts(*MONDAY_IN_TOKYO), geoData=tokyo))
    t.photo(f"{Y}/by_exif.jpg", when=dt.datetime(2019, 4, 8, 1, 30), offset="+09:00", gps=(48.14, 11.58))
    t.add(f"{Y}/by_exif.jpg.json", sidecar("by_exif.jpg", ts(*MONDAY_IN_TOKYO)))
    t.photo(f"{Y}/by_library.jpg")
    t.add(f"{Y}/by_library.jpg.json", sidecar("by_library.jpg", ts(*MONDAY_IN_TOKYO)))
    t.photo(f"{Y}/exif_wall_clock.jpg", when=dt.datetime(2019, 4, 8, 1, 30), gps=TOKYO)  # no offset, no sidecar
    t.photo(f"{Y}/IMG_20190408_013000.jpg")
    t.add(f"{Y}/IMG_20190408_013000.jpg.json", json.dumps(
        {"title": "IMG_20190408_013000.jpg", "url": "u", "geoData": tokyo}).encode())  # no photoTakenTime
    cli.json("import-takeout", t.write(form, tmp_path))
    cal = library.calendar
    monday = cal.week_of_date(dt.date(2019, 4, 8))
    sunday = cal.week_of_date(dt.date(2019, 4, 7))
    rows = {r["original_name"]: r for r in cli.json("items")}
    expected = {"by_gps.jpg": ("gps", monday), "by_exif.jpg": ("exif", monday), "by_library.jpg": ("library", sunday),
                "exif_wall_clock.jpg": ("gps", monday), "IMG_20190408_013000.jpg": ("gps", monday)}
    for name, (source, week) in expected.items():
        assert (rows[name]["time_zone_source"], rows[name]["week"]) == (source, week), name
        if source != "library":
            assert rows[name]["taken_local"] == "2019-04-08T01:30:00+09:00", name
            assert rows[name]["taken_ts"] == dt.datetime(*MONDAY_IN_TOKYO, tzinfo=dt.UTC).timestamp(), name
    assert rows["by_library.jpg"]["taken_local"] is None


def test_the_zone_at_a_position():
    from photofs.sources.places import zone_at
    assert str(zone_at(*TOKYO)) == "Asia/Tokyo" and str(zone_at(43.7, 7.26)) == "Europe/Paris"
    assert str(zone_at(30.0, 150.0)) == "Etc/GMT-10"     # the open Pacific: its nautical zone
    assert zone_at(None, None) is None and zone_at(95.0, 0.0) is None


# -- 14: the debatable cases, as the README's table decides them ----------------------

@pytest.mark.parametrize("form", FORMS)
def test_the_decided_cases(library, tmp_path, form):
    t = Takeout()
    # geoData (Google's, often the user's correction) beats the file's EXIF GPS.
    t.photo(f"{Y}/moved.jpg", gps=(48.14, 11.58))
    t.add(f"{Y}/moved.jpg.json", sidecar("moved.jpg", ts(2019, 5, 1, 10),
                                         geoData={"latitude": 43.7, "longitude": 7.26, "altitude": 0.0}))
    # geoDataExif only: used when the file has no GPS of its own.
    t.photo(f"{Y}/exif_geo.jpg")
    t.add(f"{Y}/exif_geo.jpg.json", sidecar("exif_geo.jpg", ts(2019, 5, 2, 10),
                                            geoDataExif={"latitude": 52.52, "longitude": 13.40, "altitude": 0.0}))
    # Failed Videos: indexed, with a warning, not an album.
    t.add("Failed Videos/VID_1.mp4", b"\0\0\0\x18ftypmp42 broken")
    # The same name and sidecar with different bytes in a year folder and an album: two items.
    t.photo(f"{Y}/same.jpg")
    t.add(f"{Y}/same.jpg.json", sidecar("same.jpg", ts(2019, 5, 3, 10)))
    t.photo("Album/same.jpg")
    t.add("Album/same.jpg.json", sidecar("same.jpg", ts(2019, 5, 3, 10)))
    t.add("Album/metadata.json", album_metadata("Album"))
    # An undated photo in "Photos from 2005" stays undated: the year alone places it in no week.
    t.photo("Photos from 2005/scan.jpg")
    imported(library, tmp_path, t, form)
    moved = one(library, "moved.jpg")
    assert (moved.gps_lat, moved.gps_lon) == (43.7, 7.26)
    assert one(library, "exif_geo.jpg").gps_lat == 52.52
    failed = one(library, "VID_1.mp4")
    assert failed.albums == [] and "Failed Videos" in failed.warnings[0]
    same = by_name(library)["same.jpg"]
    assert len(same) == 2 and sorted(i.albums for i in same) == [[], ["Album"]]
    scan = one(library, "scan.jpg")
    assert scan.taken_at is None and scan.week is None


import unicodedata  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402

MEDIA_NAMES = st.sampled_from(["x.jpg", "x.HEIC", "x.mp4", "x.png", "X.MP.jpg"])


@given(st.text(max_size=400), MEDIA_NAMES)
def test_any_title_makes_a_safe_name_with_the_media_extension(title, media):
    name = safe_original_name(title, media)
    assert name and not any(c in name for c in '/\\:*?"<>|')
    assert not [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in "\u200c\u200d"]
    assert name.lower().endswith(media.rsplit(".", 1)[1].lower())
    assert len(name.encode("utf-8", "surrogatepass")) <= 240
