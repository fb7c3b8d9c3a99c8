"""The portfolio keeps gates and counts between requests, and every write shows at once.

Each case reads the portfolio (which keeps what it computed), makes one kind of write
through the API, and reads again: the answer has changed, and it is the answer computed
from nothing kept at all.
"""

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.db import make_oneshot_engine
from core.engagement.value_streams import ValueStreamFilter, filtered
from core.models.stream_change import StreamChange
from core.models.token import Role
from core.workflow.kept import KEPT, with_revisions
from tests.api_client import Api
from tests.factories import Factory, map_document
from tests.workflow.test_portfolio import counted_statements

PORTFOLIO = """{ portfolio(first: 100) { edges { node {
  valueStream { phase owner { id } } phaseName overdue blockingCriteria
  gate { passed criteria { key passed reason } }
  backlog { items done percent }
  targets { onTrack atRisk offTrack achieved noData }
} } } }"""


def every_criterion_first(default: dict[str, Any]) -> dict[str, Any]:
    """The default playbook with every phase's criteria in its first gate, so the first
    phase's gate looks at every kind of record."""
    phases = default["phases"]
    everything = [c for phase in phases for c in phase["criteria"]]
    return {**default, "phases": [{**phases[0], "criteria": everything}, *phases[1:]]}


def without_first_criterion(api: Api) -> dict[str, Any]:
    playbook = api.ok(api.get("/api/v1/playbook"))
    first, *rest = playbook["phases"]
    return {**playbook, "phases": [{**first, "criteria": first["criteria"][1:]}, *rest]}


World = dict[str, Any]


@pytest.fixture
def world(admin: Api, factory: Factory) -> World:
    default = admin.ok(admin.get("/api/v1/playbook"))
    admin.ok(admin.put("/api/v1/playbook", every_criterion_first(default), if_match=0))
    owner = factory.person()
    stream = factory.value_stream(owner_id=owner["id"])
    sponsor = factory.sponsor(stream)
    current = factory.map(stream, kind="current")
    timed = {"role": "Dev", "process_time": "PT1H", "wait_time": "PT2H"}
    steps = [factory.step(current, **timed) for _ in range(3)]
    factory.handoff(current, steps[0], steps[1])
    desired = factory.map(stream, kind="desired", chosen=True)
    factory.step(desired, **timed)
    return {
        "stream": stream,
        "owner": owner,
        "sponsor": sponsor,
        "current": current,
        "desired": desired,
        "steps": steps,
        "deliverable": factory.deliverable(stream, "business_case", status="draft"),
        "item": factory.backlog_item(stream, status="ready", owner_id=factory.person()["id"]),
        "target": factory.target(stream),
    }


def portfolio(api: Api) -> Any:
    rest = api.ok(api.get("/api/v1/portfolio", params={"limit": 100}))["items"]
    graphql = api.graphql(PORTFOLIO)
    assert "errors" not in graphql, graphql
    return (
        [{k: v for k, v in row.items() if k != "days_in_phase"} for row in rest],
        graphql["data"]["portfolio"]["edges"],
    )


def changed(api: Api, url: str, body: dict[str, Any]) -> Any:
    current = api.ok(api.get(url))
    return api.ok(api.patch(url, body, if_match=current["version"]))


def deleted(api: Api, url: str) -> None:
    current = api.ok(api.get(url))
    api.ok(api.delete(url, if_match=current["version"]), 204)


Write = Callable[[Factory, Factory, World], Any]
WRITES: dict[str, Write] = {
    "participant added": lambda f, _a, w: f.participant(
        w["stream"], role="facilitator", trained=True
    ),
    "deliverable added": lambda f, _a, w: f.deliverable(w["stream"], "readout_summary"),
    "deliverable changed": lambda f, _a, w: changed(
        f.api,
        f"/api/v1/deliverables/{w['deliverable']['id']}",
        {"status": "done"},
    ),
    "risk added": lambda f, _a, w: f.risk(w["stream"]),
    "action item added": lambda f, _a, w: f.action_item(w["stream"]),
    "sign-off added": lambda f, _a, w: f.signoff(w["stream"], w["sponsor"]["person_id"]),
    "map deleted": lambda f, _a, w: deleted(f.api, f"/api/v1/maps/{w['desired']['id']}"),
    "map imported": lambda f, _a, w: f.api.ok(
        f.api.post(
            f"/api/v1/value-streams/{w['stream']['id']}/maps/import",
            map_document(4, 3, kind="desired", chosen=True),
        ),
        201,
    ),
    "step added": lambda f, _a, w: f.step(w["current"]),
    "step changed": lambda f, _a, w: changed(
        f.api, f"/api/v1/steps/{w['steps'][2]['id']}", {"process_time": "PT9H"}
    ),
    "step deleted": lambda f, _a, w: deleted(f.api, f"/api/v1/steps/{w['steps'][0]['id']}"),
    "handoff added": lambda f, _a, w: f.handoff(w["current"], w["steps"][1], w["steps"][2]),
    "finding added": lambda f, _a, w: f.finding(w["current"], step_id=w["steps"][0]["id"]),
    "backlog item added": lambda f, _a, w: f.backlog_item(w["stream"]),
    "backlog item changed": lambda f, _a, w: changed(
        f.api, f"/api/v1/backlog-items/{w['item']['id']}", {"status": "done"}
    ),
    "backlog item deleted": lambda f, _a, w: deleted(
        f.api, f"/api/v1/backlog-items/{w['item']['id']}"
    ),
    "milestone added": lambda f, _a, w: f.milestone(w["stream"]),
    "target added": lambda f, _a, w: f.target(w["stream"], metric="process_time"),
    "measurement added": lambda f, _a, w: f.measurement(w["target"], 15),
    "target deleted": lambda f, _a, w: deleted(f.api, f"/api/v1/targets/{w['target']['id']}"),
    "stream changed": lambda f, _a, w: changed(
        f.api, f"/api/v1/value-streams/{w['stream']['id']}", {"owner_id": None}
    ),
    "owner deleted (the stream's owner is unset by the database)": lambda f, _a, w: deleted(
        f.api, f"/api/v1/people/{w['owner']['id']}"
    ),
    "stream moved to the next phase": lambda _f, a, w: a.api.ok(
        a.transition(w["stream"]["id"], "planning", force=True, justification="Pilot."), 201
    ),
    "playbook replaced": lambda _f, a, _w: a.api.ok(
        a.api.put("/api/v1/playbook", without_first_criterion(a.api), if_match=1)
    ),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_the_next_portfolio_read_shows_every_kind_of_write(
    viewer: Api, factory: Factory, admin_factory: Factory, world: World, write: str
) -> None:
    before = portfolio(viewer)
    assert portfolio(viewer) == before

    WRITES[write](factory, admin_factory, world)
    after = portfolio(viewer)

    assert after != before
    KEPT.clear()
    assert portfolio(viewer) == after


def test_a_stream_s_gate_shows_a_write_to_its_records(
    viewer: Api, factory: Factory, world: World
) -> None:
    url = f"/api/v1/value-streams/{world['stream']['id']}/gate"
    before = viewer.ok(viewer.get(url))

    factory.risk(world["stream"])

    after = viewer.ok(viewer.get(url))
    assert {c["key"]: c["passed"] for c in before["criteria"]}["risk_log"] is False
    assert {c["key"]: c["passed"] for c in after["criteria"]}["risk_log"] is True


def test_a_repeated_portfolio_read_reads_less(app: Any, viewer: Api, world: World) -> None:
    with counted_statements(app) as first:
        portfolio(viewer)

    with counted_statements(app) as again:
        portfolio(viewer)

    assert len(again) < len(first)


def test_a_kept_portfolio_reads_its_streams_and_their_revisions_together(
    app: Any, viewer: Api, world: World
) -> None:
    """Each statement costs the service more CPU than the database's work: the revisions
    that say whether kept gates still hold come with the page of streams."""
    portfolio(viewer)

    with counted_statements(app) as again:
        portfolio(viewer)

    reads_changes = [s for s in again if "stream_change" in s]
    assert len(reads_changes) == 2, "one per transport:\n" + "\n".join(again)
    assert all("FROM value_stream" in s for s in reads_changes)


def test_the_portfolio_reads_streams_narrowed_by_their_own_columns_alone() -> None:
    """It takes the filter's WHERE clause, so a join added to the filter would be lost."""
    statement = filtered(
        Actor(organization_id=uuid.uuid4(), role=Role.viewer),
        ValueStreamFilter(phase="planning", owner_id=uuid.uuid4(), q="claims"),
    )

    assert [str(f) for f in statement.get_final_froms()] == ["value_stream"]
    assert "stream_change" in str(with_revisions(statement.whereclause))


def change_log(database_url: str, stream_id: str) -> tuple[int, int]:
    """The stream's revision (the sum of its log's weights) and its log's length."""

    async def main() -> tuple[int, int]:
        engine = make_oneshot_engine(database_url)
        try:
            async with AsyncSession(engine) as session:
                row = (
                    await session.exec(
                        select(func.sum(StreamChange.weight), func.count()).where(
                            col(StreamChange.value_stream_id) == uuid.UUID(stream_id)
                        )
                    )
                ).one()
                return int(row[0]), int(row[1])
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_a_stream_written_to_often_keeps_a_short_change_log(
    database_url: str, factory: Factory, world: World
) -> None:
    """Every write adds to the log (PostgreSQL) or to its one row (SQLite); a long log is
    folded into one row of the same weight, so the revision only ever grows."""
    logs = []
    for _ in range(50):
        factory.risk(world["stream"])
        logs.append(change_log(database_url, world["stream"]["id"]))

    revisions = [revision for revision, _ in logs]
    assert revisions == sorted(set(revisions)), "each write moves the revision forward"
    assert max(length for _, length in logs) <= 40, "32 rows and one write's are folded"
