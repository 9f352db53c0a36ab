"""The VFS's public face (vfs/face.py): PhotoVFS is one, and the front ends
call nothing else on it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import photofs
from photofs.vfs import VFS, PhotoVFS
from photofs.vfs.face import VFS as Face

FRONT_ENDS = ["adapters/fuse.py", "adapters/webdav.py", "adapters/winfsp.py"]


def face_methods() -> set[str]:
    return {name for name, _ in inspect.getmembers(Face, inspect.isfunction) if not name.startswith("_")}


def test_photovfs_is_a_filesystem_with_the_same_signatures(fs):
    assert isinstance(fs, VFS)
    for name in face_methods():
        ours, promised = inspect.signature(getattr(PhotoVFS, name)), inspect.signature(getattr(Face, name))
        assert list(ours.parameters) == list(promised.parameters), name


def test_front_ends_call_only_the_face():
    """Every `vfs.<name>` and `self.vfs.<name>` in an adapter is a method of the face."""
    allowed = face_methods()
    root = Path(photofs.__file__).parent
    for rel in FRONT_ENDS:
        tree = ast.parse((root / rel).read_text())
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                owner = node.value
                if (isinstance(owner, ast.Name) and owner.id == "vfs") or (
                        isinstance(owner, ast.Attribute) and owner.attr == "vfs"):
                    used.add(node.attr)
        assert used, rel
        assert used <= allowed, (rel, used - allowed)
