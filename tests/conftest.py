"""Shared fixtures: generated originals, fresh libraries, and the CLI in-process."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from photofs.cli import main
from photofs.jobs.sample_photos import make_samples
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings

BIRTH = "1990-05-17"
ZONE = "Europe/Berlin"

# Developers' runs explore new examples; CI replays a fixed set, so a red CI always
# points at a change rather than at a lucky draw.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def no_mount_outlives_the_run(tmp_path_factory):
    """Whatever a failing test left mounted under our temp folder is unmounted at the
    end, so no FUSE server lingers and pytest can clean its folders."""
    yield
    from backends import unmount
    base = str(tmp_path_factory.getbasetemp())
    with open("/proc/self/mounts") as f:
        stale = [line.split()[1] for line in f if line.startswith("photofs ") and line.split()[1].startswith(base)]
    for mountpoint in stale:
        unmount(Path(mountpoint.replace("\\040", " ")))


@pytest.fixture(scope="session")
def sample_originals(tmp_path_factory) -> Path:
    """The demo's sample photos, made once per run (3 weeks, to stay quick)."""
    folder = tmp_path_factory.mktemp("samples") / "originals"
    make_samples(folder, weeks=3, per_week=3)
    return folder


@pytest.fixture
def originals(sample_originals, tmp_path) -> Path:
    """A private copy the test may change."""
    dest = tmp_path / "originals"
    shutil.copytree(sample_originals, dest)
    return dest


@pytest.fixture(scope="session")
def template(tmp_path_factory, sample_originals) -> Path:
    """A library of the sample photos, indexed and thumbnailed once per run; tests copy it."""
    from photofs.jobs.add_folder import add_folder
    from photofs.jobs.thumbs import make_thumbs
    lib = LibraryFolder.create(tmp_path_factory.mktemp("tpl") / "library", Settings(birth_date=BIRTH, time_zone=ZONE))
    add_folder(lib, sample_originals, progress=False)
    make_thumbs(lib, progress=False)
    lib.close()
    return lib.path


@pytest.fixture
def library_copy(template, tmp_path) -> Path:
    """A private copy of the template library, free to change."""
    path = tmp_path / "library"
    shutil.copytree(template, path)
    return path


@pytest.fixture
def fs(library_copy):
    """The VFS over a private sample library, refreshing on every call."""
    from photofs.vfs import PhotoVFS
    vfs = PhotoVFS(library_copy, refresh_seconds=0)
    yield vfs
    vfs.close()


@pytest.fixture
def nas_lib(tmp_path, originals):
    """A library with a NAS folder, the sample photos indexed: (library, nas)."""
    from photofs.jobs.add_folder import add_folder
    nas = tmp_path / "nas"
    nas.mkdir()
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    add_folder(lib, originals, progress=False)
    yield lib, nas
    lib.close()


@pytest.fixture
def library(tmp_path) -> LibraryFolder:
    lib = LibraryFolder.create(tmp_path / "library", Settings(birth_date=BIRTH, time_zone=ZONE))
    yield lib
    lib.close()


class CLI:
    """Runs `photofs` in-process; returns (exit code, stdout, stderr)."""

    def __init__(self, capsys, library: Path | None):
        self.capsys = capsys
        self.library = library

    def __call__(self, *args: str) -> tuple[int, str, str]:
        argv = (["--library", str(self.library)] if self.library else []) + [str(a) for a in args]
        self.capsys.readouterr()
        code = main(argv)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str):
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(capsys, library) -> CLI:
    return CLI(capsys, library.path)


def assert_one_error_line(code: int, err: str, *fragments: str) -> None:
    """The contract for bad input: non-zero exit, exactly one line, no traceback."""
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def utc(*args) -> float:
    return dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()
