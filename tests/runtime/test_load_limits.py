"""A busy or abusive caller is told so quickly, and cannot take every other caller's turn.

The load gate bounds how many requests run and wait; the per-token budget and the
budget of failed authentications per address answer 429 with Retry-After and the
RateLimit fields. Every answer carries the headers that keep private data private.
"""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.limits import TokenBuckets
from api.load import (
    LoadGate,
    LoadLimits,
    OrganizationTurns,
    deadline_for,
    takes_organization_turn,
)
from core.config import Settings
from core.models.token import Role
from tests.api_client import Api
from tests.conftest import Tenant
from tests.problems import assert_problem


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Held:
    """An ASGI app whose requests stay inside until the test lets them go."""

    def __init__(self) -> None:
        self.inside = 0
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.inside += 1
        self.entered.set()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Recorder:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def problem(self) -> dict[str, Any]:
        return dict(json.loads(self.messages[1]["body"]))

    def header(self, name: bytes) -> bytes:
        return dict(self.messages[0]["headers"])[name]


async def nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


SCOPE = {"type": "http", "path": "/api/v1/people", "method": "GET"}


def test_a_request_past_the_running_and_waiting_limits_is_refused_at_once() -> None:
    async def scenario() -> tuple[Recorder, Recorder, int]:
        gate = LoadGate(LoadLimits(max_active=1, max_waiting=0, max_wait_seconds=60))
        app = Held()
        first, second = Recorder(), Recorder()
        running = asyncio.create_task(gate.run(app, SCOPE, nothing, first))
        await app.entered.wait()
        await gate.run(app, SCOPE, nothing, second)
        app.release.set()
        await running
        return first, second, app.inside

    first, second, inside = asyncio.run(scenario())

    assert first.status == 200
    assert second.status == 503
    assert second.problem["code"] == "OVERLOADED"
    assert second.header(b"retry-after") == b"1"
    assert inside == 1


def test_a_waiting_request_gets_the_next_turn() -> None:
    async def scenario() -> tuple[int, int, int]:
        gate = LoadGate(LoadLimits(max_active=1, max_waiting=1, max_wait_seconds=60))
        app = Held()
        first, second = Recorder(), Recorder()
        running = asyncio.create_task(gate.run(app, SCOPE, nothing, first))
        await app.entered.wait()
        waiting = asyncio.create_task(gate.run(app, SCOPE, nothing, second))
        await asyncio.sleep(0)  # one turn of the loop: the new task runs until it waits
        queued = gate.waiting
        app.release.set()
        await asyncio.gather(running, waiting)
        return first.status, second.status, queued

    assert asyncio.run(scenario()) == (200, 200, 1)


def test_a_request_that_does_not_answer_by_the_deadline_is_cancelled_with_a_503() -> None:
    async def scenario() -> tuple[Recorder, LoadGate]:
        gate = LoadGate(LoadLimits(max_active=1, deadline_seconds=0.01))
        stuck = Recorder()
        await gate.run(Held(), SCOPE, nothing, stuck)
        return stuck, gate

    stuck, gate = asyncio.run(scenario())

    assert stuck.status == 503
    assert stuck.problem["code"] == "DEADLINE_EXCEEDED"
    assert not gate.slots.locked()


class HeldPerOrganization:
    """An ASGI app holding each request until the test releases its organization's."""

    def __init__(self) -> None:
        self.inside: list[str] = []
        self.entered = asyncio.Event()
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        organization = scope["organization"]
        self.inside.append(organization)
        self.entered.set()
        await self.release.setdefault(organization, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def heavy_scope(organization: str) -> dict[str, Any]:
    return {**SCOPE, "organization": organization}


def test_an_organization_past_its_heavy_turns_waits_while_another_goes_ahead() -> None:
    async def scenario() -> tuple[list[str], list[str], list[int]]:
        turns = OrganizationTurns(per_organization=1, max_waiting=4, max_wait_seconds=60)
        app = HeldPerOrganization()
        answers = [Recorder() for _ in range(3)]

        def start(organization: str, answer: Recorder) -> "asyncio.Task[None]":
            scope = heavy_scope(organization)
            return asyncio.create_task(turns.run(organization, app, scope, nothing, answer))

        loud_first = start("loud", answers[0])
        await app.entered.wait()
        loud_second = start("loud", answers[1])
        app.entered.clear()
        quiet = start("quiet", answers[2])
        await app.entered.wait()
        inside_while_loud_holds_its_turn = list(app.inside)
        app.release["quiet"].set()
        await quiet
        app.release["loud"].set()
        await asyncio.gather(loud_first, loud_second)
        return inside_while_loud_holds_its_turn, app.inside, [a.status for a in answers]

    held, inside, statuses = asyncio.run(scenario())

    assert held == ["loud", "quiet"], "the second loud request waits; the quiet one does not"
    assert inside == ["loud", "quiet", "loud"]
    assert statuses == [200, 200, 200]


def test_an_organization_past_its_waiting_heavy_requests_is_refused_at_once() -> None:
    async def scenario() -> tuple[Recorder, int]:
        turns = OrganizationTurns(per_organization=1, max_waiting=1, max_wait_seconds=60)
        app = HeldPerOrganization()
        running, waiting, refused = Recorder(), Recorder(), Recorder()
        scope = heavy_scope("loud")
        first = asyncio.create_task(turns.run("loud", app, scope, nothing, running))
        await app.entered.wait()
        second = asyncio.create_task(turns.run("loud", app, scope, nothing, waiting))
        await asyncio.sleep(0)  # one turn of the loop: the second request starts waiting
        await turns.run("loud", app, scope, nothing, refused)
        app.release["loud"].set()
        await asyncio.gather(first, second)
        return refused, len(app.inside)

    refused, inside = asyncio.run(scenario())

    assert refused.status == 503
    assert refused.problem["code"] == "ORGANIZATION_BUSY"
    assert refused.header(b"retry-after") == b"2"
    assert inside == 2


def test_a_heavy_request_that_gets_no_turn_in_time_is_refused() -> None:
    async def scenario() -> Recorder:
        turns = OrganizationTurns(per_organization=1, max_waiting=4, max_wait_seconds=0.01)
        app = HeldPerOrganization()
        late = Recorder()
        scope = heavy_scope("loud")
        first = asyncio.create_task(turns.run("loud", app, scope, nothing, Recorder()))
        await app.entered.wait()
        await turns.run("loud", app, scope, nothing, late)
        app.release["loud"].set()
        await first
        return late

    late = asyncio.run(scenario())

    assert late.status == 503
    assert "no turn came within" in late.problem["detail"]


def test_graphql_imports_and_exports_take_an_organization_turn_and_reads_do_not(app: Any) -> None:
    takes_turn = {
        route.path: any(takes_organization_turn({"route_handler": h}) for h in route.route_handlers)
        for route in app.routes
        if hasattr(route, "route_handlers")
    }

    assert takes_turn["/graphql"]
    assert takes_turn["/api/v1/value-streams/{value_stream_id:uuid}/maps/import"]
    assert not takes_turn["/api/v1/people"]


def test_a_timeout_inside_the_request_is_not_taken_for_the_deadline() -> None:
    """A database driver's own timeout is an outage for its handlers, not a missed deadline."""

    async def driver_timed_out(scope: Any, receive: Any, send: Any) -> None:
        raise TimeoutError("connect timed out")

    async def scenario() -> None:
        gate = LoadGate(LoadLimits(max_active=1, deadline_seconds=60))
        await gate.run(driver_timed_out, SCOPE, nothing, Recorder())

    with pytest.raises(TimeoutError, match="connect timed out"):
        asyncio.run(scenario())


def test_imports_exports_and_classify_get_the_longer_deadline(app: Any) -> None:
    limits = LoadLimits(deadline_seconds=30, heavy_deadline_seconds=120)
    handlers = {
        (route.path, method): handler
        for route in app.routes
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items()
    }

    def deadline(path: str, method: str) -> float:
        return deadline_for({"route_handler": handlers[(path, method)]}, limits)

    assert deadline("/api/v1/value-streams/{value_stream_id:uuid}/maps/import", "POST") == 120
    assert deadline("/api/v1/value-streams/{value_stream_id:uuid}/export", "GET") == 120
    assert deadline("/api/v1/maps/{map_id:uuid}/classify", "POST") == 120
    assert deadline("/api/v1/people", "GET") == 30


def test_a_token_budget_refills_with_time() -> None:
    clock = Clock()
    budget = TokenBuckets(2, 60, clock=clock)

    spent = [budget.take("t").allowed for _ in range(3)]
    clock.now += 30
    after_half_a_window = budget.take("t")

    assert spent == [True, True, False]
    assert after_half_a_window.allowed
    assert after_half_a_window.remaining == 0


def test_budgets_are_kept_per_key() -> None:
    budget = TokenBuckets(1, 60, clock=Clock())

    assert [budget.take(key).allowed for key in ("a", "b", "a")] == [True, True, False]


@pytest.fixture
def limited(database_url: str, tenant: Tenant, other_tenant: Tenant) -> Iterator[TestClient[Any]]:
    settings = Settings(
        database_url=database_url,
        auth_cache_seconds=0,
        rate_limit_requests=3,
        rate_limit_window_seconds=60,
        auth_failures_per_minute=2,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_token_past_its_budget_gets_429_with_retry_after(
    limited: TestClient[Any], tenant: Tenant, other_tenant: Tenant
) -> None:
    greedy = Api(limited, tenant.secrets[Role.viewer])
    other = Api(limited, other_tenant.secrets[Role.viewer])

    answers = [greedy.get("/api/v1/people") for _ in range(4)]
    elsewhere = other.get("/api/v1/people")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = assert_problem(answers[-1], 429, code="TOO_MANY_REQUESTS")
    assert "3 requests" in refused["detail"]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert answers[0].headers["ratelimit-policy"] == '"per-token";q=3;w=60'
    assert answers[0].headers["ratelimit"].startswith('"per-token";r=2;t=')
    assert elsewhere.status_code == 200


def test_failed_authentications_from_one_address_are_limited(
    limited: TestClient[Any], tenant: Tenant
) -> None:
    guesses = [Api(limited, f"vsm_guess{n}").get("/api/v1/people") for n in range(3)]

    assert [g.status_code for g in guesses] == [401, 401, 429]
    assert_problem(guesses[-1], 429, code="TOO_MANY_REQUESTS")
    assert int(guesses[-1].headers["retry-after"]) >= 1


def test_api_answers_are_not_sniffed_or_stored(admin: Api) -> None:
    created = admin.post("/api/v1/tokens", {"name": "ci", "role": "viewer"})
    listed = admin.get("/api/v1/people")
    missing = admin.get("/api/v1/people/0b7e4c2a-6a1f-4d3c-9e8b-2f5a1c7d9e01")

    for answer in (created, listed, missing):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


def test_html_pages_may_not_be_framed(client: TestClient[Any]) -> None:
    page = client.get("/schema")

    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
