"""A minimal stand-in for winfspy's types, installed as `winfspy` when the real
package cannot be imported (it needs Windows and WinFsp). It holds only what the
adapter touches: the operations base class, the flags, the NTSTATUS exceptions,
the security descriptor and a FileSystem that records how it was made."""

from __future__ import annotations

import sys
import types


class NTStatusError(Exception):
    @property
    def value(self):
        return self.args[0] if self.args else type(self).value


def _status(name: str, code: int):
    return type(name, (NTStatusError,), {"value": code})


class FILE_ATTRIBUTE:
    FILE_ATTRIBUTE_READONLY = 0x1
    FILE_ATTRIBUTE_DIRECTORY = 0x10
    FILE_ATTRIBUTE_ARCHIVE = 0x20
    FILE_ATTRIBUTE_NORMAL = 0x80
    INVALID_FILE_ATTRIBUTES = 0xFFFFFFFF


class CREATE_FILE_CREATE_OPTIONS:
    FILE_DIRECTORY_FILE = 0x1
    FILE_NON_DIRECTORY_FILE = 0x40
    FILE_DELETE_ON_CLOSE = 0x1000


class BaseFileSystemOperations:
    def __init__(self):
        self._opened_objs = {}


class SecurityDescriptor:
    def __init__(self, sddl: str):
        self.sddl, self.handle, self.size = sddl, object(), len(sddl)

    @classmethod
    def from_string(cls, sddl: str):
        return cls(sddl)


class FileSystem:
    made: list = []

    def __init__(self, mountpoint, operations, debug=False, **volume_params):
        self.mountpoint, self.operations, self.volume_params = mountpoint, operations, volume_params
        self.started = False
        FileSystem.made.append(self)

    def start(self):
        self.started = True

    def stop(self):
        self.started = False


def install() -> bool:
    """Put the stand-in in sys.modules unless real winfspy imports. True if it did."""
    try:
        import winfspy  # noqa: F401
        return False
    except ImportError:
        pass
    root = types.ModuleType("winfspy")
    for name, code in [("NTStatusObjectNameNotFound", 0xC0000034), ("NTStatusObjectNameCollision", 0xC0000035),
                       ("NTStatusAccessDenied", 0xC0000022), ("NTStatusNotADirectory", 0xC0000103),
                       ("NTStatusEndOfFile", 0xC0000011), ("NTStatusDirectoryNotEmpty", 0xC0000101)]:
        setattr(root, name, _status(name, code))
    root.NTStatusError = NTStatusError
    root.FILE_ATTRIBUTE = FILE_ATTRIBUTE
    root.CREATE_FILE_CREATE_OPTIONS = CREATE_FILE_CREATE_OPTIONS
    root.BaseFileSystemOperations = BaseFileSystemOperations
    root.FileSystem = FileSystem
    plumbing = types.ModuleType("winfspy.plumbing")
    winstuff = types.ModuleType("winfspy.plumbing.winstuff")
    winstuff.SecurityDescriptor = SecurityDescriptor
    root.plumbing, plumbing.winstuff = plumbing, winstuff
    sys.modules.update({"winfspy": root, "winfspy.plumbing": plumbing, "winfspy.plumbing.winstuff": winstuff})
    return True
