"""Reading one member back out of a Takeout part, for thumbnails, the archive and the
workers of import-takeout."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from photofs.sources.takeout.containers import BadContainer, BadMember, Container, open_container


def open_part(path: str) -> Container:
    """The part at `path`, opened once per process: opening a big zip parses its whole
    directory, which would cost as much as a photo if done for each member. Keyed by the
    part's size and time too, so a part rewritten in place is opened again."""
    st = os.stat(path)
    return _opened(path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)  # keep a few open
def _opened(path: str, size: int, mtime_ns: int) -> Container:
    return open_container(Path(path))


def read_member(container: str, member: str, limit: int) -> bytes:
    if not Path(container).exists():
        raise FileNotFoundError(2, "Takeout part not found (NAS offline or moved?)", container)
    try:
        return open_part(container).read(member, limit)
    except (BadContainer, BadMember) as e:
        raise OSError(f"{container}:{member}: {e}") from None


def open_member(container: str, member: str) -> BinaryIO:
    """One member as a stream (for the archive and video frames): never extracted."""
    if not Path(container).exists():
        raise FileNotFoundError(2, "Takeout part not found (NAS offline or moved?)", container)
    try:
        c = open_part(container) if not Path(container).is_dir() else open_container(Path(container))
        return c.open(member)
    except (BadContainer, BadMember) as e:
        raise OSError(f"{container}:{member}: {e}") from None
