"""What decoders say while a job runs goes to photofs.log, not to the terminal.

Decoders talk in two ways: Pillow and its plugins through Python warnings, and
C libraries (libtiff, libjpeg, libheif, FFmpeg, LibRaw) by writing straight to the
process's stderr. A cron run would mail hundreds of such lines, none of them an
error of the job's (a photo that cannot be read is already an item's error with
its reason). Within `decoder_messages`, both are written to the log with a time
stamp and counted; the job's own output (sys.stderr, progress bars) still reaches
the terminal, through a copy of the original stderr.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


_capturing = False  # this process's stderr is being caught already


@dataclass
class DecoderMessages:
    count: int = 0
    elsewhere: list[str] = field(default_factory=list)  # what pool workers caught and sent back


@contextmanager
def decoder_messages(log_path: Path, job: str):
    """Route decoder warnings to `log_path` while the block runs; yields their count (read it after)."""
    said = DecoderMessages()
    with caught_messages() as lines:
        yield said
    lines = said.elsewhere + lines
    said.count = len(lines)
    if lines:
        _append(log_path, job, lines)


@contextmanager
def caught_messages():
    """What decoders say while the block runs, as a list of lines (complete after the block):
    a pool worker sends them back with its result, for the parent's log. Within an outer
    capture (work run in the job's own process) the outer one catches them."""
    lines: list[str] = []
    global _capturing
    if _capturing:
        yield lines
        return
    _capturing = True
    python_stderr = sys.stderr
    try:
        python_stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (a GUI, a notebook kernel): warnings only
        saved_fd = None
    captured = tempfile.TemporaryFile()
    try:
        if saved_fd is not None:
            os.dup2(captured.fileno(), 2)
            sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(saved_fd), "wb", buffering=0), write_through=True,
                                          encoding=getattr(python_stderr, "encoding", None) or "utf-8",
                                          errors="backslashreplace")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            warnings.simplefilter("always", RuntimeWarning)
            yield lines
        lines += [f"{w.category.__name__}: {w.message}" for w in caught]
    finally:
        if saved_fd is not None:
            sys.stderr.flush()
            replacement, sys.stderr = sys.stderr, python_stderr
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            replacement.close()
        captured.seek(0)
        lines += [line for line in captured.read().decode("utf-8", "replace").splitlines() if line.strip()]
        captured.close()
        _capturing = False


def _append(log_path: Path, job: str, lines: list[str]) -> None:
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    try:
        with open(log_path, "a", encoding="utf-8") as log:
            log.writelines(f"{stamp} {job}: decoder said: {line}\n" for line in lines)
    except OSError:
        pass  # a log that cannot be written must not fail the job; the count still says it
