"""Front ends that start a server: the FUSE mount (foreground or background) and
WebDAV. They check what the user asked for, then hand the VFS to an adapter."""
