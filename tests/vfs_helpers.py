"""Small readers over a PhotoVFS, shared by the action tests."""

from __future__ import annotations

W1, W2 = "/by-week/1508_2019-04-08", "/by-week/1509_2019-04-15"


def files(fs, path):
    return sorted(name for name, st in fs.listdir(path) if not st.is_dir)


def dirs(fs, path):
    return sorted(name for name, st in fs.listdir(path) if st.is_dir)


def everywhere(fs, phash, path="/"):
    """Every path a photo with this hash is shown at."""
    out = []
    for name, st in fs.listdir(path):
        child = path.rstrip("/") + "/" + name
        if st.is_dir:
            out += everywhere(fs, phash, child)
        elif name.startswith(phash):
            out.append(child)
    return out


def one(fs, folder=W2):
    """A photo in a folder that has no twin, so its hash names it alone."""
    names = files(fs, folder)
    return next(n for n in names if "~" not in n and sum(m.startswith(n[:16]) for m in names) == 1)
