"""The metadata views: one folder per group, the rules in index/groupings.py,
index/names.py and imaging/colour.py.

- /by-histogram/: dominant colour and brightness (`blue-bright`, `grey-dark`);
- /by-resolution/: megapixel band, aspect ratio, orientation (`12-16MP 4x3 landscape`);
- /by-name/: the file-name pattern (`WhatsApp`, `Screenshots`, `DSC_####`).
"""

from __future__ import annotations

import numpy as np

from photofs.index.snapshot import Snapshot
from photofs.views.folders import FolderTree, group_leaves


def by_histogram(snap: Snapshot, rows: np.ndarray | None = None) -> FolderTree:
    return _grouped(snap.colour, snap.colour_names, rows)


def by_resolution(snap: Snapshot, rows: np.ndarray | None = None) -> FolderTree:
    return _grouped(snap.resolution, snap.resolution_names, rows)


def by_name(snap: Snapshot, rows: np.ndarray | None = None) -> FolderTree:
    return _grouped(snap.name_group, snap.name_group_names, rows)


def _grouped(codes: np.ndarray, names: list[str], rows: np.ndarray | None) -> FolderTree:
    tree = FolderTree(locate=lambda row: [(names[int(codes[row])],)])
    return group_leaves(tree, codes, names, rows)
