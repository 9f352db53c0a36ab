"""The VFS's public face: every call a front end (the FUSE, WinFsp and WebDAV
adapters, and jobs) may make. PhotoVFS is the one implementation; a front end
that needs something else asks for it here first, so that all meaning stays in
the VFS and the adapters stay translations.

Paths are absolute, `/`-separated, as the mount shows them. Every call raises
VFSError (an OSError with an errno) for what it refuses, and nothing else for
bad input.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from photofs.vfs.errors import VFSError  # noqa: F401 - the one error the face raises
from photofs.vfs.stat import Stat


@runtime_checkable
class VFS(Protocol):
    # -- reading ----------------------------------------------------------------
    def stat(self, path: str) -> Stat:
        """Attributes of a file or folder; ENOENT if there is none."""

    def listdir(self, path: str) -> list[tuple[str, Stat]]:
        """A folder's entries with their attributes (readdir-plus)."""

    def canonical(self, path: str) -> str:
        """The path as the mount spells it, each part matched without regard to case."""

    def open(self, path: str, write: bool = False, truncate: bool = False) -> int:
        """A handle; opening reads nothing."""

    def read(self, fh: int, size: int, offset: int) -> bytes:
        """Bytes of an open file; every read of one open is stable."""

    def read_file(self, path: str) -> bytes:
        """A whole file in one call."""

    # -- writing (copies in, and the scratch space) --------------------------------
    def create(self, path: str) -> int:
        """A new file: a known thumbnail's hash name in a photo folder, or anything in the scratch space."""

    def write(self, fh: int, data: bytes, offset: int) -> int:
        """Bytes into an open file; returns how many."""

    def truncate(self, path: str, length: int) -> None:
        """Cut or extend a file being written."""

    def flush(self, fh: int) -> None:
        """A photo copied in is checked here: it must be a known thumbnail, byte for byte (else EPERM)."""

    def release(self, fh: int) -> None:
        """Close a handle (finishing a copy not yet flushed)."""

    def detach(self, fh: int) -> None:
        """Forget a handle and leave its file as it is (an empty copy stays reserved)."""

    def abort(self, fh: int) -> None:
        """A write that broke off: forget the handle and drop what it wrote."""

    # -- actions (each one sort-state or queue change) --------------------------------
    def rename(self, old: str, new: str) -> None:
        """A move: pins a photo, re-files it, corrects its week, queues it (into a trash
        folder or /to-delete/), takes it back off the queue, or renames a user folder."""

    def copy(self, src: str, dest: str, recursive: bool = True) -> None:
        """cp / cp -r: the destination shows the photo too; the source stays."""

    def unlink(self, path: str) -> None:
        """Delete: queues a photo for removal from the cloud."""

    def check_unlink(self, path: str) -> object | None:
        """What unlink would refuse, raised without doing anything (Windows asks first)."""

    def remove_tree(self, path: str) -> None:
        """rm -r in one action: every photo below queued, the user's folders below dropped."""

    def mkdir(self, path: str) -> None:
        """A user folder in a view (or a desktop's folder in the scratch space)."""

    def rmdir(self, path: str) -> None:
        """Remove an empty folder."""

    def check_rmdir(self, path: str) -> object | None:
        """What rmdir would refuse, raised without doing anything."""

    # -- attributes that are accepted and kept in memory ----------------------------
    def utimens(self, path: str, mtime: float | None) -> None: ...

    def chmod(self, path: str, mode: int) -> None: ...

    def setxattr(self, path: str, name: str, value: bytes) -> None: ...

    def getxattr(self, path: str, name: str) -> bytes: ...

    def listxattr(self, path: str) -> list[str]: ...

    def removexattr(self, path: str, name: str) -> None: ...

    # -- life -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Look at the catalog now and show what it says."""

    def close(self, wait: float = 30.0) -> None:
        """Stop; `wait` seconds for a background build to finish writing."""
