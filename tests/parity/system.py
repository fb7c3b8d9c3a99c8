"""Parity cases of the service itself: liveness and readiness.

Neither has a GraphQL root field, and needs none: both say whether the process, and
its database, answer. Their GraphQL counterpart is a query that needs the same: any
answer at all for liveness, a read of the database for readiness.
"""

from typing import Any

from tests.api_client import Api
from tests.parity.harness import Case, QueryCase, Twin, graphql_data


def _live_by_graphql(api: Api, _twin: Twin) -> Any:
    return {
        "status": "ok" if graphql_data(api, "{ __typename }") == {"__typename": "Query"} else "down"
    }


def _ready_by_rest(api: Api, _twin: Twin) -> Any:
    answer = api.get("/ready")
    return {"ready": answer.status_code == 200 and answer.json()["status"] == "ready"}


def _ready_by_graphql(api: Api, _twin: Twin) -> Any:
    organization = graphql_data(api, "{ organization { id } }")["organization"]
    return {"ready": organization is not None}


CASES: list[Case | QueryCase] = [
    QueryCase(
        name="the process answers",
        rest=("GET /health",),
        graphql=(),
        arrange=lambda f, a: {},
        via_rest=lambda api, t: api.ok(api.get("/health")),
        via_graphql=_live_by_graphql,
    ),
    QueryCase(
        name="the database answers",
        rest=("GET /ready",),
        graphql=(),
        arrange=lambda f, a: {},
        via_rest=_ready_by_rest,
        via_graphql=_ready_by_graphql,
    ),
]
