"""The worker pool (jobs/pool.py): a worker that dies has its tasks redone, never lost or doubled."""

from collections import Counter

from photofs.jobs.pool import open_pool
from pool_tasks import die_once, double_or_die, marker_in


def test_a_worker_killed_mid_job_has_its_tasks_redone_once(tmp_path):
    marker = marker_in(tmp_path)
    tasks = [(n, marker) for n in range(20)]
    with open_pool(2) as pool:
        out = list(pool.run(die_once, tasks))
    assert Counter(t for t, _, _ in out) == Counter(tasks)  # every task exactly once
    assert all(failed is None and result == t[0] * 2 for t, result, failed in out)


def test_the_task_that_kills_its_worker_is_found_and_is_its_own_error(tmp_path):
    tasks = [(n, "") for n in range(12)]
    with open_pool(2) as pool:
        out = list(pool.run(double_or_die, tasks))
    assert Counter(t for t, _, _ in out) == Counter(tasks)
    failed = {t[0]: f for t, _, f in out if f is not None}
    assert list(failed) == [3] and failed[3].culprit and "died" in failed[3].reason
    assert all(r == t[0] * 2 for t, r, f in out if f is None)


def test_one_worker_runs_here_in_order():
    with open_pool(1) as pool:
        assert [r for _, r, _ in pool.run(lambda t: t + 1, [1, 2, 3])] == [2, 3, 4]


def test_a_pool_of_default_size_runs_a_small_job_here_and_a_big_one_on_workers():
    """Starting workers costs about a second: fewer than SMALL_JOB tasks are done in this process."""
    import os
    from photofs.jobs.pool import SMALL_JOB
    from pool_tasks import pid_of
    with open_pool() as pool:
        small = {r for _, r, _ in pool.run(pid_of, iter(range(SMALL_JOB - 1)))}
        big = {r for _, r, _ in pool.run(pid_of, iter(range(SMALL_JOB * 3)))}
    assert small == {os.getpid()}
    assert os.getpid() not in big and big
    with open_pool(2) as pool:  # asked for: always the workers
        assert os.getpid() not in {r for _, r, _ in pool.run(pid_of, range(3))}


def test_a_worker_that_dies_between_two_submits_loses_no_task():
    """The executor can break after the last wait and before the next submit (seen in CI):
    the task being submitted never started, and is run again like those in flight."""
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from photofs.jobs.pool import Pool
    submits = Counter()

    class BreaksOnce(ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            submits["n"] += 1
            if submits["n"] == 3:
                raise BrokenProcessPool("a child process terminated abruptly")
            return super().submit(fn, *args, **kwargs)

    pool = Pool(lambda: BreaksOnce(2), workers=2)
    out = list(pool.run(lambda t: t * 2, list(range(10))))
    assert Counter(t for t, _, _ in out) == Counter(range(10))  # every task exactly once
    assert all(f is None and r == t * 2 for t, r, f in out)
