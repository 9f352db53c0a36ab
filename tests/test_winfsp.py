"""The native WinFsp adapter, driven with the call sequences WinFsp issues for
Explorer: open/read/close, properties, drag-move, delete with and without the
recycle bin, delete probes, new folders and copies.

WinFsp cannot be mounted on Linux, so these tests call the adapter's methods in
the order WinFsp's dispatcher would, against a real VFS and catalog. When winfspy
is not importable a minimal stand-in of its types is installed first."""

from __future__ import annotations

import importlib

import pytest

import winfspy_standin

STANDIN = winfspy_standin.install()
winfsp = importlib.import_module("photofs.adapters.winfsp")
from winfspy import (CREATE_FILE_CREATE_OPTIONS, FILE_ATTRIBUTE, NTStatusAccessDenied,  # noqa: E402
                     NTStatusDirectoryNotEmpty, NTStatusEndOfFile, NTStatusObjectNameCollision,
                     NTStatusObjectNameNotFound)

WEEK = "\\by-week\\1508_2019-04-08"
DIR, FILE = CREATE_FILE_CREATE_OPTIONS.FILE_DIRECTORY_FILE, CREATE_FILE_CREATE_OPTIONS.FILE_NON_DIRECTORY_FILE
DELETE = winfsp.FSP_CLEANUP_DELETE
READ_ACCESS, DELETE_ACCESS = 0x120089, 0x110000


@pytest.fixture
def ops(fs):
    return winfsp.WinFspAdapter(fs, "photofs test")


def queued(fs) -> list[str]:
    return sorted(n for n, _ in fs.listdir("/to-delete"))


def photos(fs, path="/by-week/1508_2019-04-08") -> list[str]:
    return sorted(n for n, st in fs.listdir(path) if not st.is_dir)


def read_all(ops, name) -> bytes:
    """What an image viewer does: open, read in chunks to the end, clean up, close."""
    ops.get_security_by_name(name)
    ctx = ops.open(name, FILE, READ_ACCESS)
    data, offset = b"", 0
    while True:
        try:
            chunk = ops.read(ctx, offset, 4096)
        except NTStatusEndOfFile:
            break
        data += chunk
        offset += len(chunk)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    return data


def test_open_read_close_gives_the_thumbnail_and_properties_read_nothing(ops, fs, monkeypatch):
    name = photos(fs)[0]
    assert read_all(ops, f"{WEEK}\\{name}") == fs.read_file(f"/by-week/1508_2019-04-08/{name}")

    # Explorer's properties and details pane: open and ask for attributes, no data.
    made = []
    monkeypatch.setattr(fs.lib.thumbs, "get_or_make", lambda item: made.append(item) or b"")
    ctx = ops.open(f"{WEEK}\\{name.upper()}", FILE, READ_ACCESS)  # names match without regard to case
    info = ops.get_file_info(ctx)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    st = fs.stat(f"/by-week/1508_2019-04-08/{name}")
    assert info["file_size"] == st.size and info["last_write_time"] == winfsp.filetime(st.mtime)
    assert info["file_attributes"] == FILE_ATTRIBUTE.FILE_ATTRIBUTE_ARCHIVE
    assert made == []  # no thumbnail was read or made to show properties


def test_folder_listing_carries_attributes_and_resumes_after_a_marker(ops, fs):
    ctx = ops.open(WEEK, DIR, READ_ACCESS)
    entries = ops.read_directory(ctx, None)
    names = [e["file_name"] for e in entries]
    assert names[:2] == [".", ".."] and names[2:] == photos(fs)
    assert all(e["file_size"] == fs.stat(f"/by-week/1508_2019-04-08/{e['file_name']}").size for e in entries[2:])
    rest = ops.read_directory(ctx, names[3])
    assert [e["file_name"] for e in rest] == names[4:]
    assert ops.get_dir_info_by_name(ctx, names[2].upper())["file_name"] == names[2]
    ops.close(ctx)
    root = ops.open("\\", DIR, READ_ACCESS)
    assert "." not in [e["file_name"] for e in ops.read_directory(root, None)]  # the root has no . and ..


def test_explorer_drag_move_corrects_the_week(ops, fs):
    name = photos(fs)[0]
    src, dst = f"{WEEK}\\{name}", f"\\by-week\\1509_2019-04-15\\{name}"
    with pytest.raises(NTStatusObjectNameNotFound):
        ops.get_security_by_name(dst)  # Explorer checks the target is free
    ctx = ops.open(src, FILE, DELETE_ACCESS)
    ops.rename(ctx, src, dst, False)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    assert name not in photos(fs) and name in photos(fs, "/by-week/1509_2019-04-15")
    assert queued(fs) == []


def test_shift_delete_queues_only_at_cleanup_with_the_delete_flag(ops, fs):
    name = photos(fs)[0]
    path = f"{WEEK}\\{name}"
    ctx = ops.open(path, FILE, DELETE_ACCESS)
    ops.can_delete(ctx, path)             # FileDispositionInformation(DeleteFile=TRUE)
    assert queued(fs) == []               # asking is not deleting
    ops.cleanup(ctx, path, DELETE)
    ops.close(ctx)
    assert queued(fs) == [name]


def test_a_delete_probe_that_is_taken_back_changes_nothing(ops, fs):
    name = photos(fs)[0]
    path = f"{WEEK}\\{name}"
    before = photos(fs)
    ctx = ops.open(path, FILE, DELETE_ACCESS)
    ops.set_delete(ctx, path, True)       # disposition set ...
    ops.set_delete(ctx, path, False)      # ... and unset
    ops.can_delete(ctx, path)             # a bare probe (e.g. the Delete menu item being enabled)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    assert queued(fs) == [] and photos(fs) == before


def test_delete_on_close_and_probes_that_are_refused(ops, fs):
    name = photos(fs)[0]
    ctx = ops.open(f"{WEEK}\\{name}", FILE | CREATE_FILE_CREATE_OPTIONS.FILE_DELETE_ON_CLOSE, DELETE_ACCESS)
    ops.cleanup(ctx, f"{WEEK}\\{name}", DELETE)
    ops.close(ctx)
    assert queued(fs) == [name]
    queued_ctx = ops.open(f"\\to-delete\\{name}", FILE, DELETE_ACCESS)
    with pytest.raises(NTStatusAccessDenied):
        ops.can_delete(queued_ctx, f"\\to-delete\\{name}")  # already queued: move it out instead
    week = ops.open(WEEK, DIR, DELETE_ACCESS)
    with pytest.raises(NTStatusDirectoryNotEmpty):
        ops.can_delete(week, WEEK)
    view = ops.open("\\by-week", DIR, DELETE_ACCESS)
    with pytest.raises(NTStatusAccessDenied):
        ops.set_delete(view, "\\by-week", True)
    assert queued(fs) == [name]


def test_delete_to_the_recycle_bin_queues_the_photo(ops, fs):
    name = photos(fs)[0]
    bin_, sid = "\\$RECYCLE.BIN", "\\$RECYCLE.BIN\\S-1-5-21-1004"
    for folder in (bin_, sid):
        with pytest.raises(NTStatusObjectNameNotFound):
            ops.get_security_by_name(folder)
        ctx = ops.create(folder, DIR, 0x1F01FF, FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY, None, 0)
        ops.set_basic_info(ctx, 0x6 | FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY, 0, 0, 0, 0, None)  # hidden, system
        ops.cleanup(ctx, None, 0)
        ops.close(ctx)
    src, dst = f"{WEEK}\\{name}", f"{sid}\\$RX4Y2Z1.jpg"
    ctx = ops.open(src, FILE, DELETE_ACCESS)
    ops.rename(ctx, src, dst, False)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    info = ops.create(f"{sid}\\$IX4Y2Z1.jpg", FILE, 0x12019F, FILE_ATTRIBUTE.FILE_ATTRIBUTE_ARCHIVE, None, 0)
    ops.write(info, b"\x02" + b"\0" * 543, 0, False, False)
    ops.cleanup(info, None, 0)
    ops.close(info)
    assert queued(fs) == [name] and name not in photos(fs)
    assert fs.read_file("/$RECYCLE.BIN/S-1-5-21-1004/$IX4Y2Z1.jpg")[:1] == b"\x02"  # Explorer's own record stays


def test_new_folder_then_rename_makes_a_user_folder(ops, fs):
    with pytest.raises(NTStatusObjectNameNotFound):
        ops.get_security_by_name("\\sorted\\New folder")
    ctx = ops.create("\\sorted\\New folder", DIR, 0x1F01FF, FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY, None, 0)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    ctx = ops.open("\\sorted\\New folder", DIR, DELETE_ACCESS)
    ops.rename(ctx, "\\sorted\\New folder", "\\sorted\\Holiday", False)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    assert [n for n, _ in fs.listdir("/sorted")] == ["Holiday"]
    other = ops.create("\\sorted\\Other", DIR, 0x1F01FF, FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY, None, 0)
    with pytest.raises(NTStatusObjectNameCollision):
        ops.rename(other, "\\sorted\\Other", "\\sorted\\holiday", False)  # taken, whatever the case


def test_copy_and_paste_files_the_photo_and_foreign_content_vanishes(ops, fs):
    name = photos(fs)[0]
    data = read_all(ops, f"{WEEK}\\{name}")
    ctx = ops.create("\\sorted\\Best", DIR, 0x1F01FF, FILE_ATTRIBUTE.FILE_ATTRIBUTE_DIRECTORY, None, 0)
    ops.close(ctx)
    dst = f"\\sorted\\Best\\{name}"
    ctx = ops.create(dst, FILE, 0x12019F, FILE_ATTRIBUTE.FILE_ATTRIBUTE_ARCHIVE, None, len(data))
    ops.set_file_size(ctx, len(data), True)
    for offset in range(0, len(data), 1000):
        ops.write(ctx, data[offset:offset + 1000], offset, False, False)
    ops.set_basic_info(ctx, FILE_ATTRIBUTE.FILE_ATTRIBUTE_ARCHIVE, 0, 0, winfsp.filetime(1.5e9), 0, None)
    ops.cleanup(ctx, None, 0)
    ops.close(ctx)
    assert photos(fs, "/sorted/Best") == [name] and name in photos(fs)  # a copy stays where it was

    with pytest.raises(NTStatusAccessDenied):  # a name that is no known photo's hash
        ops.create("\\sorted\\Best\\0123456789abcdef.jpg", FILE, 0x12019F, 0, None, 0)
    other = photos(fs)[1]  # a known name with other bytes: refused when the last handle closes
    bad = ops.create(f"\\sorted\\Best\\{other}", FILE, 0x12019F, 0, None, 0)
    ops.write(bad, b"not a photo", 0, False, False)
    ops.cleanup(bad, None, 0)
    ops.close(bad)
    assert photos(fs, "/sorted/Best") == [name]


def test_the_volume_is_case_insensitive_and_labelled(fs):
    winfspy_standin.FileSystem.made.clear()
    import threading
    stop = threading.Event()
    stop.set()
    if not STANDIN:
        pytest.skip("real winfspy: mounting needs Windows")
    winfsp.serve(fs, "P:", "photofs library", stop)
    made = winfspy_standin.FileSystem.made[-1]
    assert made.mountpoint == "P:" and made.volume_params["case_sensitive_search"] == 0
    assert made.volume_params["case_preserved_names"] == 1 and not made.volume_params["reject_irp_prior_to_transact0"]
    assert made.operations.get_volume_info()["volume_label"] == "photofs library" and not made.started
