"""Mounting on Linux, macOS and Windows: which library, which options, which
mountpoints, and case-insensitive names. The choices are plain functions of the
system and its files, so all three systems are checked here on Linux."""

from __future__ import annotations

import pytest

from photofs.adapters import hosts
from photofs.adapters.hosts import FuseLibrary, check_mountpoint, find_fuse_library, mount_options
from photofs.errors import PhotofsError


def finder(*present):
    return lambda name: {"fuse3": "libfuse3.so.3", "fuse": "libfuse.so.2"}[name] if name in present else None


def test_linux_prefers_libfuse3_then_libfuse2_and_says_what_to_install():
    assert find_fuse_library("linux", {}, finder("fuse3", "fuse")).flavour == "libfuse3"
    assert find_fuse_library("linux", {}, finder("fuse")) == FuseLibrary("libfuse.so.2", "libfuse2")
    with pytest.raises(PhotofsError, match="apt-get install fuse3 libfuse3-3"):
        find_fuse_library("linux", {}, finder())


def test_macos_finds_macfuse_then_fuse_t():
    both = {"/usr/local/lib/libfuse.2.dylib", "/usr/local/lib/libfuse-t.dylib"}
    assert find_fuse_library("darwin", {}, finder(), both.__contains__).flavour == "macfuse"
    only_t = {"/usr/local/lib/libfuse-t.dylib"}
    assert find_fuse_library("darwin", {}, finder(), only_t.__contains__) == FuseLibrary("/usr/local/lib/libfuse-t.dylib", "fuse-t")
    with pytest.raises(PhotofsError, match="macFUSE .*osxfuse.github.io.* or FUSE-T"):
        find_fuse_library("darwin", {}, finder(), lambda p: False)


def test_windows_finds_winfsp_through_its_install_folder():
    dll = r"C:\Program Files (x86)\WinFsp\bin\winfsp-x64.dll"
    found = find_fuse_library("win32", {"PROCESSOR_ARCHITECTURE": "AMD64"}, finder(), {dll}.__contains__,
                              winfsp_dir=lambda: "C:\\Program Files (x86)\\WinFsp\\")
    assert found == FuseLibrary(dll, "winfsp")
    with pytest.raises(PhotofsError, match=r"winfsp.dev"):
        find_fuse_library("win32", {}, finder(), lambda p: False, winfsp_dir=lambda: None)


def test_fuse_library_path_overrides_and_is_checked():
    env = {"FUSE_LIBRARY_PATH": "/opt/fuse-t/libfuse-t.dylib"}
    assert find_fuse_library("darwin", env, finder(), lambda p: True).flavour == "fuse-t"
    with pytest.raises(PhotofsError, match="FUSE_LIBRARY_PATH=/nope.so: no such file"):
        find_fuse_library("linux", {"FUSE_LIBRARY_PATH": "/nope.so"}, finder("fuse3"), lambda p: False)


def test_mount_options_per_system():
    linux = mount_options(FuseLibrary("x", "libfuse3"), "photofs lib")
    assert linux["auto_unmount"] and linux["fsname"] == "photofs" and "volname" not in linux
    mac = mount_options(FuseLibrary("x", "macfuse"), "photofs lib")
    assert mac["volname"] == "photofs lib" and "noappledouble" not in mac  # Finder's copies need ._ files
    win = mount_options(FuseLibrary("x", "winfsp"), "photofs lib")
    assert win["volname"] == "photofs lib" and win["uid"] == -1 and win["FileInfoTimeout"] == 1000
    assert hosts.wanted_capabilities(FuseLibrary("x", "winfsp")) == hosts.CAP_CASE_INSENSITIVE | hosts.CAP_WINFSP_READDIR_PLUS
    assert hosts.wanted_capabilities(FuseLibrary("x", "libfuse3")) == 0
    assert len(hosts.volume_name_for(__import__("pathlib").Path("/x/" + "a" * 60))) == 31  # WinFsp's label limit


def test_windows_mountpoints_are_a_free_drive_letter_or_a_new_folder():
    taken = {"C:\\", "C:\\Users\\me\\Photos"}
    check_mountpoint("win32", "P:", exists=taken.__contains__)
    with pytest.raises(PhotofsError, match="drive letter is in use"):
        check_mountpoint("win32", "C:", exists=taken.__contains__)
    check_mountpoint("win32", "C:\\Users\\me\\photofs", exists=taken.__contains__, is_dir=lambda p: p == "C:\\Users\\me")
    with pytest.raises(PhotofsError, match="does not exist yet"):
        check_mountpoint("win32", "C:\\Users\\me\\Photos", exists=taken.__contains__)
    with pytest.raises(PhotofsError, match="parent folder does not exist"):
        check_mountpoint("win32", "D:\\nowhere\\photofs", exists=taken.__contains__, is_dir=lambda p: False)


def test_posix_mountpoints(tmp_path):
    with pytest.raises(PhotofsError, match="does not exist"):
        check_mountpoint("linux", str(tmp_path / "nope"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(PhotofsError, match="not empty"):
        check_mountpoint("darwin", str(tmp_path / "full"))
    (tmp_path / "empty").mkdir()
    check_mountpoint("linux", str(tmp_path / "empty"))


def test_windows_and_macos_adapters_find_names_without_regard_to_case(fs):
    from photofs.adapters.fuse import FuseAdapter
    fs.mkdir("/sorted/Holiday")
    photo = next(n for n, _ in fs.listdir("/by-week/1508_2019-04-08"))
    explorer = FuseAdapter(fs, library=FuseLibrary("winfsp-x64.dll", "winfsp"))
    assert explorer.getattr("/SORTED/holiday")["st_mode"] == fs.stat("/sorted/Holiday").mode
    explorer.rename(f"/By-Week/1508_2019-04-08/{photo.upper()}", f"/Sorted/HOLIDAY/{photo}")
    assert [n for n, _ in fs.listdir("/sorted/Holiday")] == [photo]
    linux = FuseAdapter(fs, library=FuseLibrary("libfuse3.so.3", "libfuse3"))
    with pytest.raises(OSError):
        linux.getattr("/SORTED/holiday")  # Linux is case-sensitive, as its users expect
    assert fs.canonical("/sorted/holiday/NEW.jpg") == "/sorted/Holiday/NEW.jpg"  # a new name keeps its spelling
