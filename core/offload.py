"""CPU-heavy work (parsing documents, classifying, rendering exports) off the event loop.

One event loop serves every request of a worker process: while it parses a large
document or lays out a PDF, no other request, of any organization, is answered. Such
work runs here in a worker thread instead, at most `HEAVY_THREADS` at once per event
loop, so a burst of heavy requests queues for a thread instead of taking every core
from the requests that only read. The threads share the interpreter lock with the
loop, which takes it back at every switch interval (5 ms), so the loop keeps
answering while a heavy job runs.

The work must not touch a database session: it gets plain data and answers plain data.
"""

import asyncio
import functools
import weakref
from collections.abc import Callable
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


def in_worker(call: Callable[[], T]) -> T:
    """What a worker thread runs: the call. (Tests hold heavy work here with an event.)"""
    return call()


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` in a worker thread; its answer, or its exception, here."""
    call = functools.partial(work, *args, **kwargs)
    return await anyio.to_thread.run_sync(in_worker, call, limiter=_limiter())
