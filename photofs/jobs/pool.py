"""The pass's worker pool: a `concurrent.futures` executor, fed so that reading overlaps decoding.

Local processes by default (one per core), or a Dask cluster (`photofs[cluster]`,
`--cluster ADDRESS`): the same tasks through `distributed.Client(address).get_executor()`.
Enough tasks are kept in flight that a worker always has its next original on the way.

A local worker that dies (killed, out of memory, a decoder's crash) breaks the whole
process pool: the tasks it had in flight are then run again one at a time in a new
pool, so the one that kills its worker is found and becomes its own error, and the
others are done once. Dask reschedules a dead worker's tasks itself and reports a task
that killed several workers as an error, which is that task's error here.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from photofs.errors import PhotofsError

TASKS_PER_WORKER = 3  # in flight per worker: one decoding, the next ones' originals being read
# Starting worker processes costs about a second: a job of fewer tasks is quicker done here.
SMALL_JOB = 16


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Failed:
    """A task that came back with no result. `culprit`: it is the task's own fault (it killed
    its worker alone, or Dask saw it kill several); otherwise the pool failed around it."""
    reason: str
    culprit: bool


class Pool:
    """Runs `fn(task)` for many tasks; yields (task, result, failed) as each finishes, in any
    order; `failed` is a `Failed` when no result came back, else None."""

    def __init__(self, new_executor: Callable[[], Executor] | None, workers: int, small_here: bool = False):
        self.new_executor = new_executor  # None: run here, one after another
        self.workers = workers
        self.small_here = small_here  # a run of fewer than SMALL_JOB tasks runs here

    def run(self, fn: Callable, tasks: Iterable, stop: Callable[[], bool] = lambda: False,
            read_ahead: Callable[[object], None] = lambda task: None) -> Iterator[tuple[object, object, str | None]]:
        """`stop()` true: no new task starts; those in flight still come back (a job that must
        stop, say on a full NAS, records what was already done). `read_ahead(task)` is called
        as a task is queued, so the disk fetches its original while the workers decode."""
        pending = _Lazy(tasks)
        self.read_ahead = read_ahead
        if self.new_executor is None or (self.small_here and pending.fewer_than(SMALL_JOB)):
            for task in pending:
                if stop():
                    return
                yield task, fn(task), None
            return
        suspects: deque = deque()  # in flight when a worker died: each runs alone next time
        while (pending or suspects) and not stop():
            executor = self.new_executor()
            try:
                yield from self._run_until_broken(executor, fn, pending, suspects, stop)
            finally:
                if isinstance(executor, ProcessPoolExecutor):
                    executor.shutdown(wait=True, cancel_futures=True)
                else:  # Dask's executor: cancels what is left
                    executor.shutdown(wait=False)

    def _run_until_broken(self, executor, fn, pending: _Lazy, suspects: deque, stop):
        while suspects:
            task = suspects[0]
            future = executor.submit(fn, task)
            error = future.exception()
            suspects.popleft()
            if isinstance(error, BrokenProcessPool):
                yield task, None, Failed("its worker process died on it, alone (a crash of the decoder?)", True)
                return  # this executor is broken: the caller starts a new one
            yield task, (None if error else future.result()), _reason(error)
        in_flight: dict = {}
        while (pending and not stop()) or in_flight:
            broken = False
            while pending and len(in_flight) < self.workers * TASKS_PER_WORKER and not stop():
                task = pending.popleft()
                self.read_ahead(task)
                try:
                    in_flight[executor.submit(fn, task)] = task
                except BrokenProcessPool:  # a worker died since the last wait: this one never started
                    suspects.append(task)
                    broken = True
                    break
            done, _ = wait(in_flight, return_when=ALL_COMPLETED if broken else FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                if isinstance(error, BrokenProcessPool):
                    broken = True
                    continue
                task = in_flight.pop(future)
                yield task, (None if error else future.result()), _reason(error)
            if broken:
                suspects.extend(in_flight.values())
                return


class _Lazy:
    """The tasks still to start, drawn from their iterator only as workers need them: a
    pass over millions of photos never holds them all."""

    _EMPTY, _END = object(), object()

    def __init__(self, tasks: Iterable):
        self._tasks, self._next = iter(tasks), self._EMPTY

    def __bool__(self) -> bool:
        if self._next is self._EMPTY:
            self._next = next(self._tasks, self._END)
        return self._next is not self._END

    def fewer_than(self, n: int) -> bool:
        """Whether fewer than `n` tasks are left (reads up to `n` of them ahead)."""
        ahead = []
        while len(ahead) < n and self:
            ahead.append(self.popleft())
        self._tasks, self._next = itertools.chain(ahead, self._tasks), self._EMPTY
        return len(ahead) < n

    def popleft(self):
        if not self:
            raise IndexError("no task left")
        task, self._next = self._next, self._EMPTY
        return task

    def __iter__(self):
        while self:
            yield self.popleft()


def _start_worker(parent: int) -> None:
    """Each local worker, as it starts:
    - Ctrl-C reaches the whole process group: the job stops its pool itself (the photos in
      flight finish, nothing else starts), so a worker does not die on it mid-photo, each
      printing a traceback;
    - a job killed with kill -9 cannot stop its workers, and they would wait for work
      forever (each holds both ends of its task pipe): they watch for their parent to go
      (given by pid: it may be gone before this runs)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    if os.name != "nt":  # on Windows the parent's id does not change when it dies
        threading.Thread(target=watch, daemon=True, name="photofs-parent-watch").start()


def read_ahead_files(paths: Iterable[str]) -> None:
    """Ask the kernel to start reading these files now (POSIX_FADV_WILLNEED): it fills the
    page cache in the background, and no byte is read twice. Where that is not offered
    (Windows, macOS), nothing happens."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _reason(error: BaseException | None) -> Failed | None:
    if error is None:
        return None
    reason = " ".join(f"the worker failed: {type(error).__name__}: {error}".split())
    return Failed(reason, type(error).__name__ == "KilledWorker")  # Dask: it killed several workers


@contextmanager
def open_pool(workers: int | None = None, cluster: str = "") -> Iterator[Pool]:
    """Local processes (`workers`; by default every core, or this process when a run has
    fewer than SMALL_JOB tasks; 1 runs here), or the Dask cluster at `cluster`."""
    if cluster:
        with _dask_pool(cluster) as pool:
            yield pool
        return
    small_here = workers is None  # the run looks at its first tasks
    workers = workers or default_workers()
    if workers < 1:
        raise PhotofsError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        yield Pool(None, 1)
        return
    # Fresh interpreters (the parent has threads and an open catalog), children of this
    # process: their reads count in its /proc/self/io, which `scripts/bench.py` measures
    # (a forkserver's children are not ours). The default on macOS and Windows too.
    context = multiprocessing.get_context("spawn")
    yield Pool(lambda: ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                       initargs=(os.getpid(),)),
               workers, small_here)


@contextmanager
def _dask_pool(address: str) -> Iterator[Pool]:
    try:
        from distributed import Client
    except ImportError:
        raise PhotofsError("--cluster needs Dask's distributed: pip install 'photofs[cluster]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as e:
        raise PhotofsError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        yield Pool(lambda: client.get_executor(pure=False), threads)
    finally:
        client.close()


def in_task_order(tasks: list, results: Iterable[tuple]) -> Iterator[tuple]:
    """`Pool.run`'s (task, result, failed) again in the order of `tasks`: a job whose
    outcome depends on order (the first copy of a photo names its item) is then the same
    on one worker or many. Holds only what came back before a slower task ahead of it."""
    position = {id(task): i for i, task in enumerate(tasks)}
    early: dict[int, tuple] = {}
    next_one = 0
    for done in results:
        early[position[id(done[0])]] = done
        while next_one in early:
            yield early.pop(next_one)
            next_one += 1
