#!/usr/bin/env python3
"""`ls -lR` of a whole mount against the same tree as a native folder, in the same run.

    python scripts/bench_ls.py        # only this figure, on bench.py's 20,000-photo library

bench.py's main calls `bench_ls` too. The native tree is a copy of what the mount
shows (folders, names, sizes, times; files sparse) on tmpfs, so both listings
print the same lines. A second row pins the mount and `ls` to one CPU: the gap
between the rows is the cost of waking the other CPU on every FUSE round trip.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import emit, synthetic_library, timed  # noqa: E402
from bench_scale import unmount  # noqa: E402

PIN = ["taskset", "-c", "0"]


def copy_tree(src: str, dst: str) -> int:
    """The mount's tree as plain folders and sparse files of the same sizes and times; the entries copied."""
    os.mkdir(dst)
    count = 0
    with os.scandir(src) as it:
        for entry in it:
            st = entry.stat(follow_symlinks=False)
            path = os.path.join(dst, entry.name)
            if entry.is_dir(follow_symlinks=False):
                count += copy_tree(entry.path, path)
            else:
                with open(path, "wb") as f:
                    f.truncate(st.st_size)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            count += 1
    return count


def mount(library: Path, mnt: Path, prefix: list[str]) -> int:
    """The server's pid."""
    out = subprocess.run([*prefix, sys.executable, "-m", "photofs", "-L", str(library), "mount", str(mnt)],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r"\(pid (\d+)\)", out).group(1))


def cpu_seconds(pid: int) -> float:
    """User + system time of a process so far: what the server spent, whatever else the machine ran."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ls_lR(path: Path | str, prefix: list[str]) -> float:
    return timed(lambda: subprocess.run([*prefix, "ls", "-lR", str(path)], stdout=subprocess.DEVNULL, check=True), 1)[0]


def bench_ls(library: Path, n: int, repeat: int = 5) -> None:
    pinnable = shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) > 1
    mnt = Path(tempfile.mkdtemp())
    native = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)) / "tree"
    try:
        for label, prefix in [("", []), *([(", mount and ls pinned to one CPU", PIN)] if pinnable else [])]:
            pid = mount(library, mnt, prefix)
            try:
                if not native.exists():
                    entries = copy_tree(str(mnt), str(native))
                ls_lR(mnt, prefix)  # the mount's first listing builds what it shows; not the figure
                ours, base, cpu = [], [], []
                for _ in range(repeat):  # interleaved, so load from elsewhere falls on both
                    base.append(ls_lR(native, prefix))
                    before = cpu_seconds(pid)
                    ours.append(ls_lR(mnt, prefix))
                    cpu.append(cpu_seconds(pid) - before)
            finally:
                unmount(mnt)
            emit(f"`ls -lR` of the whole mount ({entries} entries){label}", statistics.median(ours), "s (median)",
                 statistics.median(base), "`ls -lR` of the same tree as a folder on tmpfs", n=n,
                 us_per_entry=round(statistics.median(ours) / entries * 1e6, 1),
                 server_cpu_us_per_entry=round(statistics.median(cpu) / entries * 1e6, 1))
    finally:
        shutil.rmtree(native.parent, ignore_errors=True)
        os.rmdir(mnt)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        lib, _ = synthetic_library(Path(tmp), 20_000, burst=1900)
        lib.close()
        bench_ls(lib.path, 20_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
