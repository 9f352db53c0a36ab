"""Small readers over a PhotoVFS or a front end of tests/backends.py, shared by the
action tests."""

from __future__ import annotations

W1, W2 = "/by-week/1508_2019-04-08", "/by-week/1509_2019-04-15"


def entries(fs, path) -> list[tuple[str, bool]]:
    """(name, is a folder) of each entry, in one listing."""
    if hasattr(fs, "entries"):  # a backend
        return fs.entries(path)
    return sorted((name, st.is_dir) for name, st in fs.listdir(path))


def files(fs, path):
    return sorted(name for name, is_dir in entries(fs, path) if not is_dir)


def dirs(fs, path):
    return sorted(name for name, is_dir in entries(fs, path) if is_dir)


def everywhere(fs, phash, path="/"):
    """Every path a photo with this hash is shown at."""
    out = []
    for name, is_dir in entries(fs, path):
        child = path.rstrip("/") + "/" + name
        if is_dir:
            out += everywhere(fs, phash, child)
        elif name.startswith(phash):
            out.append(child)
    return out


def one(fs, folder=W2):
    """A photo in a folder that shares its hash with no other, so the hash names it alone."""
    names = files(fs, folder)
    return next(n for n in names if "~" not in n and sum(m.startswith(n[:16]) for m in names) == 1)
