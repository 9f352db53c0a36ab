"""A view's default folder tree: logical folders of snapshot rows, from its rule.

Splitting an oversized folder happens when it is listed (views/listing.py), after
the user's overrides are applied, so pinned and default photos split together.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np

from photofs.index.snapshot import same_rows

Path = tuple[str, ...]
# Splits an oversized list of rows into named parts, each ideally smaller.
Splitter = Callable[[np.ndarray], list[tuple[str, np.ndarray]]]


class FolderTree:
    def __init__(self, splitters: list[Splitter] | None = None, folder_order: Callable[[str], object] | None = None,
                 locate: Callable[[int], list[Path]] | None = None):
        """`folder_order`: the sort key of folder names, where a view lists them in an order.
        `locate`: a row's folders from its own data, for views that can say so; others
        find them in an index of every leaf (built on first use, seconds at 10^7)."""
        self.folder_order = folder_order or (lambda name: name)
        self.locate = locate
        self.subdirs: dict[Path, list[str]] = {(): []}
        self.leaves: dict[Path, np.ndarray] = {}
        self.splitters = splitters or []
        self._row_index: tuple[np.ndarray, np.ndarray, list[Path]] | None = None

    def add_leaf(self, path: Path, rows: np.ndarray, in_order: bool = False) -> None:
        """`in_order`: a new folder goes where folder_order sorts it among its siblings
        (for an update of a tree whose build added folders in that order)."""
        for depth in range(1, len(path) + 1):
            parent, here = path[: depth - 1], path[:depth]
            if here not in self.subdirs:
                self.subdirs[here] = []
                siblings = self.subdirs[parent]
                if in_order:
                    bisect.insort(siblings, here[-1], key=self.folder_order)
                else:
                    siblings.append(here[-1])
        self.leaves[path] = rows

    def folders_of(self, row: int) -> list[Path]:
        """The default folders of one row (most views: one; galleries: one per album)."""
        if self.locate is not None:
            return self.locate(row)
        if self._row_index is None:
            paths = list(self.leaves)
            rows = np.concatenate([self.leaves[p] for p in paths]) if paths else np.empty(0, np.int64)
            which = np.repeat(np.arange(len(paths)), [len(self.leaves[p]) for p in paths])
            order = np.argsort(rows, kind="stable")
            self._row_index = (rows[order], which[order], paths)
        rows, which, paths = self._row_index
        lo, hi = np.searchsorted(rows, row, "left"), np.searchsorted(rows, row, "right")
        return [paths[i] for i in which[lo:hi]]

    def updated(self, remap: Callable[[np.ndarray], np.ndarray], part: "FolderTree") -> "FolderTree":
        """This tree after a change to the snapshot: each leaf's rows passed through
        `remap` (to their new rows, less those that changed or left), and the leaves
        of `part` (the tree of the changed and new rows) added. Folders left empty
        go; new ones take their place in name order when their siblings are in it."""
        if remap is same_rows and not part.leaves and type(part) is type(self):
            return self  # nothing moved, nothing new
        tree = type(part)(part.splitters, part.folder_order, part.locate)  # part's: they read the new snapshot
        for path in self._in_listing_order():
            rows = remap(self.leaves[path])
            extra = part.leaves.get(path)
            if extra is not None:
                rows = np.concatenate([rows, extra])
            if len(rows):
                tree.add_leaf(path, rows)
        for path, rows in part.leaves.items():
            if path not in self.leaves:
                tree.add_leaf(path, rows, in_order=True)
        return tree

    def _in_listing_order(self):
        """The leaves' paths, depth first, each level in the order it is listed."""
        stack = [()]
        while stack:
            path = stack.pop()
            if path in self.leaves:
                yield path
            stack.extend((*path, name) for name in reversed(self.subdirs.get(path, [])))

    def key_of(self, path: Path) -> Path:
        """The stable identity a pin stores for a folder (its path, in most views)."""
        return path

    def resolve_key(self, key: Path) -> Path:
        """Where a pinned folder is now: the inverse of key_of."""
        return key


def chunk_split(limit: int) -> Splitter:
    """The last resort: fixed-size parts in the folder's own order (`part-01`, ...)."""
    def split(rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
        n = -(-len(rows) // limit)
        width = max(2, len(str(n)))
        return [(f"part-{i + 1:0{width}d}", rows[i * limit:(i + 1) * limit]) for i in range(n)]
    return split


def split_rows(rows: np.ndarray, limit: int, splitters: list[Splitter]) -> dict[str, object]:
    """Nested {part name: rows or a further dict}, so no level holds more than `limit`."""
    for i, split in enumerate([*splitters, chunk_split(limit)]):
        parts = split(rows)
        if len(parts) > 1:
            return {name: (split_rows(part, limit, splitters[i + 1:]) if len(part) > limit else part)
                    for name, part in parts}
    return {"": rows}


def runs(breaks: np.ndarray, n: int) -> list[tuple[int, int]]:
    """[start, end) of each run of n sorted elements, given `breaks` (length n - 1),
    True where a new run starts."""
    if n == 0:
        return []
    starts = np.flatnonzero(np.r_[True, breaks])
    return list(zip(starts.tolist(), np.r_[starts[1:], n].tolist()))


def group_leaves(tree: FolderTree, codes: np.ndarray, names: list[str], rows: np.ndarray | None = None,
                 prefix: Path = ()) -> FolderTree:
    """One leaf per distinct code, in name order: the common shape of the metadata views."""
    rows = np.arange(len(codes)) if rows is None else rows
    order = np.argsort(codes[rows], kind="stable")
    rows, sorted_codes = rows[order], codes[rows][order]
    leaves = [(names[int(sorted_codes[s])], rows[s:e]) for s, e in runs(sorted_codes[1:] != sorted_codes[:-1], len(rows))]
    for name, part in sorted(leaves, key=lambda leaf: leaf[0]):
        tree.add_leaf((*prefix, name), part)
    return tree
