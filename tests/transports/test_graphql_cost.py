"""What one GraphQL request may cost: a static budget checked before anything runs,
and derived facts computed once per request however many aliases ask for them."""

from typing import Any

import pytest
from litestar.testing import TestClient

import core.maps.measuring
import core.memo
from tests.api_client import Api
from tests.factories import Factory
from tests.maps.test_maps_graphql_queries import counting_statements

PORTFOLIO = """
  {alias}: portfolio(first: 20) {{
    edges {{ node {{
      valueStream {{ name phase }}
      blockingCriteria
      gate {{ criteria {{ key passed }} }}
      backlog {{ items done }}
    }} }}
  }}"""


def portfolios(count: int) -> str:
    return "{" + "".join(PORTFOLIO.format(alias=f"p{i}") for i in range(count)) + "}"


@pytest.fixture
def metric_computations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The maps whose metrics were computed while the test ran."""
    computed: list[str] = []
    compute = core.memo.compute_map_metrics

    def counting(picture: Any) -> Any:
        computed.append(picture.id)
        return compute(picture)

    monkeypatch.setattr(core.memo, "compute_map_metrics", counting)
    monkeypatch.setattr(core.maps.measuring, "compute_map_metrics", counting)
    return computed


def test_aliases_of_the_portfolio_gather_gate_facts_and_map_metrics_once(
    viewer: Api, factory: Factory, client: TestClient[Any], metric_computations: list[str]
) -> None:
    for n in range(3):
        stream = factory.value_stream(name=f"Stream {n}")
        stream_map = factory.map(stream)
        for _ in range(3):
            factory.step(stream_map, process_time="PT1H", wait_time="PT2H")

    with counting_statements(client.app) as one_statements:
        one = viewer.graphql(portfolios(1))
    one_metrics = list(metric_computations)
    metric_computations.clear()
    with counting_statements(client.app) as five_statements:
        five = viewer.graphql(portfolios(5))

    assert "errors" not in one and "errors" not in five
    assert all(five["data"][f"p{i}"] == one["data"]["p0"] for i in range(5))
    assert len(one_metrics) == 3
    assert metric_computations == [], "the later request reuses the unchanged maps' summaries"

    def reading_steps(statements: list[str]) -> int:
        return sum(1 for s in statements if "FROM map_step" in s)

    assert reading_steps(one_statements) == 2, "a fingerprint of each map's steps, then the rows"
    assert reading_steps(five_statements) == 0, "the gates are kept: no step is read again"


def too_costly(result: dict[str, Any]) -> dict[str, Any] | None:
    """The QUERY_TOO_COSTLY error's extensions, if the answer is one."""
    for error in result.get("errors", []):
        if error.get("extensions", {}).get("code") == "QUERY_TOO_COSTLY":
            return error["extensions"]
    return None


def test_thirty_aliased_portfolios_are_refused_before_anything_runs(
    viewer: Api, factory: Factory, client: TestClient[Any]
) -> None:
    factory.value_stream()

    with counting_statements(client.app) as statements:
        result = viewer.graphql(portfolios(30))

    refusal = too_costly(result)
    assert result["data"] is None
    assert refusal is not None and refusal["budget"] == 10_000
    assert refusal["cost"] > refusal["budget"]
    assert f"costs {refusal['cost']}" in result["errors"][0]["message"]
    assert [s for s in statements if "value_stream" in s] == []


def test_the_readme_portfolio_query_fits_the_default_budget(viewer: Api, factory: Factory) -> None:
    factory.value_stream()
    query = """query {
      portfolio(first: 50, overdue: false) {
        edges { node {
          valueStream { name phase cycle owner { name } }
          daysInPhase overdue blockingCriteria
          gate { criteria { key passed reason } }
          backlog { items done percent }
          targets { onTrack atRisk offTrack }
        } }
      }
    }"""

    result = viewer.graphql(query)

    assert "errors" not in result
    assert len(result["data"]["portfolio"]["edges"]) == 1


PEOPLE = "{ people(first: 3) { nodes { id } } }"
"""Costs 6: a page of 3 (1 each) and its 3 nodes (1 each); `id` is a leaf."""


def test_the_budget_follows_the_settings(app_with: Any) -> None:
    exact = app_with(graphql_max_cost=6)
    short = app_with(graphql_max_cost=5)

    allowed = exact.graphql(PEOPLE)
    refused = short.graphql(PEOPLE)

    assert allowed == {"data": {"people": {"nodes": []}}}
    assert too_costly(refused) == {"code": "QUERY_TOO_COSTLY", "cost": 6, "budget": 5}


def test_a_page_size_given_in_a_variable_is_priced_by_its_value(app_with: Any) -> None:
    api = app_with(graphql_max_cost=6)
    query = "query($n: Int) { people(first: $n) { nodes { id } } }"

    three = api.graphql(query, {"n": 3})
    four = api.graphql(query, {"n": 4})
    unset = api.graphql(query)

    assert "errors" not in three
    assert too_costly(four)["cost"] == 8  # type: ignore[index]
    assert too_costly(unset)["cost"] == 100  # type: ignore[index]  # the default page of 50


def test_fragments_and_aliases_add_up_as_they_are_spread(app_with: Any) -> None:
    api = app_with(graphql_max_cost=11)
    query = """
      query { ...Both }
      fragment Both on Query { a: people(first: 3) { ...Ids } b: people(first: 3) { ...Ids } }
      fragment Ids on PersonConnection { nodes { id } }
    """

    result = api.graphql(query)

    assert too_costly(result)["cost"] == 12  # type: ignore[index]


def test_computed_fields_carry_their_own_weight(app_with: Any) -> None:
    api = app_with(graphql_max_cost=1000)

    gates = api.graphql("{ valueStreams(first: 10) { nodes { gate { passed } } } }")
    names = api.graphql("{ valueStreams(first: 10) { nodes { name } } }")
    exports = api.graphql('{ a: export(valueStreamId: "x", format: "html") { text } }')

    assert too_costly(gates) is None and too_costly(names) is None
    assert api.graphql("{ valueStreams(first: 100) { nodes { gate { passed } } } }")["errors"]
    assert too_costly(exports) is None
    refused = api.graphql(
        '{ a: export(valueStreamId: "x", format: "html") { text } '
        'b: export(valueStreamId: "x", format: "html") { text } }'
    )
    assert too_costly(refused) == {"code": "QUERY_TOO_COSTLY", "cost": 2000, "budget": 1000}
