"""The backlog order stays a strict total order when writers arrive at the same moment.

Appends and moves each read the neighbouring ranks before writing one; two writers that
read the same neighbours would pick the same rank. The requests run concurrently in one
event loop through the app's ASGI interface (see tests/runtime/test_concurrency.py).
"""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.items import items as backlog_items
from core.db import make_oneshot_engine
from core.engagement import records as engagement
from core.engagement import value_streams
from core.models.backlog import BacklogCreate, BacklogItem
from core.models.risk import RiskCreate
from core.models.token import Role
from core.models.value_stream import ValueStreamCreate
from core.unit_of_work import UnitOfWork
from tests import dbs
from tests.conftest import Tenant
from tests.runtime.test_concurrency import serving

WRITERS = 32


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def _headers(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.secrets[Role.editor]}"}


async def _stream(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    return _ok(
        await client.post("/api/v1/value-streams", json={"name": "Race"}, headers=headers), 201
    )


async def _backlog(
    client: httpx.AsyncClient, headers: dict[str, str], stream: dict[str, Any]
) -> list[dict[str, Any]]:
    page = await client.get(
        f"/api/v1/value-streams/{stream['id']}/backlog-items",
        params={"limit": 100},
        headers=headers,
    )
    return list(_ok(page)["items"])


def assert_strict_total_order(items: list[dict[str, Any]], expected: int) -> None:
    ranks = [item["rank"] for item in items]
    shared = {rank: n for rank, n in Counter(ranks).items() if n > 1}
    assert shared == {}, f"ranks shared by several items: {shared}"
    assert len(items) == expected
    assert ranks == sorted(ranks)


def test_concurrent_appends_leave_every_rank_distinct(app: Any, tenant: Tenant) -> None:
    headers = _headers(tenant)

    async def main() -> tuple[list[int], list[dict[str, Any]]]:
        async with serving(app) as client:
            stream = await _stream(client, headers)
            url = f"/api/v1/value-streams/{stream['id']}/backlog-items"
            answers = await asyncio.gather(
                *(
                    client.post(url, json={"title": f"Item {n}"}, headers=headers)
                    for n in range(WRITERS)
                )
            )
            return [a.status_code for a in answers], await _backlog(client, headers, stream)

    statuses, items = asyncio.run(main())

    assert statuses == [201] * WRITERS, statuses
    assert_strict_total_order(items, WRITERS)


def test_concurrent_inserts_into_one_gap_leave_every_rank_distinct(
    app: Any, tenant: Tenant
) -> None:
    headers = _headers(tenant)

    async def main() -> tuple[list[int], list[dict[str, Any]], list[str]]:
        async with serving(app) as client:
            stream = await _stream(client, headers)
            url = f"/api/v1/value-streams/{stream['id']}/backlog-items"
            first = _ok(await client.post(url, json={"title": "First"}, headers=headers), 201)
            _ok(await client.post(url, json={"title": "Last"}, headers=headers), 201)
            answers = await asyncio.gather(
                *(
                    client.post(
                        url, json={"title": f"Item {n}", "after_id": first["id"]}, headers=headers
                    )
                    for n in range(WRITERS)
                )
            )
            items = await _backlog(client, headers, stream)
            return [a.status_code for a in answers], items, [i["title"] for i in items]

    statuses, items, titles = asyncio.run(main())

    assert statuses == [201] * WRITERS, statuses
    assert_strict_total_order(items, WRITERS + 2)
    assert (titles[0], titles[-1]) == ("First", "Last")


def test_concurrent_moves_leave_every_rank_distinct(app: Any, tenant: Tenant) -> None:
    headers = _headers(tenant)

    async def main() -> tuple[list[int], list[dict[str, Any]], list[str]]:
        async with serving(app) as client:
            stream = await _stream(client, headers)
            url = f"/api/v1/value-streams/{stream['id']}/backlog-items"
            made = [
                _ok(await client.post(url, json={"title": f"Item {n}"}, headers=headers), 201)
                for n in range(WRITERS + 1)
            ]
            anchor, movers = made[0], made[1:]
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"/api/v1/backlog-items/{item['id']}/move",
                        json={"after_id": anchor["id"]} if n % 2 else {},
                        headers={**headers, "If-Match": '"1"'},
                    )
                    for n, item in enumerate(movers)
                )
            )
            items = await _backlog(client, headers, stream)
            return [a.status_code for a in answers], items, [i["title"] for i in items]

    statuses, items, titles = asyncio.run(main())

    assert statuses == [200] * WRITERS, statuses
    assert_strict_total_order(items, WRITERS + 1)
    anchor_at = titles.index("Item 0")
    to_top = {f"Item {n + 1}" for n in range(0, WRITERS, 2)}
    assert set(titles[:anchor_at]) == to_top


@pytest.mark.skipif(not dbs.is_postgres(), reason="SQLite runs one write transaction at a time")
def test_writers_that_already_added_to_the_stream_can_both_append(
    database_url: str, tenant: Tenant
) -> None:
    """Each transaction holds a key-share lock on the stream from inserting a risk (the
    foreign key check takes it). Their appends' stream locks must not wait on those, or
    each waits on the other: PostgreSQL would end one of them as a deadlock."""
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor)

    async def main() -> list[BacklogItem | BaseException]:
        engine = make_oneshot_engine(database_url)
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            async with UnitOfWork(maker) as session:
                stream = await value_streams.create_value_stream(
                    session, actor, ValueStreamCreate(name="Race")
                )
            async with maker() as first, maker() as second:
                for n, session in enumerate((first, second)):
                    await engagement.risks.create(
                        session, actor, stream.id, RiskCreate(title=f"Risk {n}")
                    )

                async def append(session: AsyncSession, title: str) -> BacklogItem:
                    item = await backlog_items.create(
                        session, actor, stream.id, BacklogCreate(title=title)
                    )
                    await session.commit()
                    return item

                appends = (append(first, "A"), append(second, "B"))
                return list(await asyncio.gather(*appends, return_exceptions=True))
        finally:
            await engine.dispose()

    outcomes = asyncio.run(main())

    assert [type(outcome) for outcome in outcomes] == [BacklogItem, BacklogItem], outcomes
    assert len({outcome.rank for outcome in outcomes if isinstance(outcome, BacklogItem)}) == 2
