"""Reading one member back out of a Takeout part, for thumbnails and the archive."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from photofs.sources.takeout.containers import BadContainer, BadMember, Container, open_container


@lru_cache(maxsize=8)  # opening a big zip parses its whole directory: keep a few open
def _container(path: str) -> Container:
    return open_container(Path(path))


def read_member(container: str, member: str, limit: int) -> bytes:
    if not Path(container).exists():
        raise FileNotFoundError(2, "Takeout part not found (NAS offline or moved?)", container)
    try:
        return _container(container).read(member, limit)
    except (BadContainer, BadMember) as e:
        raise OSError(f"{container}:{member}: {e}") from None


def open_member(container: str, member: str) -> BinaryIO:
    """One member as a stream (for the archive and video frames): never extracted."""
    if not Path(container).exists():
        raise FileNotFoundError(2, "Takeout part not found (NAS offline or moved?)", container)
    try:
        c = _container(container) if not Path(container).is_dir() else open_container(Path(container))
        return c.open(member)
    except (BadContainer, BadMember) as e:
        raise OSError(f"{container}:{member}: {e}") from None
