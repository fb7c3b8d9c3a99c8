"""Every hot list reads its pages through an index, on SQLite and on PostgreSQL.

A page of a keyset list is `WHERE scope AND key > cursor ORDER BY key LIMIT n`. Without
an index on (scope, key) the database reads every row of the scope and sorts them for
each page, so reading a large list page by page costs the square of its size (100,000
work items took minutes on SQLite). The statements checked are the ones the app sends
for the second page of each list over HTTP, recorded with their parameters, so they are
exactly what the services build; each is explained on the same database.

A test database holds a handful of rows, where reading the table is the cheapest plan
and PostgreSQL rightly chooses it. There the check turns sequential scans and sorts off
for the explained statement (`enable_seqscan`, `enable_sort`): the planner then takes
an index that serves both the scope and the order if one exists, and only then. SQLite
plans without statistics, by the indexes alone, as it does on a large table.
"""

import asyncio
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from core.db import make_oneshot_engine
from tests.api_client import Api
from tests.factories import Factory

Recorded = tuple[str, Any]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@contextmanager
def recording(client: TestClient[Any]) -> Iterator[list[Recorded]]:
    """Every statement the app sends meanwhile, with the parameters the driver gets."""
    database = client.app.state.vsm.database
    engines = {id(e): e for e in (database.read_engine, database.write_engine)}.values()
    sent: list[Recorded] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    lists = database.point_reader._lists
    prepare = lists.prepare

    def prepared(statement: Any, table: Any) -> Any:
        """Pages read without the ORM go through the point reader's own connection."""
        ready = prepare(statement, table)
        if ready is not None:
            sent.append((ready[0], tuple(ready[1])))
        return ready

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    lists.prepare = prepared
    try:
        yield sent
    finally:
        lists.prepare = prepare
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


def page_statement(sent: list[Recorded], table: str) -> Recorded:
    """The one statement that reads a page of `table` (the one with the keyset's LIMIT)."""
    found = [
        (sql, parameters)
        for sql, parameters in sent
        if f"FROM {table}" in sql and "LIMIT" in sql and "ORDER BY" in sql
    ]
    assert len(found) == 1, f"expected one page statement on {table}, got {found}"
    return found[0]


def explain(url: str, statement: Recorded) -> list[str] | dict[str, Any]:
    """SQLite's query plan lines, or PostgreSQL's plan tree with no seq scan or sort allowed."""
    sql, parameters = statement
    postgres = make_url(url).get_backend_name() == "postgresql"

    async def main() -> Any:
        engine = make_oneshot_engine(url)
        try:
            async with engine.connect() as connection:
                if not postgres:
                    result = await connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {sql}", parameters
                    )
                    return [str(row[-1]) for row in result]
                await connection.exec_driver_sql("SET enable_seqscan = off")
                await connection.exec_driver_sql("SET enable_sort = off")
                result = await connection.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) {sql}", parameters
                )
                plan = result.scalar_one()
                return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        finally:
            await engine.dispose()

    return asyncio.run(main())


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def assert_served_by_index(url: str, statement: Recorded, table: str, columns: list[str]) -> None:
    """The page is found through an index on `columns` (scope first, then the key), unsorted."""
    plan = explain(url, statement)
    if isinstance(plan, list):
        assert not any("TEMP B-TREE" in line for line in plan), plan
        reads = [line for line in plan if f" {table} " in f"{line} "]
        assert len(reads) == 1 and reads[0].startswith(f"SEARCH {table} USING "), plan
        condition = reads[0].split(" (", 1)[1]
        assert all(re.search(rf"\b{column}\b", condition) for column in columns), plan
        return
    nodes = list(plan_nodes(plan))
    kinds = [node["Node Type"] for node in nodes]
    assert not {"Seq Scan", "Sort", "Incremental Sort"} & set(kinds), kinds
    scans = [node for node in nodes if node.get("Relation Name") == table]
    assert len(scans) == 1, kinds
    scan = scans[0]
    assert scan["Node Type"] in {"Index Scan", "Index Only Scan"}, scan
    condition = scan.get("Index Cond", "")
    assert all(re.search(rf"\b{column}\b", condition) for column in columns), scan


def second_page(api: Api, client: TestClient[Any], url: str, table: str, **params: Any) -> Recorded:
    """The statement the app sends for the page after the first, which has a cursor."""
    first = api.ok(api.get(url, params={"limit": 2, **params}))
    assert first["next_cursor"] is not None
    with recording(client) as sent:
        api.ok(api.get(url, params={"limit": 2, "cursor": first["next_cursor"], **params}))
    return page_statement(sent, table)


@pytest.fixture
def stream(factory: Factory) -> dict[str, Any]:
    stream = factory.value_stream()
    for n in range(3):
        factory.backlog_item(stream, business_value=n + 1, time_criticality=2, job_size=3)
    return stream


def test_delivery_lists_read_a_stream_s_rows_in_key_order(
    database_url: str, client: TestClient[Any], viewer: Api, factory: Factory, stream: Any
) -> None:
    base = f"/api/v1/value-streams/{stream['id']}"
    factory.ingest(
        stream,
        "work-items",
        [{"external_id": f"WI-{n}", "type": "feature", "created": iso(T0)} for n in range(3)],
    )
    factory.ingest(
        stream,
        "deployments",
        [{"external_id": f"D-{n}", "deployed_at": iso(T0 + timedelta(hours=n))} for n in range(3)],
    )
    factory.ingest(
        stream,
        "incidents",
        [{"external_id": f"INC-{n}", "opened_at": iso(T0)} for n in range(3)],
    )

    pages = {
        table: second_page(viewer, client, f"{base}/{path}", table)
        for table, path in [
            ("work_item", "work-items"),
            ("deployment", "deployments"),
            ("incident", "incidents"),
        ]
    }

    for table, statement in pages.items():
        assert_served_by_index(database_url, statement, table, ["value_stream_id", "id"])


@pytest.mark.parametrize(("sort", "key"), [("rank", "rank"), ("wsjf", "wsjf_sort")])
def test_backlog_pages_in_rank_and_wsjf_order_through_an_index(
    database_url: str, client: TestClient[Any], viewer: Api, stream: Any, sort: str, key: str
) -> None:
    url = f"/api/v1/value-streams/{stream['id']}/backlog-items"

    statement = second_page(viewer, client, url, "backlog_item", sort=sort)

    assert_served_by_index(database_url, statement, "backlog_item", ["value_stream_id", key])


def test_organization_lists_read_their_organization_s_rows_in_key_order(
    database_url: str, client: TestClient[Any], viewer: Api, factory: Factory, stream: Any
) -> None:
    for _ in range(3):
        factory.person()
        factory.team()
        factory.value_stream()

    pages = {
        table: second_page(viewer, client, path, table)
        for table, path in [
            ("person", "/api/v1/people"),
            ("team", "/api/v1/teams"),
            ("value_stream", "/api/v1/value-streams"),
            ("audit_event", "/api/v1/audit"),
        ]
    }

    for table, statement in pages.items():
        assert_served_by_index(database_url, statement, table, ["organization_id", "id"])


def test_a_map_s_steps_and_findings_page_through_an_index(
    database_url: str, client: TestClient[Any], viewer: Api, factory: Factory, stream: Any
) -> None:
    stream_map = factory.map(stream)
    steps = [factory.step(stream_map) for _ in range(3)]
    for step in steps:
        factory.finding(stream_map, step_id=step["id"])
    base = f"/api/v1/maps/{stream_map['id']}"

    step_page = second_page(viewer, client, f"{base}/steps", "map_step")
    finding_page = second_page(viewer, client, f"{base}/findings", "waste_finding")
    triage_page = second_page(
        viewer, client, f"{base}/findings", "waste_finding", status="confirmed"
    )

    assert_served_by_index(database_url, step_page, "map_step", ["map_id", "position"])
    assert_served_by_index(
        database_url, finding_page, "waste_finding", ["map_id", "severity", "id"]
    )
    assert_served_by_index(
        database_url, triage_page, "waste_finding", ["map_id", "status", "severity", "id"]
    )


def test_a_value_stream_s_records_page_through_an_index(
    database_url: str, client: TestClient[Any], viewer: Api, factory: Factory, stream: Any
) -> None:
    for n in range(3):
        factory.participant(stream)
        factory.risk(stream)
        factory.action_item(stream)
        factory.map(stream, kind="current" if n == 0 else "desired")
        factory.signoff(stream, factory.sponsor(stream)["person_id"])
    for kind in ("charter", "current_state_map", "desired_state_map"):
        factory.deliverable(stream, kind)
    target = factory.target(stream)
    for n in range(3):
        factory.target(stream)
        factory.measurement(target, 15 - n, measured_at=f"2026-01-0{n + 1}T09:00:00Z")
    base = f"/api/v1/value-streams/{stream['id']}"
    lists = [
        ("participant", f"{base}/participants", ["value_stream_id", "id"]),
        ("risk", f"{base}/risks", ["value_stream_id", "id"]),
        ("action_item", f"{base}/action-items", ["value_stream_id", "id"]),
        ("value_stream_map", f"{base}/maps", ["value_stream_id", "id"]),
        ("sponsor_signoff", f"{base}/signoffs", ["value_stream_id", "id"]),
        ("deliverable", f"{base}/deliverables", ["value_stream_id", "id"]),
        ("flow_target", f"{base}/targets", ["value_stream_id", "id"]),
        (
            "measurement",
            f"/api/v1/targets/{target['id']}/measurements",
            ["target_id", "measured_at", "id"],
        ),
    ]

    pages = {table: (second_page(viewer, client, url, table), keys) for table, url, keys in lists}

    for table, (statement, keys) in pages.items():
        assert_served_by_index(database_url, statement, table, keys)
