"""Decoder warnings (Python warnings, and C libraries writing to stderr) go to photofs.log,
counted in the job's summary; a cron run's stderr stays quiet."""

import os
import sys
import warnings

from photofs.jobs.add_folder import add_folder
from photofs.jobs.sample_photos import scene
from photofs.jobs.thumbs import make_thumbs


def test_decoder_warnings_go_to_the_log_counted_and_not_to_stderr(library, tmp_path, capfd, monkeypatch):
    photos = tmp_path / "photos"
    photos.mkdir()
    scene(1, (320, 240)).save(photos / "a.jpg")
    scene(2, (320, 240)).save(photos / "b.jpg")
    add_folder(library, photos, progress=False)
    import photofs.imaging.thumbnail as thumbnail
    real = thumbnail.decode_upright

    def noisy(img, side):
        # What Pillow says through warnings, and what libtiff writes to file descriptor 2 itself.
        warnings.warn("Possibly corrupt EXIF data.  Expecting to read 12 bytes but only got 6.")
        os.write(2, b"TIFFReadDirectory: Warning, Unknown field with tag 50341 (0xc4a5) encountered.\n")
        print("the job's own line", file=sys.stderr)
        return real(img, side)
    monkeypatch.setattr(thumbnail, "decode_upright", noisy)
    summary = make_thumbs(library, progress=False, workers=1)  # the patch lives in this process
    assert summary.counts["made"] == 2 and summary.counts["decoder warnings (in photofs.log)"] == 4
    err = capfd.readouterr().err
    assert "TIFFReadDirectory" not in err and "corrupt EXIF" not in err
    assert err.count("the job's own line") == 2  # the job's own stderr is not swallowed
    log = library.log_path.read_text()
    assert log.count("thumbs: decoder said: TIFFReadDirectory: Warning, Unknown field with tag 50341") == 2
    assert log.count("thumbs: decoder said: UserWarning: Possibly corrupt EXIF data.") == 2
    print("after the job", file=sys.stderr)
    os.write(2, b"fd 2 is back\n")
    err = capfd.readouterr().err
    assert "after the job" in err and "fd 2 is back" in err


def test_a_quiet_job_logs_nothing(library, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    scene(3, (320, 240)).save(photos / "c.jpg")
    add_folder(library, photos, progress=False)
    summary = make_thumbs(library, progress=False)
    assert "decoder warnings (in photofs.log)" not in summary.counts
    assert not library.log_path.exists() or "decoder said" not in library.log_path.read_text()
