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

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from photofs.errors import PhotofsError

TASKS_PER_WORKER = 3  # in flight per worker: one decoding, the next ones' originals being read


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

    def __init__(self, new_executor: Callable[[], Executor] | None, workers: int, where: str):
        self.new_executor = new_executor  # None: run here, one after another
        self.workers = workers
        self.where = where  # for the summary: "2 local processes", "a Dask cluster at ..."

    def run(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[object, object, str | None]]:
        pending = deque(tasks)
        if self.new_executor is None:
            for task in pending:
                yield task, fn(task), None
            return
        suspects: deque = deque()  # in flight when a worker died: each runs alone next time
        while pending or suspects:
            executor = self.new_executor()
            try:
                yield from self._run_until_broken(executor, fn, pending, suspects)
            finally:
                if isinstance(executor, ProcessPoolExecutor):
                    executor.shutdown(wait=True, cancel_futures=True)
                else:  # Dask's executor: cancels what is left
                    executor.shutdown(wait=False)

    def _run_until_broken(self, executor, fn, pending: deque, suspects: deque):
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
        while pending or in_flight:
            while pending and len(in_flight) < self.workers * TASKS_PER_WORKER:
                task = pending.popleft()
                in_flight[executor.submit(fn, task)] = task
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
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


def _reason(error: BaseException | None) -> Failed | None:
    if error is None:
        return None
    reason = " ".join(f"the worker failed: {type(error).__name__}: {error}".split())
    return Failed(reason, type(error).__name__ == "KilledWorker")  # Dask: it killed several workers


@contextmanager
def open_pool(workers: int | None = None, cluster: str = "") -> Iterator[Pool]:
    """Local processes (`workers`, default every core; 1 runs here), or the Dask cluster at `cluster`."""
    if cluster:
        with _dask_pool(cluster) as pool:
            yield pool
        return
    workers = workers or default_workers()
    if workers < 1:
        raise PhotofsError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        yield Pool(None, 1, "1 process")
        return
    methods = multiprocessing.get_all_start_methods()
    # A clean process to fork workers from: the parent has threads and an open catalog.
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    yield Pool(lambda: ProcessPoolExecutor(workers, mp_context=context), workers, f"{workers} local processes")


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
        yield Pool(lambda: client.get_executor(pure=False), threads, f"a Dask cluster at {address} ({threads} threads)")
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
