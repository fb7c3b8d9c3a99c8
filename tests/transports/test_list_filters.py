"""Each list's filter is declared once, in core; both transports take it as it is declared.

REST documents a query parameter per field with the field's bounds and description, and
GraphQL an argument per field with its description; the parity cases check that both
refuse a value out of those bounds alike (`tests/parity`, `refused`).
"""

from typing import Any

import graphql
import pytest
from pydantic.fields import FieldInfo

from api.graphql.sdl import SDL_FILE
from core.backlog.listing import BacklogFilter
from core.delivery import DeploymentFilter, IncidentFilter, WorkItemFilter
from core.engagement.records import (
    ActionItemFilter,
    DeliverableFilter,
    ParticipantFilter,
    RiskFilter,
    SignoffFilter,
)
from core.engagement.value_streams import ValueStreamFilter
from core.foundation.audit import AuditFilter
from core.foundation.people import PersonFilter
from core.foundation.teams import TeamFilter
from core.foundation.tokens import TokenFilter
from core.maps.service import HandoffFilter, MapFilter, StepFilter
from core.services.filters import ListFilter
from core.targets.service import MeasurementFilter, TargetFilter
from core.waste.findings import FindingFilter
from core.workflow.phases import PortfolioExportFilter, PortfolioFilter
from tests.api_client import Api
from tests.parity.harness import camel

STREAM = "/api/v1/value-streams/{parent_id}"
LISTS: dict[str, tuple[type[ListFilter], str | None]] = {
    f"{STREAM}/participants": (ParticipantFilter, "ValueStream.participants"),
    f"{STREAM}/deliverables": (DeliverableFilter, "ValueStream.deliverables"),
    f"{STREAM}/risks": (RiskFilter, "ValueStream.risks"),
    f"{STREAM}/action-items": (ActionItemFilter, "ValueStream.actionItems"),
    f"{STREAM}/signoffs": (SignoffFilter, "ValueStream.signoffs"),
    f"{STREAM}/maps": (MapFilter, "ValueStream.maps"),
    f"{STREAM}/backlog-items": (BacklogFilter, "ValueStream.backlogItems"),
    f"{STREAM}/targets": (TargetFilter, "ValueStream.targets"),
    "/api/v1/maps/{parent_id}/steps": (StepFilter, "ValueStreamMap.steps"),
    "/api/v1/maps/{parent_id}/handoffs": (HandoffFilter, "ValueStreamMap.handoffs"),
    "/api/v1/maps/{parent_id}/findings": (FindingFilter, "ValueStreamMap.findings"),
    "/api/v1/targets/{parent_id}/measurements": (MeasurementFilter, "FlowTarget.measurements"),
    "/api/v1/people": (PersonFilter, "Query.people"),
    "/api/v1/teams": (TeamFilter, "Query.teams"),
    "/api/v1/tokens": (TokenFilter, "Query.apiTokens"),
    "/api/v1/value-streams": (ValueStreamFilter, "Query.valueStreams"),
    "/api/v1/portfolio": (PortfolioFilter, "Query.portfolio"),
    "/api/v1/portfolio/export": (PortfolioExportFilter, "Query.portfolioExport"),
    "/api/v1/audit": (AuditFilter, "AuditFilterInput"),
    "/api/v1/value-streams/{value_stream_id}/work-items": (WorkItemFilter, "Query.workItems"),
    "/api/v1/value-streams/{value_stream_id}/deployments": (DeploymentFilter, "Query.deployments"),
    "/api/v1/value-streams/{value_stream_id}/incidents": (IncidentFilter, "Query.incidents"),
}
"""Every filtered list: its REST collection, its core filter, its GraphQL field (or input)."""

NOT_FILTERS = frozenset({"limit", "cursor", "format", "first", "after", "valueStreamId"})
SCHEMA_BOUNDS = {"ge": "minimum", "le": "maximum", "max_length": "maxLength"}


def bounds(info: FieldInfo) -> dict[str, Any]:
    """The bounds a field declares, as OpenAPI names them."""
    found = {}
    for constraint in info.metadata:
        for option, keyword in SCHEMA_BOUNDS.items():
            if hasattr(constraint, option):
                found[keyword] = getattr(constraint, option)
    return found


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SDL_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", list(LISTS))
def test_rest_documents_each_field_of_the_filter_with_its_bounds(anonymous: Api, path: str) -> None:
    model, _ = LISTS[path]
    document = anonymous.ok(anonymous.get("/schema/openapi.json"))

    parameters = document["paths"][path]["get"]["parameters"]
    query = {p["name"]: p for p in parameters if p["in"] == "query"}

    assert set(query) - NOT_FILTERS == set(model.model_fields)
    for name, info in model.model_fields.items():
        schema = query[name]["schema"]
        assert {k: schema[k] for k in SCHEMA_BOUNDS.values() if k in schema} == bounds(info)
        assert query[name].get("description") == info.description


@pytest.mark.parametrize("path", [path for path, (_, field) in LISTS.items() if field])
def test_graphql_takes_each_field_of_the_filter_as_an_argument(
    schema: graphql.GraphQLSchema, path: str
) -> None:
    model, where = LISTS[path]
    assert where is not None
    type_name, _, field_name = where.partition(".")
    owner = schema.get_type(type_name)

    if field_name:
        assert isinstance(owner, graphql.GraphQLObjectType)
        declared: dict[str, Any] = dict(owner.fields[field_name].args)
    else:
        assert isinstance(owner, graphql.GraphQLInputObjectType)
        declared = dict(owner.fields)

    assert set(declared) - NOT_FILTERS == {camel(name) for name in model.model_fields}
    for name, info in model.model_fields.items():
        assert declared[camel(name)].description == info.description
