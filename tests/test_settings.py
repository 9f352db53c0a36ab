"""photofs.toml: every broken setting is one clear message."""

import pytest

from photofs.errors import PhotofsError
from photofs.settings import Settings


def test_round_trip(tmp_path):
    s = Settings(birth_date="1990-05-17", time_zone="Asia/Tokyo", nas_path="/mnt/nas/photos")
    s.save(tmp_path)
    assert Settings.load(tmp_path) == s
    assert 'birth_date = "1990-05-17"' in (tmp_path / "photofs.toml").read_text()


@pytest.mark.parametrize("content, message", [
    ("birth_date = ", "not valid TOML"),
    ('time_zone = "UTC"', "birth_date is missing"),
    ('birth_date = "1990-13-01"', "birth date must be YYYY-MM-DD"),
    ('birth_date = "1990-05-17"\ntime_zone = "Mars/Olympus"', "unknown time zone"),
    ('birth_date = "1990-05-17"\ncolour = "blue"', "unknown setting 'colour'"),
    ('birth_date = "1990-05-17"\nthumbnail_size = -5', "thumbnail_size must be a whole number"),
    ('birth_date = "1990-05-17"\nthumbnail_size = 9000', "between 32 and 2048"),
    ('birth_date = "1990-05-17"\nfolder_limit = "lots"', "folder_limit must be a whole number"),
    (b"\xff\xfe\x00birth", "not valid TOML"),
])
def test_broken_settings(tmp_path, content, message):
    path = tmp_path / "photofs.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(PhotofsError, match=message):
        Settings.load(tmp_path)


def test_missing_settings_says_run_init(tmp_path):
    with pytest.raises(PhotofsError, match="photofs init"):
        Settings.load(tmp_path)
