"""Concurrent writers through the real API: optimistic versions lose no update."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from core.models.token import Role
from tests.conftest import Tenant

WRITERS = 16
MAX_ATTEMPTS = 200


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app started through its ASGI lifespan, called in this event loop.

    httpx's ASGITransport runs requests concurrently in one loop; Litestar's
    AsyncTestClient hands each request to a portal thread, one at a time, which
    would never let two writers meet.
    """
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    lifespan = asyncio.create_task(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    assert (await from_app.get())["type"] == "lifespan.startup.complete"
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        assert (await from_app.get())["type"] == "lifespan.shutdown.complete"
        await lifespan


async def increment(
    client: httpx.AsyncClient, headers: dict[str, str], url: str
) -> tuple[int, int]:
    """Read the counter and its ETag, write n+1 with If-Match; on 412 read again and retry.

    Answers the value this writer stored and how many of its writes were refused.
    """
    for attempt in range(MAX_ATTEMPTS):
        read = await client.get(url, headers=headers)
        assert read.status_code == 200, read.text
        value = int(read.json()["title"])
        written = await client.patch(
            url,
            json={"title": str(value + 1)},
            headers={**headers, "If-Match": read.headers["etag"]},
        )
        if written.status_code == 200:
            return value + 1, attempt
        assert written.status_code == 412, written.text
        await asyncio.sleep(0)
    raise AssertionError(f"no write succeeded in {MAX_ATTEMPTS} attempts")


async def race(
    app: Any, token: str
) -> tuple[list[tuple[int, int]], dict[str, Any], list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with serving(app) as client:
        created = await client.post(
            "/api/v1/people", json={"name": "Counter", "title": "0"}, headers=headers
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/people/{created.json()['id']}"

        stored = await asyncio.gather(*(increment(client, headers, url) for _ in range(WRITERS)))

        final = (await client.get(url, headers=headers)).json()
        trail = await client.get(
            "/api/v1/audit",
            params={"entity_id": final["id"], "action": "update", "limit": 100},
            headers=headers,
        )
        return list(stored), final, trail.json()["items"]


def test_concurrent_writers_lose_no_update(app: Any, tenant: Tenant) -> None:
    outcomes, final, updates = asyncio.run(race(app, tenant.secrets[Role.editor]))

    stored = [value for value, _refused in outcomes]
    assert sum(refused for _value, refused in outcomes) > 0, "the writers never met"
    assert sorted(stored) == list(range(1, WRITERS + 1))
    assert final["title"] == str(WRITERS)
    assert final["version"] == WRITERS + 1
    assert len(updates) == WRITERS
    assert sorted(int(event["after"]["title"]) for event in updates) == sorted(stored)
    assert all(int(e["after"]["title"]) == int(e["before"]["title"]) + 1 for e in updates)
