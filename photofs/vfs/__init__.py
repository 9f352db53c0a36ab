"""The platform-neutral filesystem every adapter (FUSE, WinFsp, WebDAV) serves.

Front ends use VFS (vfs/face.py), the calls they may make; PhotoVFS is it."""

from photofs.vfs.errors import VFSError
from photofs.vfs.face import VFS
from photofs.vfs.filesystem import PhotoVFS
from photofs.vfs.placement import Placement
from photofs.vfs.stat import Stat

__all__ = ["VFS", "PhotoVFS", "Placement", "Stat", "VFSError"]
