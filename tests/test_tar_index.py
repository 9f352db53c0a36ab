"""A .tgz Takeout part is made seekable by its first pass (sources/takeout/tar_index.py):
the archive, `thumbs` and the mount then read one member by a seek, not by decompressing
the part from its start for each photo."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
from pathlib import Path

import pytest

from conftest import BIRTH, ZONE
from images import clip_bytes, jpeg_bytes
from photofs.jobs.archive import archive
from photofs.jobs.bytes_read import process_rchar
from photofs.jobs.import_takeout import import_takeout
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.sources.takeout import reader
from photofs.sources.takeout.containers import BadContainer, open_container
from photofs.sources.takeout.tar_index import INDEX_ENV, TarBroken, prune_indexes, restart_spacing, seekable_tar
from takeout_builder import Takeout, sidecar, ts


def noise(n: int, seed: int) -> bytes:
    """Bytes gzip cannot shrink, like a JPEG's."""
    return hashlib.shake_256(str(seed).encode()).digest(n)


def tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


def at_once(fn, n: int) -> None:
    """fn(0) .. fn(n - 1), each on its own thread, all at the same time."""
    threads = [threading.Thread(target=fn, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.fixture
def part(tmp_path, monkeypatch):
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "parts"))
    members = {f"Takeout/Google Photos/Photos from 2019/IMG_{n:03}.jpg": noise(150_000 + n, n) for n in range(40)}
    return tgz(tmp_path / "takeout-001.tgz", members), members


def test_every_member_reads_back_by_a_seek_in_any_order(part):
    path, members = part
    view = seekable_tar(path)
    names = list(members)
    for name in names[::-3] + names[1::3]:
        with view.open(name) as f:
            assert f.read() == members[name]
    with view.open(names[5]) as f:  # a video reader seeks inside its member
        f.seek(1000)
        assert f.read(10) == members[names[5]][1000:1010]
        f.seek(-10, io.SEEK_END)
        assert f.read() == members[names[5]][-10:]
    assert list(view.table()) == names  # the part's own order


def saved(path: Path) -> list[str]:
    return sorted(p.name.split(".", 1)[1] for p in (path.parent / "parts").iterdir() if p.suffix != ".lock")


def test_the_pass_reads_the_part_once_and_the_first_seek_indexes_it_for_every_process(part):
    path, members = part
    before = process_rchar()
    view = seekable_tar(path)
    assert list(view.table()) == list(members)
    if before is not None:
        assert process_rchar() - before < 1.05 * path.stat().st_size  # a plain streamed read
    assert saved(path) == ["members.jsonl"]  # a part never read out of order pays for no restart points
    name = list(members)[3]
    with view.open(name) as f:
        assert f.read() == members[name]
    assert saved(path) == ["gzidx", "members.jsonl"]
    index_bytes = sum(p.stat().st_size for p in (path.parent / "parts").glob("*.gzidx"))
    assert index_bytes < 0.1 * path.stat().st_size
    fresh = seekable_tar(path)  # another process: nothing in memory, the saved index on disk
    before = process_rchar()
    name = list(members)[-1]  # the last member: a scan would decompress the whole part for it
    with fresh.open(name) as f:
        assert f.read() == members[name]
    if before is not None:
        assert process_rchar() - before < path.stat().st_size / 3


def test_a_part_rewritten_in_place_is_indexed_again(part):
    path, members = part
    seekable_tar(path).table()
    changed = dict(list(members.items())[:5])
    changed["Takeout/Google Photos/new.jpg"] = b"new bytes"
    tgz(path, changed)
    os.utime(path, ns=(1, 1))  # a new size and time: another key
    view = seekable_tar(path)
    assert list(view.table()) == list(changed)
    with view.open("Takeout/Google Photos/new.jpg") as f:
        assert f.read() == b"new bytes"


def test_a_damaged_saved_index_is_made_again_and_reads_right(part):
    path, members = part
    with seekable_tar(path).open(list(members)[0]) as f:  # the table and the restart points
        f.read()
    assert saved(path) == ["gzidx", "members.jsonl"]
    for kept in (path.parent / "parts").iterdir():
        kept.write_bytes(b"\x00garbage")
    view = seekable_tar(path)
    name = list(members)[17]
    with view.open(name) as f:
        assert f.read() == members[name]


def test_a_truncated_part_still_gives_the_members_before_the_break(part, tmp_path):
    path, members = part
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    view = seekable_tar(cut)
    with pytest.raises(TarBroken, match="truncated or corrupt after"):
        view.table()
    first = list(members)[0]
    with view.open(first) as f:
        assert f.read() == members[first]
    container = open_container(cut)
    listed = []
    with pytest.raises(BadContainer, match="re-download"):
        for m in container.members():
            listed.append(m.name)
    assert 0 < len(listed) < len(members) and listed == list(members)[:len(listed)]
    with pytest.raises(BadContainer):
        container.open(list(members)[-1]).read()


def test_several_threads_read_one_part_at_once(part):
    """The mount serves from several threads, all through one open part."""
    path, members = part
    view = seekable_tar(path)
    names, wrong = list(members), []

    def read(k):
        for name in names[k::4]:
            with view.open(name) as f:
                while True:
                    got = f.read(40_000)
                    if not got:
                        break
                    f.seek(-len(got), io.SEEK_CUR)
                    if f.read(len(got)) != got:
                        wrong.append(name)
            with view.open(name) as f:
                if f.read() != members[name]:
                    wrong.append(name)

    at_once(read, 4)
    assert not wrong


def _takeout(n: int) -> Takeout:
    t = Takeout()
    for k in range(n):
        name = f"IMG_{k:03}.jpg"
        t.add(f"Photos from 2019/{name}", jpeg_bytes(seed=k, size=(900, 700)) + noise(120_000, k))  # trailing bytes: a JPEG's size
        t.add(f"Photos from 2019/{name}.json", sidecar(name, ts(2019, 5, 1 + k % 27, 10 + k % 12)))
    t.add("Photos from 2019/VID_1.mp4", clip_bytes(seed=3, seconds=1.0))
    t.add("Photos from 2019/VID_1.mp4.json", sidecar("VID_1.mp4", ts(2019, 6, 1, 9)))
    return t


def test_archiving_a_tgz_takeout_reads_the_part_about_once_not_once_a_photo(tmp_path):
    nas = tmp_path / "nas"
    nas.mkdir()
    lib = LibraryFolder.create(tmp_path / "lib", Settings(birth_date=BIRTH, time_zone=ZONE, nas_path=str(nas)))
    path = _takeout(30).tgz(tmp_path / "takeout-001.tgz")
    summary = import_takeout(lib, [path], progress=False, workers=1)
    assert summary.counts["new"] == 31
    reader._opened.cache_clear()  # as in a new process: only the saved table is left
    before = process_rchar()
    done = archive(lib, progress=False, workers=1)
    assert done.counts["archived"] == 31
    copies = sum(p.stat().st_size for p in nas.rglob("*") if p.is_file() and not p.name.endswith(".json"))
    if before is not None:
        from_part = process_rchar() - before - copies  # less the verifying read-back of each copy
        # One pass to make the restart points, then a seek for each: a restart spacing and the
        # photo. A scan for each photo would read half the part on average: 15 parts' worth.
        size = path.stat().st_size
        assert from_part < 1.1 * size + sum(len(m) + 1.5 * restart_spacing(size) for n, m in _takeout(30).members.items() if not n.endswith(".json"))
    for item in lib.catalog.items():
        assert Path(item.nas_path).is_file() and item.nas_sha256
    lib.close()


def test_import_reads_every_sidecar_from_the_pass_not_by_a_seek_each(tmp_path, monkeypatch):
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "parts"))
    t = _takeout(30)
    path = t.tgz(tmp_path / "takeout-001.tgz")
    sidecars = {n: d for n, d in t.members.items() if n.endswith(".json")}
    for fresh in (True, False):  # the table made here, then (a new process) loaded from disk
        container = open_container(path)
        assert {m.name for m in container.members()} == set(t.members)
        before = process_rchar()
        assert {n: container.read(n, 1 << 20) for n in sidecars} == sidecars
        if before is not None:
            read = process_rchar() - before
            # The pass kept them; a table from disk costs one more pass, never a seek for each.
            assert read < (0.05 if fresh else 1.1) * path.stat().st_size


def test_workers_that_want_the_same_part_at_once_make_its_restart_points_once(part, monkeypatch):
    """The archive's pool opens a part in every worker at the same moment: one pass, not one each."""
    import photofs.sources.takeout.tar_index as tar_index
    path, members = part
    seekable_tar(path).table()
    made, real = [], tar_index.SeekableTar._make_points
    monkeypatch.setattr(tar_index.SeekableTar, "_make_points", lambda self: made.append(1) or real(self))
    names, wrong = list(members), []

    def worker(k):  # each its own view, as each process of the pool has
        with seekable_tar(path).open(names[k]) as f:
            if f.read() != members[names[k]]:
                wrong.append(k)

    at_once(worker, 4)
    assert not wrong and made == [1]


def test_indexes_of_parts_deleted_or_rewritten_are_pruned_and_an_offline_nas_keeps_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "parts"))
    photos = {f"Takeout/Google Photos/x/IMG_{n}.jpg": noise(60_000, n) for n in range(5)}
    kept, rewritten, deleted = (tgz(tmp_path / f"takeout-00{k}.tgz", photos) for k in (1, 2, 3))
    (tmp_path / "nas").mkdir()
    offline = tgz(tmp_path / "nas" / "takeout-004.tgz", photos)
    for part in (kept, rewritten, deleted, offline):
        with seekable_tar(part).open(next(iter(photos))) as f:  # its table and its restart points
            f.read()
    assert len(list((tmp_path / "parts").glob("*.members.jsonl"))) == 4
    tgz(rewritten, dict(list(photos.items())[:2]))
    os.utime(rewritten, ns=(1, 1))
    deleted.unlink()
    os.rename(tmp_path / "nas", tmp_path / "nas-unmounted")
    assert prune_indexes(tmp_path / "parts") == 2
    left = {json.loads(p.read_text().split("\n")[0])["part"] for p in (tmp_path / "parts").glob("*.members.jsonl")}
    assert left == {str(kept), str(offline)}
    assert len(list((tmp_path / "parts").glob("*.gzidx"))) == 2  # the restart points went with their tables
    import photofs.sources.takeout.tar_index as tar_index
    made = []
    monkeypatch.setattr(tar_index.SeekableTar, "_make_points", lambda self: made.append(1))
    with seekable_tar(kept).open(list(photos)[-1]) as f:  # what is left still serves, as it was
        assert f.read() == list(photos.values())[-1]
    assert not made


def test_a_truncated_part_keeps_the_sidecars_before_the_break_and_reads_them_in_one_pass(tmp_path, monkeypatch):
    """A half-downloaded last part is common: the photos before the break keep their capture
    times, and reading their sidecars is not a pass over the part for each."""
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "parts"))
    t = _takeout(30)
    whole = t.tgz(tmp_path / "whole.tgz")
    cut = tmp_path / "takeout-002.tgz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    container = open_container(cut)
    listed = []
    with pytest.raises(BadContainer, match="re-download"):
        for m in container.members():
            listed.append(m.name)
    sidecars = [n for n in listed if n.endswith(".json")]
    assert len(sidecars) > 5
    container = open_container(cut)  # as a new process: nothing kept from that pass
    before = process_rchar()
    assert {n: container.read(n, 1 << 20) for n in sidecars} == {n: t.members[n] for n in sidecars}
    if before is not None:
        assert process_rchar() - before < 1.1 * cut.stat().st_size  # one pass, not one per sidecar
