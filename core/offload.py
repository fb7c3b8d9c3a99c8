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
"""

import asyncio
import contextlib
import functools
import gc
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


SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter lock while another waits for it, during
heavy work (Python's default is 0.005): the event loop's waits for the lock shrink with
it, at the cost of a little throughput of the heavy job."""

_state = threading.Lock()
_jobs = 0
_restore: tuple[bool, float] = (True, 0.005)


@contextlib.contextmanager
def heavy_work_running() -> Iterator[None]:
    """While any such job runs in this process: no cycle collection, short lock holds.

    For jobs whose size a limit bounds and that build a large heap, such as reading a
    map document: with jobs overlapping without end the collector would stay paused.

    Parsing a large document creates millions of objects that live until it is done;
    the cycle collector would walk that heap again and again, each walk holding the
    interpreter lock for up to seconds while the event loop waits. What heavy jobs
    create is freed by reference counting when they end; cycles made meanwhile
    elsewhere are collected once the last heavy job has ended, when the collector and
    the switch interval are as they were before.
    """
    global _jobs, _restore
    with _state:
        if _jobs == 0:
            _restore = (gc.isenabled(), sys.getswitchinterval())
            gc.disable()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _restore[1]))
        _jobs += 1
    try:
        yield
    finally:
        with _state:
            _jobs -= 1
            if _jobs == 0:
                collector_was_on, interval = _restore
                sys.setswitchinterval(interval)
                if collector_was_on:
                    gc.enable()


def in_worker(call: Callable[[], T]) -> T:
    """What a worker thread runs: the call. (Tests hold heavy work here with an event.)"""
    return call()


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` in a worker thread; its answer, or its exception, here."""
    call = functools.partial(work, *args, **kwargs)
    return await anyio.to_thread.run_sync(in_worker, call, limiter=_limiter())
