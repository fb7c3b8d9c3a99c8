"""Shedding load: a saturated server says so at once instead of queueing for minutes.

Without a bound, every request past the server's capacity waits for a database
connection or a turn on the CPU, all of them get slower together, and in the end
they fail with whatever timed out first. Here each worker runs at most
`max_active` requests at once; up to `max_waiting` more wait at most
`max_wait_seconds` for a turn; any other answers 503 with `Retry-After` at once.
A request that has not started its answer within `deadline_seconds` is
cancelled and answered 503 too, so nothing is held longer than the deadline.
Liveness and readiness probes are never shed: they must tell the truth under load.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

PROBLEM_JSON = b"application/problem+json"


HEAVY = {"heavy": True}
"""Route option of imports, exports and classify: work that grows with a document or a map
and runs in a worker thread gets `heavy_deadline_seconds` instead of the usual deadline."""


COSTLY = {"costly": True}
"""Route option of GraphQL: one request may ask for many portfolios at once, so like heavy
work it takes one of its organization's turns (`OrganizationTurns`)."""


@dataclass(frozen=True)
class LoadLimits:
    max_active: int = 32
    max_waiting: int = 128
    max_wait_seconds: float = 2.0
    deadline_seconds: float = 30.0
    heavy_deadline_seconds: float = 120.0


def problem_body(status: int, code: str, title: str, detail: str, path: str) -> bytes:
    return json.dumps(
        {
            "type": f"urn:valuestream:problem:{code.lower().replace('_', '-')}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
            "code": code,
        }
    ).encode()


async def send_problem(
    send: Send, scope: Scope, *, code: str, title: str, detail: str, retry_after: int
) -> None:
    body = problem_body(503, code, title, detail, str(scope.get("path", "")))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", PROBLEM_JSON),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)


def deadline_for(scope: Scope, limits: LoadLimits) -> float:
    """The deadline of the route a request reached: longer for heavy work."""
    handler = scope.get("route_handler")
    heavy = handler is not None and bool(handler.opt.get("heavy", False))
    return limits.heavy_deadline_seconds if heavy else limits.deadline_seconds


class Turns:
    """`size` turns; a caller past them waits for one, at most `max_waiting` callers at a
    time and each at most `max_wait_seconds`. The worker's gate and each organization's
    share of heavy work are both such turns."""

    def __init__(self, size: int, max_waiting: int, max_wait_seconds: float) -> None:
        self.size = size
        self.max_waiting = max_waiting
        self.max_wait_seconds = max_wait_seconds
        self.slots = asyncio.Semaphore(size)
        self.waiting = 0
        self.active = 0

    async def take(self) -> str | None:
        """Take a turn, waiting if need be; None when taken, else why it was refused.

        Whether it must wait is counted here: `Semaphore.locked()` looks at every waiter,
        which cost 5 % of a busy worker's CPU with a queue of them.
        """
        if self.active >= self.size or self.waiting:
            if self.waiting >= self.max_waiting:
                return QUEUE_FULL
            self.waiting += 1
            try:
                async with asyncio.timeout(self.max_wait_seconds):
                    await self.slots.acquire()
            except TimeoutError:
                return f"no turn came within {self.max_wait_seconds:g} s"
            finally:
                self.waiting -= 1
        else:
            await self.slots.acquire()
        self.active += 1
        return None

    def give_back(self) -> None:
        self.active -= 1
        self.slots.release()

    @property
    def idle(self) -> bool:
        return self.active == 0 and self.waiting == 0


QUEUE_FULL = "too many are already waiting"
"""Why `Turns.take` refused a caller at once (Retry-After 1); otherwise it waited (2)."""


class LoadGate:
    """The turns of one worker, shared by every route; made anew each time the app starts."""

    def __init__(self, limits: LoadLimits) -> None:
        self.limits = limits
        self.turns = Turns(limits.max_active, limits.max_waiting, limits.max_wait_seconds)

    @property
    def slots(self) -> asyncio.Semaphore:
        return self.turns.slots

    @property
    def waiting(self) -> int:
        return self.turns.waiting

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self.turns.take()
        if refused is not None:
            queue_full = refused == QUEUE_FULL
            await send_problem(
                send,
                scope,
                code="OVERLOADED",
                title="The server is at capacity",
                detail=("too many requests are already waiting" if queue_full else refused)
                + "; try again shortly",
                retry_after=1 if queue_full else 2,
            )
            return
        try:
            await self._within_deadline(app, scope, receive, send)
        finally:
            self.turns.give_back()

    async def _within_deadline(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the request; cancel it if its answer has not started by the deadline.

        Once the answer has started (a long export streaming out, say), the deadline no
        longer applies: cancelling then would cut a download in half.
        """
        started = False
        seconds = deadline_for(scope, self.limits)

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with asyncio.timeout(seconds) as deadline:
                await app(scope, receive, watch)
        except TimeoutError:
            if started or not deadline.expired():
                raise
            await send_problem(
                send,
                scope,
                code="DEADLINE_EXCEEDED",
                title="The request took too long",
                detail=f"no answer within {seconds:g} s; it was cancelled "
                "and nothing it was changing was stored",
                retry_after=5,
            )


class LoadShedder:
    """Litestar middleware: every request but the probes takes a turn of the app's gate."""

    exempt = frozenset({"/health", "/ready"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate: LoadGate | None = scope["app"].state.vsm.load_gate
        if gate is None or scope["type"] != ScopeType.HTTP or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        await gate.run(self.app, scope, receive, send)


def takes_organization_turn(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return handler is not None and bool(handler.opt.get("heavy") or handler.opt.get("costly"))


class OrganizationTurns:
    """Heavy requests of one organization run at most `per_organization` at once per worker.

    Imports, exports, classify and GraphQL queries can each keep the event loop and
    the database busy for a long time. Without a bound per organization, one that sends
    many of them at once takes most of every worker's time, and every other
    organization's requests wait behind its work. Here its requests past the bound wait
    for one of its own turns (up to `max_waiting` of them, for `max_wait_seconds`) and
    other organizations' requests never queue behind them; past that: 503.
    """

    def __init__(self, per_organization: int, max_waiting: int, max_wait_seconds: float) -> None:
        self.per_organization = per_organization
        self.max_waiting = max_waiting
        self.max_wait_seconds = max_wait_seconds
        self._turns: dict[Any, Turns] = {}

    async def run(
        self, organization: Any, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        turns = self._turns.get(organization)
        if turns is None:
            turns = self._turns[organization] = Turns(
                self.per_organization, self.max_waiting, self.max_wait_seconds
            )
        try:
            refused = await turns.take()
            if refused is not None:
                why = "too many of its heavy requests are already waiting"
                await send_problem(
                    send,
                    scope,
                    code="ORGANIZATION_BUSY",
                    title="This organization's heavy requests are at capacity",
                    detail=f"{why if refused == QUEUE_FULL else refused}; the others of your "
                    "organization are still running; try again shortly",
                    retry_after=2,
                )
                return
            try:
                await app(scope, receive, send)
            finally:
                turns.give_back()
        finally:
            if turns.idle and self._turns.get(organization) is turns:
                del self._turns[organization]


class OrganizationShare:
    """Litestar middleware, after authentication: heavy requests take an organization's turn."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        turns: OrganizationTurns | None = scope["app"].state.vsm.organization_turns
        actor = scope.get("user")
        organization = getattr(actor, "organization_id", None)
        if turns is None or organization is None or not takes_organization_turn(scope):
            await self.app(scope, receive, send)
            return
        await turns.run(organization, self.app, scope, receive, send)
