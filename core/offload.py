"""CPU-heavy work (parsing documents, classifying, rendering exports) off the event loop.

One event loop serves every request of a worker process: while it parses a large
document or lays out a PDF, no other request, of any organization, is answered. Such
work runs here in a worker thread instead, at most `HEAVY_THREADS` at once per event
loop, so a burst of heavy requests queues for a thread instead of taking every core
from the requests that only read. The threads share the interpreter lock with the
loop, which gets it back at every switch interval, so the loop keeps answering while a
heavy job runs; `heavy_work_running` keeps those waits short for jobs that build a
large heap.

The work must not touch a database session: it gets plain data and answers plain data.

A thread still shares the interpreter lock with the event loop: a job that takes the
lock for seconds (laying out a PDF took 84 % of it under load) slows every other
organization's requests to a crawl. Such work runs in `in_process` instead: a separate
interpreter at a lower scheduling priority, so the operating system gives the cores to
the process that answers requests first.
"""

import asyncio
import atexit
import contextlib
import functools
import gc
import multiprocessing
import multiprocessing.pool
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

T = TypeVar("T")

HEAVY_THREADS = 4
"""Heavy jobs running at once per event loop; more wait for a free thread."""

_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter]" = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> CapacityLimiter:
    """One limiter per event loop: an anyio limiter belongs to the loop that first used it."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(HEAVY_THREADS)
    return limiter


SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the interpreter lock while another waits for it, while any
job runs off the loop (Python's default is 0.005): each of the event loop's waits for
the lock shrinks with it, at the cost of a little throughput of the jobs."""


class _WhileAnyJobRuns:
    """Changes a setting of the process when the first job starts, back when the last ends.

    Jobs overlap in several threads; the first one in saves what it changes, the last
    one out restores it.
    """

    def __init__(self, change: Callable[[], Any], restore: Callable[[Any], None]) -> None:
        self._change = change
        self._restore = restore
        self._lock = threading.Lock()
        self._jobs = 0
        self._saved: Any = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._jobs == 0:
                self._saved = self._change()
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1
                if self._jobs == 0:
                    self._restore(self._saved)


def _shorten_switches() -> float:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(SWITCH_INTERVAL, interval))
    return interval


def _pause_collector() -> bool:
    enabled = gc.isenabled()
    gc.disable()
    return enabled


def _resume_collector(was_enabled: bool) -> None:
    if was_enabled:
        gc.enable()


_short_switches = _WhileAnyJobRuns(_shorten_switches, sys.setswitchinterval)
heavy_work_running = _WhileAnyJobRuns(_pause_collector, _resume_collector)
"""While any such job runs in this process, the cycle collector is paused.

For jobs whose size a limit bounds and that build a large heap, such as reading a map
document: with jobs overlapping without end the collector would stay paused. Parsing
a large document creates millions of objects that live until it is done; the cycle
collector would walk that heap again and again, each walk holding the interpreter
lock for up to seconds while the event loop waits. What heavy jobs create is freed by
reference counting when they end; cycles made meanwhile elsewhere are collected once
the last heavy job has ended.
"""


def in_worker(call: Callable[[], T]) -> T:
    """What a worker thread runs: the call. (Tests hold heavy work here with an event.)"""
    with _short_switches():
        return call()


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` in a worker thread; its answer, or its exception, here."""
    call = functools.partial(work, *args, **kwargs)
    return await anyio.to_thread.run_sync(in_worker, call, limiter=_limiter())


HEAVY_PROCESSES = 1
"""Processes for the heaviest jobs per server process; more jobs wait for one. One keeps
a core for the requests on a two-core machine."""

HEAVY_NICENESS = 10
"""How much lower than the server the heavy processes are scheduled (see nice(2))."""

JOBS_PER_PROCESS = 50
"""A heavy process is replaced after this many jobs, handing its memory back."""

_pool: "multiprocessing.pool.Pool | None" = None
_pool_lock = threading.Lock()


def _lower_priority() -> None:
    os.nice(HEAVY_NICENESS)


def _process_pool() -> "multiprocessing.pool.Pool":
    """The heavy processes, started on first use.

    multiprocessing's pool rather than concurrent.futures': its processes are daemons,
    which a server worker started by multiprocessing itself ends as it exits, where it
    would wait forever for an executor's processes.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            # Never fork a process that runs threads and an event loop.
            _pool = multiprocessing.get_context("spawn").Pool(
                HEAVY_PROCESSES, initializer=_lower_priority, maxtasksperchild=JOBS_PER_PROCESS
            )
            # Ended while the interpreter still works: left to the garbage collector at
            # exit, the pool's finalizer runs after the modules it needs are torn down.
            atexit.register(_pool.terminate)
        return _pool


def in_process(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in a heavy process; its answer, or its exception, in this thread.

    It blocks the calling thread until the job is done, so call it from a worker thread
    (inside `off_loop`), never on the event loop. `work` must be a module-level function
    and its arguments and answer picklable: they are copied between processes.
    """
    return _process_pool().apply(work, args)
