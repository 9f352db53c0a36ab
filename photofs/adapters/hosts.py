"""What each operating system needs to mount photofs: which FUSE library to load,
which mount options its file manager wants, and where a mountpoint may be.

Plain functions of (system, environment): they are tested on Linux for all three
systems. Nothing here loads a library.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from photofs.errors import PhotofsError

# FUSE capability bits that ask the host to treat names without regard to case
# (WinFsp's FSP_FUSE_CAP_CASE_INSENSITIVE and macFUSE's FUSE_CAP_CASE_INSENSITIVE
# are both bit 29) and, on WinFsp, to take attributes from readdir so Explorer
# does not stat every file (FSP_FUSE_CAP_READDIR_PLUS).
CAP_CASE_INSENSITIVE = 1 << 29
CAP_WINFSP_READDIR_PLUS = 1 << 21
FSNAME = "photofs"  # what mount_options names the filesystem; the mount table shows it

INSTALL_HINTS = {
    "linux": "install fuse3 and libfuse3-3 (apt-get install fuse3 libfuse3-3), or use `photofs serve --webdav`",
    "darwin": "install macFUSE (https://osxfuse.github.io) or FUSE-T (https://www.fuse-t.org), "
              "or use `photofs serve --webdav` and Finder's Connect to Server",
    "win32": "install WinFsp (https://winfsp.dev/rel/), or use `photofs serve --webdav` "
             "and Explorer's Map network drive",
}

MACOS_LIBRARIES = {  # where their installers put them
    "macfuse": ["/usr/local/lib/libfuse.2.dylib", "/usr/local/lib/libosxfuse.2.dylib"],
    "fuse-t": ["/usr/local/lib/libfuse-t.dylib"],
}


@dataclass(frozen=True)
class FuseLibrary:
    path: str
    flavour: str  # libfuse3, libfuse2, macfuse, fuse-t, winfsp


def system_name(platform: str) -> str:
    return "linux" if platform.startswith("linux") else platform


def find_fuse_library(platform: str, env=os.environ, find_library=ctypes.util.find_library,
                      exists=os.path.exists, winfsp_dir=None) -> FuseLibrary:
    """The library mfusepy should load here, or PhotofsError saying what to install."""
    system = system_name(platform)
    override = env.get("FUSE_LIBRARY_PATH")
    if override:
        if ("/" in override or "\\" in override) and not exists(override):  # a bare soname is the loader's to find
            raise PhotofsError(f"FUSE_LIBRARY_PATH={override}: no such file (unset it to let photofs look)")
        return FuseLibrary(override, _flavour_of(override, system))
    if system == "linux":
        # libfuse 3 first: its readdir carries attributes (readdir-plus).
        for name, flavour in (("fuse3", "libfuse3"), ("fuse", "libfuse2")):
            found = find_library(name)
            if found:
                return FuseLibrary(found, flavour)
    elif system == "darwin":
        # macFUSE first (a kernel extension, the most complete); FUSE-T needs none (NFS underneath).
        for flavour, paths in MACOS_LIBRARIES.items():
            for path in paths:
                if exists(path):
                    return FuseLibrary(path, flavour)
        found = find_library("fuse") or find_library("fuse-t")
        if found:
            return FuseLibrary(found, "fuse-t" if "fuse-t" in found else "macfuse")
    elif system == "win32":
        install = winfsp_dir() if winfsp_dir else _winfsp_install_dir()
        arch = "x64" if env.get("PROCESSOR_ARCHITECTURE", "AMD64").endswith("64") else "x86"
        if install:
            dll = str(PureWindowsPath(install) / "bin" / f"winfsp-{arch}.dll")
            if exists(dll):
                return FuseLibrary(dll, "winfsp")
    raise PhotofsError(f"no FUSE library found: {INSTALL_HINTS.get(system, 'install libfuse')}")


def _flavour_of(path: str, system: str) -> str:
    name = os.path.basename(path).lower()
    if "winfsp" in name:
        return "winfsp"
    if "fuse-t" in name:
        return "fuse-t"
    if system == "darwin":
        return "macfuse"
    return "libfuse3" if "fuse3" in name else "libfuse2"


def _winfsp_install_dir() -> str | None:
    try:
        import winreg  # only on Windows
    except ImportError:
        return None
    for view in (winreg.KEY_WOW64_32KEY, winreg.KEY_WOW64_64KEY):
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\WinFsp", 0, winreg.KEY_READ | view) as key:
                return winreg.QueryValueEx(key, "InstallDir")[0]
        except OSError:
            continue
    return None


def mount_options(library: FuseLibrary, volume_name: str = "photofs") -> dict:
    """Options for mfusepy's FUSE(): the volume's name as each desktop shows it, and
    short caches so changes made by another process show within a second."""
    common = {"foreground": True, "entry_timeout": 1.0, "attr_timeout": 1.0, "negative_timeout": 0.0}
    if library.flavour in ("libfuse3", "libfuse2"):
        options = {**common, "fsname": FSNAME, "auto_unmount": True, "default_permissions": True}
        if library.flavour == "libfuse3":
            options["max_idle_threads"] = 10  # else libfuse 3.14 warns (libfuse#1003)
        return options
    if library.flavour in ("macfuse", "fuse-t"):
        # No `noappledouble`: it makes Finder's copies fail. `._*` and .DS_Store go
        # to the scratch space instead, and xattrs are kept there.
        return {**common, "fsname": FSNAME, "volname": volume_name, "default_permissions": True}
    # WinFsp: uid/gid -1 map files to the user who mounted; timeouts in milliseconds.
    return {"foreground": True, "volname": volume_name, "uid": -1, "gid": -1,
            "FileInfoTimeout": 1000, "DirInfoTimeout": 1000, "VolumeInfoTimeout": 1000}


def wanted_capabilities(library: FuseLibrary) -> int:
    """Capability bits to ask for in init: Windows and macOS look names up without regard to case."""
    if library.flavour == "winfsp":
        return CAP_CASE_INSENSITIVE | CAP_WINFSP_READDIR_PLUS
    if library.flavour == "macfuse":
        return CAP_CASE_INSENSITIVE
    return 0


def case_insensitive(library: FuseLibrary) -> bool:
    return library.flavour in ("winfsp", "macfuse", "fuse-t")


_DRIVE = re.compile(r"^[A-Za-z]:\\?$")


def check_mountpoint(platform: str, mountpoint: str, exists=os.path.exists, is_dir=os.path.isdir,
                     is_mount=os.path.ismount, listdir=os.listdir) -> None:
    """Where a mount may go. POSIX: an empty existing folder. Windows: a free drive
    letter, or a folder that does not exist yet in one that does (WinFsp makes it)."""
    if system_name(platform) == "win32":
        if _DRIVE.match(mountpoint):
            if exists(mountpoint[:2] + "\\"):
                raise PhotofsError(f"{mountpoint}: that drive letter is in use; choose a free one")
            return
        if exists(mountpoint):
            raise PhotofsError(f"{mountpoint}: WinFsp mounts on a folder that does not exist yet (or use a drive letter like P:)")
        if not is_dir(str(PureWindowsPath(mountpoint).parent)):
            raise PhotofsError(f"{mountpoint}: its parent folder does not exist")
        return
    if not exists(mountpoint):
        raise PhotofsError(f"{mountpoint}: mountpoint does not exist (create it with mkdir)")
    if not is_dir(mountpoint):
        raise PhotofsError(f"{mountpoint}: mountpoint is not a folder")
    if is_mount(mountpoint):
        raise PhotofsError(f"{mountpoint}: something is already mounted there (photofs umount {mountpoint})")
    if listdir(mountpoint):
        raise PhotofsError(f"{mountpoint}: mountpoint is not empty")


def volume_name_for(library_path: Path) -> str:
    """Finder and Explorer show this; WinFsp's label holds at most 31 characters."""
    return f"photofs {library_path.name}"[:31]


def mounted_here(mountpoint: str, platform: str = sys.platform, read=None) -> tuple[str, str] | None:
    """(source, type) of what is mounted at `mountpoint`, from the system's mount table,
    or None when nothing is. Linux: /proc/self/mounts (the last entry wins, as with
    stacked mounts); macOS and the BSDs: `mount`'s `SOURCE on PATH (TYPE, ...)` lines."""
    if system_name(platform) == "linux":
        text = read() if read else Path("/proc/self/mounts").read_text()
        found = None
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 3 and _unescape(fields[1]) == mountpoint:
                found = (_unescape(fields[0]), fields[2])
        return found
    text = read() if read else subprocess.run(["mount"], capture_output=True, text=True).stdout
    found = None
    for line in text.splitlines():
        m = re.match(r"^(.*) on (.*) \(([^,)]+)", line)
        if m and m.group(2) == mountpoint:
            found = (m.group(1), m.group(3))
    return found


def is_photofs_mount(source: str, fstype: str) -> bool:
    """libfuse and macFUSE show the fsname as the source; FUSE-T, which serves over NFS, as `fuse-t:/photofs`."""
    return source == FSNAME or source.endswith(":/" + FSNAME)


def _unescape(field: str) -> str:
    """The mount table writes space, tab, newline and backslash as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)
