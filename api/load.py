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

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", PROBLEM_JSON),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def deadline_for(scope: Scope, limits: LoadLimits) -> float:
    """The deadline of the route a request reached: longer for heavy work."""
    handler = scope.get("route_handler")
    heavy = handler is not None and bool(handler.opt.get("heavy", False))
    return limits.heavy_deadline_seconds if heavy else limits.deadline_seconds


class LoadGate:
    """The turns of one worker, shared by every route; made anew each time the app starts."""

    def __init__(self, limits: LoadLimits) -> None:
        self.limits = limits
        self.slots = asyncio.Semaphore(limits.max_active)
        self.waiting = 0

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._take_turn(scope, send):
            return
        try:
            await self._within_deadline(app, scope, receive, send)
        finally:
            self.slots.release()

    async def _take_turn(self, scope: Scope, send: Send) -> bool:
        if not self.slots.locked():
            await self.slots.acquire()
            return True
        if self.waiting >= self.limits.max_waiting:
            await send_problem(
                send,
                scope,
                code="OVERLOADED",
                title="The server is at capacity",
                detail="too many requests are already waiting; try again shortly",
                retry_after=1,
            )
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(self.limits.max_wait_seconds):
                await self.slots.acquire()
            return True
        except TimeoutError:
            await send_problem(
                send,
                scope,
                code="OVERLOADED",
                title="The server is at capacity",
                detail=f"no turn came within {self.limits.max_wait_seconds:g} s; try again shortly",
                retry_after=2,
            )
            return False
        finally:
            self.waiting -= 1

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
        if gate is None or scope["type"] != "http" or scope["path"] in self.exempt:
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
        self._turns: dict[Any, asyncio.Semaphore] = {}
        self._present: dict[Any, int] = {}

    async def run(
        self, organization: Any, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        turns = self._turns.setdefault(organization, asyncio.Semaphore(self.per_organization))
        present = self._present.get(organization, 0)
        if turns.locked() and present - self.per_organization >= self.max_waiting:
            await self._refuse(send, scope, "too many of its heavy requests are already waiting")
            return
        self._present[organization] = present + 1
        try:
            try:
                async with asyncio.timeout(self.max_wait_seconds):
                    await turns.acquire()
            except TimeoutError:
                await self._refuse(send, scope, f"no turn came within {self.max_wait_seconds:g} s")
                return
            try:
                await app(scope, receive, send)
            finally:
                turns.release()
        finally:
            self._present[organization] -= 1
            if self._present[organization] == 0:
                del self._present[organization]
                del self._turns[organization]

    @staticmethod
    async def _refuse(send: Send, scope: Scope, why: str) -> None:
        await send_problem(
            send,
            scope,
            code="ORGANIZATION_BUSY",
            title="This organization's heavy requests are at capacity",
            detail=f"{why}; the others of your organization are still running; try again shortly",
            retry_after=2,
        )


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
