"""The portfolio: every value stream's phase, timebox and blockers at a glance, at a fixed cost."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.models.value_stream import ValueStream
from core.types import utcnow
from tests.api_client import Api
from tests.conftest import run_in_db
from tests.factories import Factory

Backdate = Callable[[dict[str, Any], float], None]


@pytest.fixture
def backdate(database_url: str) -> Backdate:
    """Pretend a stream entered its phase `days` ago, as if time had passed."""

    def move_back(stream: dict[str, Any], days: float) -> None:
        async def work(session: AsyncSession) -> None:
            await session.exec(
                update(ValueStream)
                .where(col(ValueStream.id) == uuid.UUID(stream["id"]))
                .values(phase_entered_at=utcnow() - timedelta(days=days))
            )

        run_in_db(database_url, work)

    return move_back


def force(admin_factory: Factory, stream: dict[str, Any], to: str) -> dict[str, Any]:
    moved = admin_factory.transition(stream["id"], to, force=True, justification="Pilot team.")
    return admin_factory.api.ok(moved, 201)["value_stream"]


def rows(api: Api, **params: Any) -> list[dict[str, Any]]:
    return api.ok(api.get("/api/v1/portfolio", params=params))["items"]


def names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["name"] for item in items)


def label(value: Any) -> str:
    """Test ids for filter cases: the filter itself, not the names it finds."""
    if isinstance(value, dict):
        return "&".join(f"{k}={v}" for k, v in value.items())
    return "found"


# --- what a row says ----------------------------------------------------------------------

ROW_FIELDS = [
    "id",
    "name",
    "owner_id",
    "phase",
    "phase_name",
    "cycle",
    "timebox_days",
    "overdue",
    "gate_passed",
    "blocking_criteria",
    "version",
]


def test_a_row_shows_phase_cycle_timebox_and_gate(viewer: Api, factory: Factory) -> None:
    owner = factory.person()
    stream = factory.value_stream(name="Order to cash", owner_id=owner["id"])

    (row,) = rows(viewer)

    assert {k: row[k] for k in ROW_FIELDS} == {
        "id": stream["id"],
        "name": "Order to cash",
        "owner_id": owner["id"],
        "phase": "pre_planning",
        "phase_name": "Pre-planning",
        "cycle": 1,
        "timebox_days": 30,
        "overdue": False,
        "gate_passed": False,
        "blocking_criteria": 8,
        "version": 1,
    }
    assert 0 <= row["days_in_phase"] < 0.01
    assert row["phase_entered_at"] == stream["phase_entered_at"]


def test_blocking_criteria_shrink_as_the_engagement_fills_in(viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    before = rows(viewer)[0]["blocking_criteria"]
    factory.sponsor(stream)
    factory.risk(stream)
    factory.deliverable(stream, "business_case")

    after = rows(viewer)[0]["blocking_criteria"]

    assert (before, after) == (8, 5)


def test_a_stream_past_its_timebox_is_overdue(
    viewer: Api, factory: Factory, backdate: Backdate
) -> None:
    stream = factory.value_stream()
    backdate(stream, 31)

    (row,) = rows(viewer)

    assert row["overdue"] is True
    assert row["days_in_phase"] == pytest.approx(31, abs=0.01)


def test_a_stream_within_its_timebox_is_not_overdue(
    viewer: Api, factory: Factory, backdate: Backdate
) -> None:
    stream = factory.value_stream()
    backdate(stream, 29)

    (row,) = rows(viewer)

    assert row["overdue"] is False
    assert row["days_in_phase"] == pytest.approx(29, abs=0.01)


def test_execution_has_no_timebox_and_no_gate_to_pass(
    viewer: Api, factory: Factory, admin_factory: Factory, backdate: Backdate
) -> None:
    stream = factory.value_stream()
    force(admin_factory, stream, "execution")
    backdate(stream, 400)

    (row,) = rows(viewer)

    assert (row["phase"], row["phase_name"], row["timebox_days"]) == (
        "execution",
        "Execution",
        None,
    )
    assert (row["overdue"], row["gate_passed"], row["blocking_criteria"]) == (False, True, 0)
    assert row["version"] == 2


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def spread(factory: Factory, admin_factory: Factory, backdate: Backdate) -> dict[str, Any]:
    """Four streams: two owned by Olivia, one in planning, one overdue in pre-planning."""
    olivia = factory.person(name="Olivia")
    order = factory.value_stream(name="Order to cash", owner_id=olivia["id"])
    hire = factory.value_stream(name="Hire to retire", owner_id=olivia["id"])
    factory.value_stream(name="Procure to pay", description="Buying, from order to invoice")
    incident = factory.value_stream(name="Incident to resolution")
    force(admin_factory, hire, "planning")
    backdate(order, 45)
    return {"olivia": olivia, "order": order, "hire": hire, "incident": incident}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"phase": "planning"}, ["Hire to retire"]),
        (
            {"phase": "pre_planning"},
            ["Incident to resolution", "Order to cash", "Procure to pay"],
        ),
        ({"phase": "execution"}, []),
        ({"overdue": "true"}, ["Order to cash"]),
        ({"overdue": "false"}, ["Hire to retire", "Incident to resolution", "Procure to pay"]),
        ({"owner": "olivia"}, ["Hire to retire", "Order to cash"]),
        ({"q": "to cash"}, ["Order to cash"]),
        ({"q": "ORDER"}, ["Order to cash", "Procure to pay"]),
        ({"q": "nothing like it"}, []),
        ({"q": "%"}, []),
        ({"q": "_"}, []),
        ({"owner": "olivia", "phase": "pre_planning"}, ["Order to cash"]),
        ({"owner": "olivia", "overdue": "false"}, ["Hire to retire"]),
    ],
    ids=label,
)
def test_the_portfolio_filters(
    viewer: Api, spread: dict[str, Any], params: dict[str, Any], expected: list[str]
) -> None:
    query = dict(params)
    if query.pop("owner", None):
        query["owner_id"] = spread["olivia"]["id"]

    found = rows(viewer, **query)

    assert names(found) == expected


# --- paging -------------------------------------------------------------------------------


def test_the_portfolio_pages_with_a_cursor(viewer: Api, factory: Factory) -> None:
    made = [factory.value_stream()["id"] for _ in range(5)]
    pages: list[list[str]] = []
    cursor = None

    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = viewer.ok(viewer.get("/api/v1/portfolio", params=params))
        pages.append([row["id"] for row in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [ident for p in pages for ident in p]
    assert sorted(seen) == sorted(made)
    assert len(set(seen)) == 5


def test_a_filtered_portfolio_pages_within_its_filter(
    viewer: Api, factory: Factory, admin_factory: Factory
) -> None:
    planning = [force(admin_factory, factory.value_stream(), "planning")["id"] for _ in range(3)]
    factory.value_stream()

    first = viewer.ok(viewer.get("/api/v1/portfolio", params={"phase": "planning", "limit": 2}))
    second = viewer.ok(
        viewer.get(
            "/api/v1/portfolio",
            params={"phase": "planning", "limit": 2, "cursor": first["next_cursor"]},
        )
    )

    assert sorted(r["id"] for r in first["items"] + second["items"]) == sorted(planning)
    assert second["next_cursor"] is None


# --- GraphQL ------------------------------------------------------------------------------

PORTFOLIO = """query($first: Int, $after: String, $phase: String, $overdue: Boolean,
                    $ownerId: ID, $q: String) {
  portfolio(first: $first, after: $after, phase: $phase, overdue: $overdue,
            ownerId: $ownerId, q: $q) {
    edges { cursor node {
      valueStream { id name phase cycle ownerId }
      phaseName daysInPhase timeboxDays overdue blockingCriteria
      gate { passed criteria { key passed } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def graphql_portfolio(api: Api, **variables: Any) -> dict[str, Any]:
    result = api.graphql(PORTFOLIO, variables)
    assert "errors" not in result, result
    return result["data"]["portfolio"]


def test_graphql_portfolio_entries_show_the_same_as_rest(
    viewer: Api, factory: Factory, backdate: Backdate
) -> None:
    owner = factory.person()
    stream = factory.value_stream(name="Order to cash", owner_id=owner["id"])
    backdate(stream, 31)

    (edge,) = graphql_portfolio(viewer)["edges"]
    (row,) = rows(viewer)

    node = edge["node"]
    assert node["valueStream"] == {
        "id": stream["id"],
        "name": "Order to cash",
        "phase": "pre_planning",
        "cycle": 1,
        "ownerId": owner["id"],
    }
    assert (node["phaseName"], node["timeboxDays"], node["overdue"]) == ("Pre-planning", 30, True)
    assert node["daysInPhase"] == pytest.approx(row["days_in_phase"], abs=0.01)
    assert node["blockingCriteria"] == row["blocking_criteria"] == 8
    assert node["gate"]["passed"] is row["gate_passed"] is False
    assert sum(not c["passed"] for c in node["gate"]["criteria"]) == 8


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"phase": "planning"}, ["Hire to retire"]),
        ({"overdue": True}, ["Order to cash"]),
        ({"overdue": False}, ["Hire to retire", "Incident to resolution", "Procure to pay"]),
        ({"owner": "olivia"}, ["Hire to retire", "Order to cash"]),
        ({"q": "order"}, ["Order to cash", "Procure to pay"]),
    ],
    ids=label,
)
def test_graphql_portfolio_filters(
    viewer: Api, spread: dict[str, Any], variables: dict[str, Any], expected: list[str]
) -> None:
    given = dict(variables)
    if given.pop("owner", None):
        given["ownerId"] = spread["olivia"]["id"]

    edges = graphql_portfolio(viewer, **given)["edges"]

    assert sorted(e["node"]["valueStream"]["name"] for e in edges) == expected


def test_graphql_portfolio_pages_with_after(viewer: Api, factory: Factory) -> None:
    made = [factory.value_stream()["id"] for _ in range(5)]
    pages: list[list[str]] = []
    after = None

    while True:
        connection = graphql_portfolio(viewer, first=2, after=after)
        pages.append([e["node"]["valueStream"]["id"] for e in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]

    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(i for p in pages for i in p) == sorted(made)


# --- the cost of a request does not grow with the portfolio -------------------------------


@contextmanager
def counted_statements(app: Any) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    database = app.state.vsm.db
    engines = {
        id(engine.sync_engine): engine.sync_engine
        for engine in (database.write_engine, database.read_engine)
    }
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)


def engaged_streams(factory: Factory, admin_factory: Factory, n: int) -> None:
    """Value streams with people, records and a history, as a real portfolio has."""
    for _ in range(n):
        stream = factory.value_stream(owner_id=factory.person()["id"])
        factory.records(stream)
        factory.participant(stream, role="champion", champion_kind="technology_manager")
        factory.risk(stream)
        factory.deliverable(stream, "goals_and_purpose", status="draft")
        force(admin_factory, stream, "planning")


STREAM_TREE = """{ valueStreams(first: 100) { edges { node {
  id name phase cycle daysInPhase overdue timeboxDays
  owner { name }
  participants { id role } deliverables { id kind } risks { id exposure }
  actionItems { id overdue } signoffs { id } history { id forced }
  gate { passed criteria { key passed } }
} } } }"""

PORTFOLIO_TREE = """{ portfolio(first: 100) { edges { node {
  phaseName overdue blockingCriteria gate { passed criteria { key } }
  valueStream { id owner { name } participants { id } risks { id } history { id } }
} } } }"""


def size_of(api: Api, request: str) -> int:
    if request == "rest portfolio":
        return len(api.ok(api.get("/api/v1/portfolio", params={"limit": 100}))["items"])
    query = STREAM_TREE if request == "graphql valueStreams" else PORTFOLIO_TREE
    result = api.graphql(query)
    assert "errors" not in result, result
    return len(next(iter(result["data"].values()))["edges"])


@pytest.mark.parametrize(
    "request_kind", ["rest portfolio", "graphql valueStreams", "graphql portfolio"]
)
def test_statements_per_request_do_not_grow_with_the_portfolio(
    app: Any, viewer: Api, factory: Factory, admin_factory: Factory, request_kind: str
) -> None:
    viewer.ok(viewer.get("/api/v1/people"))  # warm up: the token and pools are in use from here on
    engaged_streams(factory, admin_factory, 2)
    with counted_statements(app) as small:
        small_size = size_of(viewer, request_kind)
    engaged_streams(factory, admin_factory, 10)

    with counted_statements(app) as large:
        large_size = size_of(viewer, request_kind)

    assert (small_size, large_size) == (2, 12)
    assert small, "the listener saw the request's statements"
    assert len(large) == len(small), "\n".join(large)
