"""The same change through REST or GraphQL leaves the same stored state.

Each `Case` arranges two identical twins, changes one through REST and the other
through GraphQL, reads both back the same way and compares what it read, with the
twins' own ids and the times replaced; each `QueryCase` reads one arrangement through
both. The cases live in one module per area of the service (`AREAS`), each exporting
its `CASES`. `test_every_operation_has_a_case` keeps them complete: a REST operation
or GraphQL root field without a case fails.
"""

from typing import Any

import graphql
import pytest
from litestar.testing import TestClient

from api.graphql.schema import build_schema
from core.config import Settings
from tests.api_client import Api
from tests.factories import Factory
from tests.parity import (
    backlog,
    delivery,
    dora,
    engagement,
    exports,
    foundation,
    jobs,
    maps,
    plugins,
    schedules,
    system,
    targets,
    waste,
    webhooks,
)
from tests.parity.harness import Case, QueryCase, anonymized

AREAS = (
    foundation,
    engagement,
    maps,
    waste,
    backlog,
    targets,
    delivery,
    dora,
    exports,
    jobs,
    plugins,
    schedules,
    system,
    webhooks,
)
EVERY_CASE: list[Case | QueryCase] = [case for area in AREAS for case in area.CASES]
CASES = [case for case in EVERY_CASE if isinstance(case, Case)]
QUERY_CASES = [case for case in EVERY_CASE if isinstance(case, QueryCase)]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_rest_and_graphql_leave_the_same_state(
    case: Case, admin: Api, factory: Factory, admin_factory: Factory
) -> None:
    by_rest, by_graphql = case.arrange(factory, admin_factory), case.arrange(factory, admin_factory)

    answered = case.via_rest(admin, by_rest)
    case.via_graphql(admin, by_graphql)

    assert answered.status_code < 300, answered.text
    assert anonymized(case.observe(admin, by_rest), by_rest) == anonymized(
        case.observe(admin, by_graphql), by_graphql
    )


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda case: case.name)
def test_rest_and_graphql_answer_the_same(
    case: QueryCase, admin: Api, factory: Factory, admin_factory: Factory
) -> None:
    twin = case.arrange(factory, admin_factory)

    by_rest, by_graphql = case.via_rest(admin, twin), case.via_graphql(admin, twin)

    assert by_rest, "the case reads something"
    assert by_rest == by_graphql


def operations(client: TestClient[Any], settings: Settings) -> set[str]:
    """Every REST operation (`METHOD /path`) and GraphQL root field (`graphql NAME`)."""
    document = client.get("/schema/openapi.json").json()
    rest = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    schema = graphql.build_schema(build_schema(settings).as_str())
    roots = [schema.query_type, schema.mutation_type]
    fields = {f"graphql {name}" for root in roots if root for name in root.fields}
    return rest | fields


def test_every_operation_has_a_case(client: TestClient[Any], settings: Settings) -> None:
    covered = {op for case in EVERY_CASE for op in case.rest} | {
        f"graphql {field}" for case in EVERY_CASE for field in case.graphql
    }

    everything = operations(client, settings)

    assert covered <= everything, f"cases name operations that do not exist: {covered - everything}"
    assert sorted(everything - covered) == [], "operations without a parity case"
