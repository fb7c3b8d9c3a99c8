"""A job worker: claims due jobs one at a time, runs them, and settles each.

While a job runs its worker renews the lease every third of it; if a renewal finds the
claim gone (the lease ran out while the process stalled and another worker took the
job), the run is cancelled and nothing it made is stored. A job's handler runs on the
event loop of its worker, so handlers keep CPU-heavy work (rendering) in threads, as the
export handler does.
"""

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from core.jobs import queue
from core.jobs.kinds import Deferred, Environment, Permanent, handler_of, policy_of, sweeps
from core.jobs.queue import Claim, Outcome
from core.jobs.retry import RetryPolicy
from core.types import Clock, system_clock, using_clock

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Unique per worker, and telling an operator which machine and process holds a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        env: Environment,
        *,
        name: str | None = None,
        clock: Clock = system_clock,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.env = env
        self.name = name or worker_name()
        self.clock = clock
        self.policy = policy
        """The retry policy of every kind, or None: each kind's own (`kinds.kind`)."""
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=env.settings.job_lease_seconds)
        self.wake = asyncio.Event()
        self.swept: dict[Callable[..., object], datetime] = {}
        self.settled: list[Callable[[Claim, bool], None]] = []
        """Called with each job this worker settled and whether it succeeded."""

    async def run_once(self) -> bool:
        """Run one due job, if there is one; True when one ran."""
        held = await queue.claim(self.env.database, self.name, self.lease, self.clock())
        if held is None:
            return False
        with using_clock(self.clock):
            succeeded = await self._run(held)
        for callback in self.settled:
            callback(held, succeeded)
        return True

    async def sweep(self) -> int:
        """What time has made due (`kinds.sweep`), each sweep when its interval has passed
        since this worker last ran it; how many jobs or events it made."""
        made = 0
        for periodic in sweeps():
            now = self.clock()
            last = self.swept.get(periodic.work)
            if last is not None and now - last < periodic.every:
                continue
            self.swept[periodic.work] = now
            with using_clock(self.clock):
                made += await periodic.work(self.env.database, now)
        return made

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set: what time made due, every due job, then wait for a new
        one or the next poll."""
        poll = self.env.settings.job_poll_seconds
        while not stop.is_set():
            try:
                await self.sweep()
                while not stop.is_set() and await self.run_once():
                    pass
            except Exception:
                log.exception("the job worker %s could not claim or settle a job", self.name)
            self.wake.clear()
            stopping = asyncio.ensure_future(stop.wait())
            waking = asyncio.ensure_future(self.wake.wait())
            try:
                await asyncio.wait({stopping, waking}, timeout=poll, return_when="FIRST_COMPLETED")
            finally:
                stopping.cancel()
                waking.cancel()

    async def _run(self, held: Claim) -> bool:
        try:
            handler = handler_of(held.kind)
            outcome = await self._with_lease(held, handler(held, self.env))
        except Permanent as exc:
            await self._fail(held, str(exc), retry=False)
            return False
        except Deferred as exc:
            now = self.clock()
            await queue.defer(self.env.database, held, now + exc.after, now)
            return False
        except _LostClaim:
            log.warning("job %s: %s lost its claim and dropped the run", held.job_id, self.name)
            return False
        except Exception as exc:
            log.warning("job %s failed on attempt %s: %r", held.job_id, held.attempt, exc)
            await self._fail(held, f"{type(exc).__name__}: {exc}", retry=True)
            return False
        return await queue.succeed(self.env.database, held, outcome, self.clock())

    async def _fail(self, held: Claim, error: str, *, retry: bool) -> None:
        await queue.fail(
            self.env.database,
            held,
            error,
            self.clock(),
            retry=retry,
            policy=self.policy or policy_of(held.kind),
            rng=self.rng,
        )

    async def _with_lease(self, held: Claim, work: Awaitable[Outcome]) -> Outcome:
        """Run `work`, renewing the lease meanwhile; _LostClaim when a renewal finds it gone."""
        running = asyncio.ensure_future(work)
        every = self.lease.total_seconds() / 3
        try:
            while True:
                done, _ = await asyncio.wait({running}, timeout=every)
                if done:
                    return running.result()
                now = self.clock()
                if not await queue.extend(self.env.database, held, now + self.lease, now):
                    raise _LostClaim
        finally:
            if not running.done():
                running.cancel()
                with contextlib.suppress(BaseException):
                    await running


class _LostClaim(Exception):
    pass


@contextlib.asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[Worker]:
    """`worker` working in the background of this block, woken by every job this process
    queues, and stopped at its end (a job it is running is cancelled and, its lease
    unrenewed, runs again elsewhere)."""
    stop = asyncio.Event()
    undo = queue.on_enqueue(worker.wake.set)
    task = asyncio.create_task(worker.run(stop), name=f"job worker {worker.name}")
    try:
        yield worker
    finally:
        undo()
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=5)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
