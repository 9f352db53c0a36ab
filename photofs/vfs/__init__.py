"""The platform-neutral filesystem every adapter (FUSE, WinFsp, WebDAV) serves."""

from photofs.vfs.errors import VFSError
from photofs.vfs.filesystem import PhotoVFS, Stat
from photofs.vfs.placement import Placement

__all__ = ["PhotoVFS", "Placement", "Stat", "VFSError"]
