"""Bytes read so far, as Linux counts them (`rchar` in /proc/.../io: every read(2),
from files, pipes and sockets alike), for the pass's read-once figures.

A pool task reports what its own thread read (`thread_rchar`), so the parent can add up
the reads of workers it never sees exit. None where the system keeps no such count.
"""

from __future__ import annotations


def thread_rchar() -> int | None:
    """What this thread has read: a worker thread of Dask shares its process with others."""
    here = _rchar("/proc/thread-self/io")  # Linux 3.17 and later
    return here if here is not None else _rchar("/proc/self/io")


def process_rchar() -> int | None:
    """What this process has read, all its threads together."""
    return _rchar("/proc/self/io")


def _rchar(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            for line in f.read().splitlines():
                if line.startswith(b"rchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None
