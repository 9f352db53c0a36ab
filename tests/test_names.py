"""views/names.py on real snapshots of a real catalog: which photo is `<phash>.jpg`,
and the NameBook that keeps a plain name with its photo while a mount lives."""

from __future__ import annotations

import numpy as np

from photofs.domain.items import ItemState
from photofs.index.snapshot import Snapshot
from photofs.views.names import NameBook, Twins
from test_vfs import put
from conftest import utc

H, K = "abcdefabcdef0000", "1234123412340000"


def names_of(snap, book=None):
    book = book or NameBook()
    return dict(zip(snap.ids.tolist(), book.names(snap, Twins(snap), np.arange(len(snap)))))


def test_the_oldest_of_a_hash_is_plain_and_the_others_carry_their_id(library):
    for n, h in enumerate([H, K, H, H]):
        put(library, n + 1, utc(2019, 4, 8, 12), phash=h)
    snap = Snapshot.from_catalog(library.catalog)
    a, b, c, d = snap.ids.tolist()
    assert names_of(snap) == {a: f"{H}.jpg", b: f"{K}.jpg", c: f"{H}~{c}.jpg", d: f"{H}~{d}.jpg"}
    twins = Twins(snap)
    assert twins.hashes.tolist() == [int(H, 16)] and twins.first.tolist() == [a]


def test_a_book_keeps_plain_names_across_a_snapshot_not_made_from_the_last(library):
    """Snapshots built from scratch (no saved index to say what changed): every row is compared."""
    for n, h in enumerate([H, H, K]):
        put(library, n + 1, utc(2019, 4, 8, 12), phash=h)
    old = Snapshot.from_catalog(library.catalog)
    a, b, c = old.ids.tolist()
    put(library, 3, utc(2019, 4, 8, 12), phash="9999999999999999")  # K's one photo gets another hash
    put(library, 1, utc(2019, 4, 8, 12), phash=H, state=ItemState.MISSING)  # H's holder goes
    put(library, 4, utc(2019, 4, 8, 12), phash=K)  # and a new photo has K
    new = Snapshot.from_catalog(library.catalog)
    book = NameBook()
    book.carry(old, Twins(old), new, Twins(new))
    e = new.ids.tolist()[-1]
    assert book.plain == {int(H, 16): a, int(K, 16): c}
    assert names_of(new, book) == {b: f"{H}~{b}.jpg", c: "9999999999999999.jpg", e: f"{K}~{e}.jpg"}
    assert names_of(new) == {b: f"{H}.jpg", c: "9999999999999999.jpg", e: f"{K}.jpg"}  # the next mount


def test_without_any_twins_a_plain_name_whose_photo_left_is_not_handed_on(library):
    put(library, 1, utc(2019, 4, 8, 12), phash=H)
    put(library, 2, utc(2019, 4, 8, 12), phash=K)
    old = Snapshot.from_catalog(library.catalog)
    a, b = old.ids.tolist()
    put(library, 1, utc(2019, 4, 8, 12), phash="9999999999999999")  # thumbnailed again: another hash
    put(library, 2, utc(2019, 4, 8, 12), phash=H)                   # and the other now has the first's
    new = Snapshot.from_catalog(library.catalog)
    book = NameBook()
    book.carry(old, Twins(old), new, Twins(new))
    assert names_of(new, book) == {a: "9999999999999999.jpg", b: f"{H}~{b}.jpg"}  # H.jpg was a's
