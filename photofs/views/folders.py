"""A view's folder tree: intermediate folders and leaf folders of snapshot rows.

A leaf bigger than the folder limit is split into subfolders by the view's own
rule, so no folder ever lists more than `limit` entries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Path = tuple[str, ...]
# Splits an oversized list of rows into named parts, each ideally smaller.
Splitter = Callable[[np.ndarray], list[tuple[str, np.ndarray]]]


class FolderTree:
    def __init__(self, limit: int):
        self.limit = limit
        self.subdirs: dict[Path, list[str]] = {(): []}
        self.leaves: dict[Path, np.ndarray] = {}

    def add_leaf(self, path: Path, rows: np.ndarray, splitters: list[Splitter] = ()) -> None:
        """Add a folder of rows, splitting it with each splitter in turn while it is too big."""
        if len(rows) > self.limit:
            for i, split in enumerate([*splitters, chunk_split(self.limit)]):
                parts = split(rows)
                if len(parts) > 1:
                    for name, part in parts:
                        self.add_leaf((*path, name), part, list(splitters[i + 1:]))
                    return
        self._add_dir(path)
        self.leaves[path] = rows

    def _add_dir(self, path: Path) -> None:
        for depth in range(1, len(path) + 1):
            parent, here = path[: depth - 1], path[:depth]
            if here not in self.subdirs:
                self.subdirs[here] = []
                self.subdirs[parent].append(here[-1])

    def is_dir(self, path: Path) -> bool:
        return path in self.subdirs


def chunk_split(limit: int) -> Splitter:
    """The last resort: fixed-size parts in the folder's own order (`part-01`, ...)."""
    def split(rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
        n = -(-len(rows) // limit)
        width = max(2, len(str(n)))
        return [(f"part-{i + 1:0{width}d}", rows[i * limit:(i + 1) * limit]) for i in range(n)]
    return split
