"""Where per-source work runs: in this process, on a pool of local processes, or on a Dask cluster.

The work is one function applied to self-contained tasks (ingest.run_task on
ingest.Task: a source's bytes travel with it), so every executor gives the same
results; ingest collects them in task order, never in the order workers finish.
"""

from __future__ import annotations

import os

from .errors import WinnowError

# With the default --jobs (every core) a pool starts only when the work is worth the
# workers' start-up (about a second each: they import the cleaner and Punkt); an
# explicit --jobs N or --dask always uses them.
POOL_MIN_SOURCES = 16
POOL_MIN_BYTES = 4 << 20
# A task on a cluster that has not come back after this long means a lost worker or a
# stuck cluster: the build stops with a message rather than wait forever. A task is one
# source or one 4 MB corpus piece: seconds of work.
DASK_TASK_TIMEOUT = 600.0
DASK_CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler


class _Done:
    """A result computed in this process, with the interface of a future."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class Runner:
    """Runs tasks here, on a pool of local processes, or on a Dask cluster; results in task order.

    jobs: worker processes (None: every core, and a pool only for work worth it;
    1: in this process); dask: a scheduler address (tcp://host:8786), which wins.
    A class because it owns what must be closed: a pool of processes or a cluster connection.
    """

    def __init__(self, jobs: int | None = None, dask: str | None = None) -> None:
        self.jobs = jobs
        self.dask = dask
        self._executor = None
        self._client = None
        self.workers = 1

    def start(self, n_tasks: int, n_bytes: int) -> None:
        """Start the workers the work deserves."""
        if self.dask:
            try:
                from distributed import Client
            except ImportError:
                raise WinnowError("--dask needs the Dask extra: pip install 'winnow[dask]'") from None
            from distributed.comm.addressing import parse_address, parse_host_port

            try:
                # Parsed first: a Client given an address it cannot parse raises from its event
                # loop's thread, which then keeps the process from exiting.
                protocol, location = parse_address(self.dask)
                if protocol in ("tcp", "tls"):
                    parse_host_port(location)
            except ValueError as error:  # "missing port number in address ..."
                raise WinnowError(f"not a Dask scheduler address: {self.dask} ({error}); "
                                  "give one as tcp://HOST:PORT") from None
            try:
                self._client = Client(self.dask, timeout=f"{DASK_CONNECT_TIMEOUT}s", set_as_default=False)
            except (OSError, TimeoutError) as error:
                raise WinnowError(f"cannot reach the Dask scheduler at {self.dask} ({error})") from None
            self.workers = max(1, sum(self._client.nthreads().values()))
            return
        jobs = self.jobs if self.jobs is not None else default_jobs()
        worth_it = self.jobs is not None or (n_tasks >= POOL_MIN_SOURCES or n_bytes >= POOL_MIN_BYTES)
        if jobs > 1 and n_tasks > 1 and worth_it:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: a fresh interpreter per worker, safe whatever threads this process runs
            # (fork is not), and the workers are this process's children (their CPU time counts).
            self._executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_exit_with_parent, initargs=(os.getpid(),))
            self.workers = jobs

    @property
    def remote(self) -> bool:
        """Tasks run in other processes (which may run other code)."""
        return self._executor is not None or self._client is not None

    def submit(self, function, task):
        """function(task), here or on a worker: a future (its .result() is the value)."""
        if self._client is not None:
            return self._client.submit(function, task, pure=False)
        if self._executor is not None:
            return self._executor.submit(function, task)
        return _Done(function(task))

    def result(self, future):
        """The value of a submitted task (a cluster's: within DASK_TASK_TIMEOUT seconds)."""
        if self._client is None:
            return future.result()
        try:
            return future.result(timeout=DASK_TASK_TIMEOUT)
        except TimeoutError:
            raise WinnowError(f"a task on the Dask cluster at {self.dask} did not finish in "
                              f"{DASK_TASK_TIMEOUT:.0f} s; are its workers alive?") from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._client is not None:
            self._client.close()
            self._client = None


PARENT_CHECK_SECONDS = 0.5  # how often a pool worker checks that its build is still alive


def _exit_with_parent(parent: int) -> None:
    """A pool worker ends when the build that started it is gone.

    A build killed outright (SIGKILL, OOM killer) cannot stop its workers, and a worker
    of concurrent.futures then waits for work forever, holding whatever the build held
    open (its stdout and stderr: a caller reading them until EOF would hang with it).
    """
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="winnow-parent-watch", daemon=True).start()


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
