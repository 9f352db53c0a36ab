"""The snapshot saved in LIBRARY/index/: reused while the catalog is unchanged,
brought up to date with what changed, rebuilt when that cannot be exact, and
always equal to a snapshot built from scratch."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from photofs.domain.sorting import SortChange
from photofs.domain.items import Item, ItemState
from photofs.index import saved
from photofs.index.snapshot import Snapshot
from photofs.library_folder import LibraryFolder
from photofs.vfs import PhotoVFS
from photofs.views import by_similar


def add(lib: LibraryFolder, start: int, n: int, folder: str = "/nas/2019/Italy 2019", albums=None) -> list[int]:
    rng = np.random.default_rng(start)
    items = [Item(source="folder", source_id=f"{folder}/IMG_{i:05d}.jpg", original_name=f"IMG_{i:05d}.jpg",
                  size=1000 + i, taken_at=1.55e9 + i * 3600, week=1500 + i // 168, width=4000, height=3000,
                  albums=albums or []) for i in range(start, start + n)]
    lib.catalog.upsert_many(items)
    ids = [lib.catalog.get_by_source("folder", it.source_id).id for it in items]
    for item_id in ids:
        lib.catalog.set_thumbnail(item_id, f"{int(rng.integers(0, 2**63)):016x}", 5000, b"\0" * 56, bytes(range(12)))
    return ids


def same(a: Snapshot, b: Snapshot) -> None:
    for k in Snapshot.ROW_ARRAYS:
        assert np.array_equal(np.asarray(getattr(a, k)), np.asarray(getattr(b, k)), equal_nan=k == "taken"), k
    names_a = sorted((int(a.ids[r]), a.gallery_names[c]) for r, c in zip(*a.galleries()))
    names_b = sorted((int(b.ids[r]), b.gallery_names[c]) for r, c in zip(*b.galleries()))
    assert names_a == names_b


def test_saved_index_is_reused_then_updated_then_rebuilt(library):
    folder = library.index_path
    add(library, 0, 50)
    first = saved.current(library.catalog, folder)
    same(first, Snapshot.from_catalog(library.catalog))
    again = saved.current(library.catalog, folder)
    assert isinstance(again.phash, np.memmap)  # loaded, not rebuilt: memory-mapped from disk

    add(library, 1000, 30)  # new photos only: appended to the saved arrays on disk
    appended = saved.current(library.catalog, folder)
    assert isinstance(appended.phash, np.memmap) and len(appended) == 80
    same(appended, Snapshot.from_catalog(library.catalog))

    time.sleep(0.01)
    add(library, 50, 20, folder="/nas/2019/Italy 2019/Rome")  # new photos in a sub-folder: Italy becomes a collection
    add(library, 70, 5, albums=["Best of"])
    library.catalog.set_error(library.catalog.items()[0].id, "gone")  # one changed: it leaves
    updated = saved.current(library.catalog, folder)
    same(updated, Snapshot.from_catalog(library.catalog))
    assert len(updated) == 104

    items = library.catalog.items(states=[ItemState.THUMBNAILED])
    library.catalog.join_into(items[-1].id, items[-2].id, [])  # an item deleted from the catalog: taken out
    rebuilt = saved.current(library.catalog, folder)
    same(rebuilt, Snapshot.from_catalog(library.catalog))
    assert rebuilt.previous is not None and items[-1].id in rebuilt.changed.tolist()  # from the deletion log

    (folder / "snapshot" / "meta.json").write_text("{not json")  # a crash mid-save: rebuilt, never trusted
    same(saved.current(library.catalog, folder), Snapshot.from_catalog(library.catalog))


def test_an_append_leaves_earlier_readers_whole_and_survives_a_crash(library):
    folder = library.index_path
    add(library, 0, 40)
    before = saved.current(library.catalog, folder)
    kept = np.asarray(before.phash).copy()
    add(library, 1000, 10)
    after = saved.current(library.catalog, folder)
    assert len(before) == 40 and np.array_equal(before.phash, kept)  # a mapped reader sees what it loaded
    assert len(after) == 50 and after.previous == before.fingerprint

    with open(folder / "snapshot" / "ids.bin", "ab") as f:  # an append that crashed before meta.json
        f.write(b"\xff" * 24)
    again = saved.current(library.catalog, folder)
    assert again.fingerprint == after.fingerprint and len(again) == 50  # meta.json counts the rows: garbage unseen
    add(library, 2000, 5)
    same(saved.current(library.catalog, folder), Snapshot.from_catalog(library.catalog))


def test_removed_items_leave_the_saved_index(library):
    ids = add(library, 0, 10)
    saved.current(library.catalog, library.index_path)
    library.catalog.apply_sort_change(SortChange(queue_add={ids[0]}))
    with library.catalog.transaction() as db:
        db.execute("UPDATE queue SET state='removed', updated_at=? WHERE item_id=?", (time.time(), ids[0]))
    snap = saved.current(library.catalog, library.index_path)
    assert ids[0] not in snap.ids.tolist() and len(snap) == 9
    same(snap, Snapshot.from_catalog(library.catalog))


def test_the_grouping_is_saved_with_the_snapshot(library_copy):
    lib = LibraryFolder(library_copy)
    vfs = PhotoVFS(library_copy)
    groups = sorted(n for n, _ in vfs.listdir("/by-similar"))
    vfs.close()
    files = list(lib.index_path.glob("similar-*.npz"))
    assert groups and len(files) == 1
    key = json.loads(str(np.load(files[0])["key"]))
    assert files[0].name == f"similar-{lib.settings.similarity_threshold}-1.npz" and key["n"] > 0
    vfs = PhotoVFS(library_copy)  # the next mount reads it instead of grouping again
    assert sorted(n for n, _ in vfs.listdir("/by-similar")) == groups
    vfs.close()
    lib.close()


def test_the_grouping_is_brought_up_to_date_exactly(library):
    """After photos are added and removed, updating the saved pairs gives the groups
    a full grouping gives, down to a group that splits when its bridge leaves."""
    from photofs.views import by_similar
    ids = add(library, 0, 300)
    base = 0x0F0F_0F0F_0F0F_0F0F
    chain = {ids[0]: base, ids[1]: base ^ 0xFF, ids[2]: base ^ 0xFFFF}  # 0-1 and 1-2 within 10 bits, 0-2 not
    for item_id, h in chain.items():
        library.catalog.set_thumbnail(item_id, f"{h:016x}", 5000, b"\0" * 56, bytes(range(12)))
    settings = library.settings

    def groups(tree):
        return sorted(sorted(np.asarray(snap.ids)[rows].tolist()) for rows in tree.leaves.values())
    snap = saved.current(library.catalog, library.index_path)
    assert groups(by_similar.saved_tree(library.index_path, snap, settings)) == [sorted(chain)]

    time.sleep(0.01)
    library.catalog.set_error(ids[1], "gone")          # the bridge leaves: the group splits
    new = add(library, 300, 5)
    library.catalog.set_thumbnail(new[0], f"{base ^ 0b111:016x}", 5000, b"\0" * 56, bytes(range(12)))  # near ids[0]
    snap = saved.current(library.catalog, library.index_path)
    assert snap.previous is not None  # an update, so the grouping is updated too
    updated = by_similar.saved_tree(library.index_path, snap, settings)
    assert groups(updated) == groups(by_similar.build(snap, settings.similarity_threshold, settings.similar_flips))
    assert groups(updated) == [sorted([ids[0], new[0]])]


def test_a_slow_grouping_leaves_the_mount_listing(library_copy, monkeypatch):
    import threading

    from photofs.vfs.tree import MountState
    from photofs.views import by_similar
    release = threading.Event()
    real = by_similar.build
    monkeypatch.setattr(by_similar, "build", lambda *a, **k: release.wait(30) and real(*a, **k))
    monkeypatch.setattr(MountState, "patience", 0.2)
    for f in LibraryFolder(library_copy).index_path.glob("similar-*"):
        f.unlink()
    vfs = PhotoVFS(library_copy, refresh_seconds=3600)
    started = time.monotonic()
    assert [n for n, _ in vfs.listdir("/by-week")]  # the other views do not wait
    assert vfs.listdir("/by-similar") == []          # shown empty while it is being built
    assert time.monotonic() - started < 5
    release.set()
    deadline = time.monotonic() + 20
    while not vfs.listdir("/by-similar") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert vfs.listdir("/by-similar")  # and filled in when ready, without a remount
    vfs.close()


def test_a_grouping_too_long_for_the_mount_is_left_to_photofs_group(library_copy, monkeypatch, capsys):
    from conftest import CLI
    from photofs.vfs.tree import MountState
    for f in LibraryFolder(library_copy).index_path.glob("similar-*"):
        f.unlink()
    monkeypatch.setattr(MountState, "budget", -1.0)  # as if it would take hours here
    vfs = PhotoVFS(library_copy)
    assert vfs.listdir("/by-similar") == [] and vfs.listdir("/by-week")
    vfs.close()
    result = CLI(capsys, library_copy).json("group")
    assert result["groups"] > 0 and result["grouped"] >= 2 * result["groups"] and result["regrouped"]
    again = CLI(capsys, library_copy).json("group")  # saved and current: brought up to date, the same groups
    assert not again["regrouped"] and again["groups"] == result["groups"]
    full = CLI(capsys, library_copy).json("group", "--full")
    assert full["regrouped"] and full["groups"] == result["groups"]
    vfs = PhotoVFS(library_copy)  # the next mount reads what `group` saved
    assert len(vfs.listdir("/by-similar")) == result["groups"]
    vfs.close()


def test_the_grouping_catches_up_over_several_changes(library):
    """A grouping saved some changes ago is brought forward with what the catalog
    says changed since, not regrouped."""
    from photofs.views import by_similar
    ids = add(library, 0, 200)
    base = 0x0F0F_0F0F_0F0F_0F0F
    library.catalog.set_thumbnail(ids[0], f"{base:016x}", 5000, b"\0" * 56, bytes(range(12)))
    snap = saved.current(library.catalog, library.index_path)
    by_similar.saved_tree(library.index_path, snap, library.settings)
    for step in range(3):  # three updates of the index the grouping never saw
        time.sleep(0.01)
        new = add(library, 1000 + 10 * step, 3)
        library.catalog.set_thumbnail(new[0], f"{base ^ (0b1 << step):016x}", 5000, b"\0" * 56, bytes(range(12)))
        snap = saved.current(library.catalog, library.index_path)
    library.catalog.set_error(ids[5], "gone")
    snap = saved.current(library.catalog, library.index_path)
    calls = []
    real = by_similar.build
    by_similar.build = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        updated = by_similar.saved_tree(library.index_path, snap, library.settings, library.catalog)
    finally:
        by_similar.build = real
    assert not calls  # updated, not rebuilt
    fresh = by_similar.build(snap, library.settings.similarity_threshold, library.settings.similar_flips)
    groups = lambda tree: sorted(sorted(np.asarray(snap.ids)[r].tolist()) for r in tree.leaves.values())  # noqa: E731
    assert groups(updated) == groups(fresh) and len(groups(fresh)[0]) == 4


def test_while_the_groups_update_the_mount_shows_the_previous_ones(library, monkeypatch):
    import threading

    from photofs.vfs.tree import MountState
    ids = add(library, 0, 100)
    base = 0x0F0F_0F0F_0F0F_0F0F
    for i, item_id in enumerate(ids[:3]):
        library.catalog.set_thumbnail(item_id, f"{base ^ (1 << i):016x}", 5000, b"\0" * 56, bytes(range(12)))
    first = MountState(library, 0, background=True)
    groups = [n for n in first.dirs("by-similar")[()]]
    assert len(groups) == 1
    release = threading.Event()
    real = by_similar.saved_tree
    monkeypatch.setattr(by_similar, "saved_tree", lambda *a, **k: release.wait(30) and real(*a, **k))
    monkeypatch.setattr(MountState, "patience", 0.1)
    time.sleep(0.01)
    add(library, 500, 5)
    second = MountState(library, 1, background=True, previous=first)
    assert first.superseded
    assert list(second.dirs("by-similar")[()]) == groups  # the earlier groups, not an empty folder
    release.set()
    deadline = time.monotonic() + 20
    while second._pending and time.monotonic() < deadline:
        second.dirs("by-similar")
        time.sleep(0.05)
    assert not second._pending and list(second.dirs("by-similar")[()]) == groups


def test_a_replaced_state_leaves_the_grouping_to_the_newest(library, monkeypatch):
    from photofs.vfs import tree as tree_module
    from photofs.vfs.tree import MountState
    add(library, 0, 50)
    grouped = []
    real = by_similar.saved_tree
    monkeypatch.setattr(by_similar, "saved_tree", lambda folder, snap, *a, **k: grouped.append(snap.fingerprint)
                        or real(folder, snap, *a, **k))
    with tree_module._BUILDING["by-similar"]:  # another grouping is running: both states wait their turn
        first = MountState(library, 0, background=True)
        time.sleep(0.01)
        add(library, 500, 5)
        second = MountState(library, 1, background=True, previous=first)
    second.tree("by-similar")
    first._pending["by-similar"].wait(20)
    assert grouped == [second.snap.fingerprint]


def test_at_scale_galleries_are_rebuilt_in_the_background(library, monkeypatch):
    """At millions of photos a change rebuilds /by-gallery/ on another thread; until
    then it lists what it listed, less the photos that changed."""
    import threading

    from photofs.views import by_gallery
    from photofs.vfs.tree import MountState
    monkeypatch.setattr(MountState, "slow_rows", 0)  # as if this library were large
    ids = add(library, 0, 30, albums=["Rome"])
    first = MountState(library, 0, background=True)
    assert list(first.dirs("by-gallery")[()]) == ["Rome"]
    release = threading.Event()
    real = by_gallery.build
    monkeypatch.setattr(by_gallery, "build", lambda *a, **k: release.wait(30) and real(*a, **k))
    time.sleep(0.01)
    add(library, 100, 4, albums=["Venice"])
    library.catalog.set_error(ids[0], "gone")
    second = MountState(library, 1, background=True, previous=first)
    assert list(second.dirs("by-gallery")[()]) == ["Rome"]  # at once, the old galleries
    assert len(second.contents("by-gallery", ("Rome",)).rows) == 29  # less the photo that left
    release.set()
    deadline = time.monotonic() + 20
    while second._pending and time.monotonic() < deadline:
        second.dirs("by-gallery")
        second.dirs("by-similar")
        time.sleep(0.05)
    assert sorted(second.dirs("by-gallery")[()]) == ["Rome", "Venice"]


def test_rows_touched_but_shown_the_same_cost_no_rewrite(library):
    """An archive job sets updated_at on every photo it copies; what the mount shows
    does not change, so the saved arrays are kept and nothing counts as changed."""
    def generation():
        return json.loads((library.index_path / "snapshot" / "meta.json").read_text())["generation"]
    ids = add(library, 0, 20)
    first = saved.current(library.catalog, library.index_path)
    time.sleep(0.01)
    for item_id in ids[:5]:
        library.catalog.set_archived(item_id, f"/nas/{item_id}.jpg", "0" * 64, 1000)
    library.catalog.set_thumbnail(ids[6], f"{12345:016x}", 5000, b"\0" * 56, bytes(range(12)))  # one really changes
    after = saved.current(library.catalog, library.index_path)
    assert after.previous == first.fingerprint and after.changed.tolist() == [ids[6]]
    same(after, Snapshot.from_catalog(library.catalog))
    rewritten = generation()  # a photo really changed in place: a new folder was written
    time.sleep(0.01)
    library.catalog.set_archived(ids[7], "/nas/7.jpg", "0" * 64, 1000)
    last = saved.current(library.catalog, library.index_path)
    assert last.changed.tolist() == [] and len(last) == 20 and last.previous == after.fingerprint
    assert generation() == rewritten  # only meta.json moved on: no rewrite for an archived photo
    same(last, Snapshot.from_catalog(library.catalog))


def test_photos_thumbnailed_out_of_order_wait_in_a_tail_then_merge(library):
    """A photo that becomes visible with an older id (its thumbnail came late) is
    appended after the rest rather than rewriting the index; the next rewrite puts
    every row back in id order."""
    from photofs.views import LOCAL, builders
    from photofs.vfs.tree import MountState
    ids = add(library, 0, 30)
    for item_id in ids[3:6]:
        library.catalog.set_error(item_id, "not yet")
    first = MountState(library, 0)
    for view in LOCAL:
        first.tree(view)
    time.sleep(0.01)
    for item_id in ids[3:6]:  # thumbnailed now: ids older than the last row
        library.catalog.set_thumbnail(item_id, f"{item_id:016x}", 5000, b"\0" * 56, bytes(range(12)))
    second = MountState(library, 1, previous=first)
    snap = second.snap
    assert snap.appended and snap.sorted_rows == 27 and len(snap) == 30  # appended: a tail of three
    assert np.array_equal(np.asarray(snap.ids)[snap.rows_of(ids)], ids)
    fresh = Snapshot.from_catalog(library.catalog)
    order = np.argsort(np.asarray(snap.ids))
    for k in Snapshot.ROW_ARRAYS:
        assert np.array_equal(np.asarray(getattr(snap, k))[order], np.asarray(getattr(fresh, k)),
                              equal_nan=k == "taken"), k
    built = builders(snap, library.settings)
    for view in LOCAL:  # updated from the tail equals built from scratch
        got = {p: sorted(np.asarray(snap.ids)[r].tolist()) for p, r in second.tree(view).leaves.items()}
        want = {p: sorted(np.asarray(snap.ids)[r].tolist()) for p, r in built[view]().leaves.items()}
        assert got == want, view

    time.sleep(0.01)
    library.catalog.set_error(ids[10], "gone")  # a removal: the next folder is written in id order
    third = MountState(library, 2, previous=second)
    assert third.snap.sorted_rows == len(third.snap) == 29 and not third.snap.appended
    same(third.snap, Snapshot.from_catalog(library.catalog))
    built = builders(third.snap, library.settings)
    for view in LOCAL:
        got = {p: sorted(np.asarray(third.snap.ids)[r].tolist()) for p, r in third.tree(view).leaves.items()}
        want = {p: sorted(np.asarray(third.snap.ids)[r].tolist()) for p, r in built[view]().leaves.items()}
        assert got == want, view


def test_a_mount_serves_while_it_catches_up(library, monkeypatch):
    """With a refresh interval (a mount), a change from another process is worked
    into the next state on a thread: listings answer from the current state
    meanwhile, and what the user did in the meantime is kept."""
    import threading

    add(library, 0, 20)
    vfs = PhotoVFS(library.path, refresh_seconds=0.01)
    before = sorted(n for n, _ in vfs.listdir("/by-week"))
    release = threading.Event()
    real = saved.current
    monkeypatch.setattr(saved, "current", lambda *a, **k: release.wait(30) and real(*a, **k))
    writer = LibraryFolder(library.path)
    add(writer, 5000, 3)  # another process: weeks of their own
    writer.close()
    time.sleep(0.05)
    started = time.monotonic()
    assert sorted(n for n, _ in vfs.listdir("/by-week")) == before  # answered now, from the current state
    vfs.mkdir("/sorted/Keep")  # a user action while the next state is being built
    assert time.monotonic() - started < 5
    release.set()
    deadline = time.monotonic() + 20
    while sorted(n for n, _ in vfs.listdir("/by-week")) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(vfs.listdir("/by-week")) > len(before)  # caught up
    assert "Keep" in [n for n, _ in vfs.listdir("/sorted")]  # and the folder made meanwhile is there
    vfs.close()
