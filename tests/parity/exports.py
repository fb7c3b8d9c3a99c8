"""Parity cases of what leaves the service whole: exports, renders, readouts, the portfolio."""

from pathlib import Path
from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import Case, QueryCase, Twin, graphql_data

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_portfolio_query() -> str:
    """The README's GraphQL portfolio query, as written there, for every stream."""
    text = README.read_text()
    start = text.index("```graphql\n") + len("```graphql\n")
    query = text[start : text.index("```", start)]
    assert "portfolio(first: 50, overdue: true)" in query
    return query.replace("portfolio(first: 50, overdue: true)", "portfolio(first: 50)")


def _streams_with_backlog_and_targets(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    factory.backlog_item(stream)
    factory.backlog_item(stream, status="done", owner_id=factory.person()["id"])
    factory.target(stream)
    return {"stream": stream, "other": factory.value_stream()}


def _portfolio_by_rest(api: Api, _twin: Twin) -> Any:
    rows = api.ok(api.get("/api/v1/portfolio"))["items"]
    return sorted(
        (
            r["name"], r["phase"], r["cycle"], round(r["days_in_phase"], 3), r["overdue"],
            r["blocking_criteria"], r["backlog_items"], r["backlog_done"],
            r["backlog_percent"], r["targets"]["on_track"], r["targets"]["at_risk"],
            r["targets"]["off_track"],
        )
        for r in rows
    )  # fmt: skip


def _portfolio_by_graphql(api: Api, _twin: Twin) -> Any:
    edges = graphql_data(api, readme_portfolio_query())["portfolio"]["edges"]
    return sorted(
        (
            n["valueStream"]["name"], n["valueStream"]["phase"], n["valueStream"]["cycle"],
            round(n["daysInPhase"], 3), n["overdue"], n["blockingCriteria"],
            n["backlog"]["items"], n["backlog"]["done"], n["backlog"]["percent"],
            n["targets"]["onTrack"], n["targets"]["atRisk"], n["targets"]["offTrack"],
        )
        for n in (edge["node"] for edge in edges)
    )  # fmt: skip


CASES: list[Case | QueryCase] = [
    QueryCase(
        name="the portfolio as the README queries it",
        rest=("GET /api/v1/portfolio",),
        graphql=("portfolio",),
        arrange=_streams_with_backlog_and_targets,
        via_rest=_portfolio_by_rest,
        via_graphql=_portfolio_by_graphql,
    ),
]
