"""errno-style errors: adapters turn them into their host's error codes."""

from __future__ import annotations

import errno
import os


class VFSError(OSError):
    def __init__(self, code: int, path: str = ""):
        super().__init__(code, os.strerror(code), path)


def not_found(path: str) -> VFSError:
    return VFSError(errno.ENOENT, path)

