"""export-thumbs, then a lost catalog, then rebuild --from-thumbs: the same library."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import CLI, assert_one_error_line
from photofs.library_folder import LibraryFolder
from photofs.vfs import PhotoVFS
from vfs_helpers import W1, W2, files


def snapshot_of(lib):
    items = {(i.source, i.source_id): (i.phash, i.original_name, i.taken_at, i.sha256, i.width, i.height, i.make,
                                       i.gps_lat, tuple(i.albums)) for i in lib.catalog.items()}
    pins, folders, queued = lib.catalog.load_sort_state()
    by_id = {i.id: (i.source, i.source_id) for i in lib.catalog.items()}
    return items, sorted((v, by_id[i], f) for v, i, f in pins), sorted(folders), sorted(by_id[i] for i in queued)


def test_round_trip(fs, tmp_path, capsys):
    name = files(fs, W2)[0]
    fs.mkdir("/sorted/Trips")
    fs.mkdir("/sorted/Trips/Italy")
    fs.mkdir("/sorted/Empty")
    fs.rename(f"{W2}/{name}", f"/sorted/Trips/Italy/{name}")
    fs.rename(f"{W2}/{name}", f"{W1}/{name}")
    fs.unlink(f"{W2}/{files(fs, W2)[0]}")
    before = snapshot_of(fs.lib)
    shown_before = fs.read_file(f"{W1}/{name}")
    out = tmp_path / "thumbs"
    cli = CLI(capsys, fs.lib.path)
    exported = cli.json("export-thumbs", out)
    assert exported["counts"]["written"] > 50
    assert (out / "sorted" / "Empty").is_dir()
    assert os.stat(out / "by-week" / W1.split("/")[-1] / name).st_mtime == fs.stat(f"{W1}/{name}").mtime
    # The catalog and the cache are lost.
    library = fs.lib.path
    fs.close()
    for p in list(library.glob("catalog.sqlite*")) + [library / "cache"]:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    (library / "cache").mkdir()
    rebuilt = CLI(capsys, library).json("rebuild", "--from-thumbs", out)
    assert rebuilt["counts"]["items restored"] == len(before[0])
    lib = LibraryFolder(library)
    after = snapshot_of(lib)
    assert after[0] == before[0]           # items, hashes, metadata
    assert after[1] == before[1]           # pins
    assert after[3] == before[3]           # the queue
    assert after[2] == before[2]           # your folders, the empty one too
    vfs = PhotoVFS(library, refresh_seconds=0)
    assert vfs.read_file(f"{W1}/{name}") == shown_before  # the very same bytes are served


def test_bad_input(cli, tmp_path):
    assert_one_error_line(*cli("rebuild", "--from-thumbs", tmp_path / "nope")[::2], "not a folder of thumbnails")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "holiday.jpg").write_bytes(b"\xff\xd8 not ours")
    result = cli.json("rebuild", "--from-thumbs", tmp_path / "t")
    assert result["counts"]["not photofs thumbnails"] == 1
    assert_one_error_line(*cli("export-thumbs", tmp_path / "x", "--view", "by-mood")[::2], "unknown view")
