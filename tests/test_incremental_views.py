"""After a change another process made (new photos, changed ones, deletions), the
mount updates the views it had built from the changed photos alone. Whatever the
sequence of changes, the result is the tree a build from scratch gives."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from photofs.domain.items import Item, ItemState
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings
from photofs.views import LOCAL, builders
from photofs.vfs.tree import MountState

BIRTH = dt_birth = 6.43e8  # 1990-05-17 in UTC seconds, about

NAMES = ("IMG_{:04d}.jpg", "DSC_{:04d}.JPG", "Screenshot_{:04d}.png", "WhatsApp Image {:04d}.jpeg", "holiday {}.jpg")

add = st.tuples(st.just("add"), st.lists(st.tuples(
    st.one_of(st.none(), st.floats(3.0e8, 1.6e9)),  # undated, before birth, or in life
    st.sampled_from(NAMES), st.integers(0, 9999), st.sampled_from([(4000, 3000), (1080, 1920), (640, 640)]),
    st.binary(min_size=12, max_size=12)), min_size=1, max_size=8))
change = st.tuples(st.sampled_from(["retake", "recolour", "error", "fix", "delete", "queue", "archive"]),
                   st.integers(0, 10**6))
steps = st.lists(st.one_of(add, change), min_size=1, max_size=8)


def shape(tree, snap) -> tuple:
    """A tree as plain data: its folders (in listing order) and each folder's ids."""
    ids = np.asarray(snap.ids)
    return (dict(tree.subdirs), {p: sorted(ids[r].tolist()) for p, r in tree.leaves.items()})


@settings(max_examples=60, deadline=None)
@given(steps, st.sampled_from([0, 3, 100_000]))
def test_updated_views_equal_views_built_from_scratch(steps, tail_limit):
    """`tail_limit`: how many photos may wait out of id order at the end of the saved
    index (photos thumbnailed out of order) before it is merged in order again."""
    from photofs.index import saved
    real_limit = saved._tail_limit
    saved._tail_limit = lambda n: tail_limit
    try:
        _check_updates(steps)
    finally:
        saved._tail_limit = real_limit


def _check_updates(steps):
    with tempfile.TemporaryDirectory() as d:
        lib = LibraryFolder.create(Path(d) / "lib", Settings(birth_date="1990-05-17", time_zone="UTC"))
        writer = LibraryFolder(lib.path)  # another process's connection, as a job has
        serial = [0]

        def put(photos):
            items = []
            for taken, name, number, (w, h), _ in photos:
                serial[0] += 1
                week = None if taken is None else int((taken - BIRTH) // (7 * 86400))
                items.append(Item(source="folder", source_id=f"/p/{serial[0]}/{name.format(number)}",
                                  original_name=name.format(number), size=1000, taken_at=taken, week=week,
                                  width=w, height=h))
            writer.catalog.upsert_many(items)
            for it, photo in zip(items, photos):
                item_id = writer.catalog.get_by_source("folder", it.source_id).id
                writer.catalog.set_thumbnail(item_id, f"{item_id * 7919:016x}", 5000, b"\0" * 56, photo[4])

        put([(1.0e9, "IMG_{:04d}.jpg", 1, (4000, 3000), bytes(12))])
        state = MountState(lib, 0)
        for view in LOCAL:
            state.tree(view)  # built, as a mount has after the user looked around
        for step in steps:
            time.sleep(0.002)  # a change is strictly later than the index it follows
            if step[0] == "add":
                put(step[1])
            else:
                items = writer.catalog.items()
                it = items[step[1] % len(items)]
                kind = step[0]
                if kind == "retake":  # capture time corrected: another week
                    with writer.catalog.transaction() as db:
                        db.execute("UPDATE items SET taken_at=?, week=week+3, updated_at=? WHERE id=?",
                                   ((it.taken_at or 1e9) + 3 * 7 * 86400, time.time(), it.id))
                elif kind == "recolour":
                    writer.catalog.set_thumbnail(it.id, f"{it.id:016x}", 5000, b"\0" * 56, bytes([200] * 12))
                elif kind == "archive":  # touched, shown the same
                    writer.catalog.set_archived(it.id, f"/nas/{it.id}.jpg", "0" * 64, 1000)
                elif kind == "fix":  # thumbnailed again: an old id becomes visible again
                    writer.catalog.set_thumbnail(it.id, f"{it.id * 7919:016x}", 5000, b"\0" * 56, bytes(12))
                elif kind == "error":
                    writer.catalog.set_error(it.id, "unreadable")
                elif kind == "delete" and len(items) > 1:
                    writer.catalog.join_into(it.id, items[(step[1] + 1) % len(items)].id, [])
                elif kind == "queue":
                    from photofs.domain.sorting import SortChange
                    writer.catalog.apply_sort_change(SortChange(queue_add={it.id}))
                    with writer.catalog.transaction() as db:
                        db.execute("UPDATE queue SET state='removed', updated_at=? WHERE item_id=?",
                                   (time.time(), it.id))
            new = MountState(lib, 0, previous=state)
            if new.snap.fingerprint != state.snap.fingerprint:
                assert new.snap.previous == state.snap.fingerprint  # updated, not rebuilt
            ids = np.asarray(new.snap.ids)
            assert np.array_equal(ids[new.snap.rows_of(ids)], ids)  # every id found, in or out of order
            assert sorted(ids.tolist()) == sorted(r.id for r in writer.catalog.items(states=[ItemState.THUMBNAILED])
                                                  if r.id not in queued_removed(writer))
            fresh = builders(new.snap, lib.settings)
            for view in LOCAL:
                assert view in new.trees._trees  # carried over (or kept), not left to build
                tree = new.tree(view)
                assert shape(tree, new.snap) == shape(fresh[view](), new.snap), view
                for path, rows in tree.leaves.items():  # each row's folder, told by the row alone
                    assert all(tree.folders_of(int(r)) == [path] for r in rows), (view, path)
            state = new
        writer.close()
        lib.close()


def queued_removed(lib) -> set[int]:
    with lib.catalog.transaction() as db:
        return {r[0] for r in db.execute("SELECT item_id FROM queue WHERE state='removed'")}
