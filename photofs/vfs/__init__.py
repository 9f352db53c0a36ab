"""The platform-neutral filesystem every adapter (FUSE, WinFsp, WebDAV) serves."""

from photofs.vfs.errors import VFSError
from photofs.vfs.filesystem import PhotoVFS, Stat

__all__ = ["PhotoVFS", "Stat", "VFSError"]
