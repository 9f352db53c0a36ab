"""Tasks for tests/test_pool.py, importable by the pool's worker processes."""

import os
import signal
from pathlib import Path


def double_or_die(task):
    """Task 3 kills its worker every time; the others answer."""
    n, _ = task
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * 2


def die_once(task):
    """The first task to run kills its worker, once (a marker file remembers); then all answer."""
    n, marker = task
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return n * 2
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def marker_in(folder) -> str:
    return str(Path(folder) / "died")


def pid_of(task):
    """Which process ran the task."""
    return os.getpid()
