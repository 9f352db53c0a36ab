"""Life weeks and names: plain values, checked exhaustively and with hypothesis."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from photofs.domain.names import hash_of_name, item_of_name, photo_name, printable
from photofs.domain.weeks import LifeCalendar, parse_week_range, timestamp_of_wall_clock

BERLIN = ZoneInfo("Europe/Berlin")
CAL = LifeCalendar(dt.date(1990, 5, 17), BERLIN)  # a Thursday


def test_week0_is_the_iso_week_holding_the_birth_date():
    assert CAL.week0_monday == dt.date(1990, 5, 14)
    assert CAL.week_of_date(dt.date(1990, 5, 14)) == 0
    assert CAL.week_of_date(dt.date(1990, 5, 20)) == 0   # Sunday, same week
    assert CAL.week_of_date(dt.date(1990, 5, 21)) == 1
    assert CAL.week_of_date(dt.date(1990, 5, 13)) == -1  # before birth week


def test_birth_on_a_monday_starts_week0_that_day():
    cal = LifeCalendar(dt.date(2001, 1, 1), BERLIN)
    assert cal.week0_monday == dt.date(2001, 1, 1)


def test_folder_name_is_index_and_monday():
    assert CAL.folder_name(0) == "0000_1990-05-14"
    assert CAL.folder_name(1508) == "1508_2019-04-08"
    assert CAL.folder_name(5200) == "5200_2090-01-09"
    assert CAL.folder_name(12345).startswith("12345_")


def test_week_boundary_uses_the_library_zone():
    # Sunday 2019-04-07 22:30 UTC is already Monday 00:30 in Berlin (summer time).
    ts = dt.datetime(2019, 4, 7, 22, 30, tzinfo=dt.timezone.utc).timestamp()
    assert CAL.week_of_timestamp(ts) == 1508
    utc_cal = LifeCalendar(CAL.birth, ZoneInfo("UTC"))
    assert utc_cal.week_of_timestamp(ts) == 1507


def test_wall_clock_with_and_without_camera_offset():
    local = dt.datetime(2019, 4, 8, 10, 0)
    assert timestamp_of_wall_clock(local, 120, BERLIN) == dt.datetime(2019, 4, 8, 8, 0, tzinfo=dt.timezone.utc).timestamp()
    assert timestamp_of_wall_clock(local, None, BERLIN) == dt.datetime(2019, 4, 8, 8, 0, tzinfo=dt.timezone.utc).timestamp()
    assert timestamp_of_wall_clock(local, -300, BERLIN) == dt.datetime(2019, 4, 8, 15, 0, tzinfo=dt.timezone.utc).timestamp()


@given(st.integers(-3000, 20000), st.integers(0, 6))
def test_every_day_of_a_week_maps_back_to_it(week, day):
    assert CAL.week_of_date(CAL.monday_of_week(week) + dt.timedelta(days=day)) == week


def test_week_ranges():
    assert parse_week_range("120-130") == (120, 130)
    assert parse_week_range("7") == (7, 7)
    for bad in ["", "a-b", "5-3", "-1", "1-x"]:
        with pytest.raises(ValueError):
            parse_week_range(bad)


def test_a_twin_name_carries_the_item_id():
    h = "0123456789abcdef"
    assert photo_name(h, 7, plain=True) == f"{h}.jpg"
    assert photo_name(h, 7, plain=False) == f"{h}~7.jpg"
    assert item_of_name(f"{h}~7.jpg") == 7 and item_of_name(f"{h}.jpg") is None
    assert item_of_name(f"{h}~7 copy.jpg") is None and item_of_name("0123456789ABCDEF~7.jpg") is None


@given(st.sampled_from(["0" * 16, "1" * 16, "abcdef0123456789"]), st.integers(1, 2**40), st.booleans())
def test_names_decode_to_their_hash_and_item(h, item, plain):
    name = photo_name(h, item, plain)
    assert hash_of_name(name) == h
    assert item_of_name(name) == (None if plain else item)


@pytest.mark.parametrize("name", ["x.jpg", "0123456789ABCDEF.jpg", "0123456789abcdef.png", ".DS_Store", "0123456789abcde.jpg"])
def test_other_names_are_not_thumbnails(name):
    assert hash_of_name(name) is None


@pytest.mark.parametrize("name", ["0123456789abcdef copy.jpg", "0123456789abcdef (2).jpg", "0123456789abcdef~3.JPG"])
def test_names_file_managers_give_copies_keep_their_hash(name):
    assert hash_of_name(name) == "0123456789abcdef"


def test_printable_escapes_control_characters():
    assert printable("a\nb\x1b[31m.jpg") == "a\\nb\\x1b[31m.jpg"
    assert printable("Ölberg ☀.jpg") == "Ölberg ☀.jpg"
