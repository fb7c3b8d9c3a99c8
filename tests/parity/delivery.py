"""Parity cases of delivery data: work items, deployments and incidents, and the flow metrics."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.crud import refused_at_root, root_argument_types, selection
from tests.parity.dora import SETTING as DORA_SETTING
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    camel,
    camel_keys,
    comparable,
    graphql_data,
    rest_json,
)

WORK_ITEMS = [
    {"external_id": "F-1", "type": "feature", "title": "Quote", "created": "2026-01-05T00:00:00Z",
     "started": "2026-01-05T08:00:00Z", "finished": "2026-01-06T12:00:00Z",
     "state_changes": [{"at": "2026-01-05T08:00:00Z", "state": "doing", "flag": "active"},
                       {"at": "2026-01-05T16:00:00Z", "state": "review", "flag": "waiting"}]},
    {"external_id": "D-1", "type": "defect", "created": "2026-01-06T00:00:00Z"},
]  # fmt: skip
DEPLOYMENTS = [
    {"external_id": "R-1", "deployed_at": "2026-01-07T10:00:00Z",
     "commit_times": ["2026-01-06T10:00:00Z"], "succeeded": True, "caused_incident": True},
    {"external_id": "R-2", "deployed_at": "2026-01-08T10:00:00Z", "succeeded": False},
]  # fmt: skip
INCIDENTS = [
    {"external_id": "I-1", "opened_at": "2026-01-07T11:00:00Z",
     "resolved_at": "2026-01-07T13:00:00Z", "deployment_external_id": "R-1"},
]  # fmt: skip
INPUTS = {
    "work-items": "WorkItemInput",
    "deployments": "DeploymentInput",
    "incidents": "IncidentInput",
}
FIELDS = {
    "work-items": "ingestWorkItems",
    "deployments": "ingestDeployments",
    "incidents": "ingestIncidents",
}
WINDOW = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z", "bucket": "day"}
MORE = {
    "work-items": [
        {"external_id": "F-2", "type": "feature", "created": "2026-01-07T00:00:00Z",
         "finished": "2026-01-08T00:00:00Z"},
        {"external_id": "F-3", "type": "feature", "created": "2026-01-08T00:00:00Z",
         "finished": "2026-01-10T00:00:00Z"},
    ],
    "deployments": [
        {"external_id": "R-3", "deployed_at": "2026-01-09T10:00:00Z",
         "commit_times": ["2026-01-08T10:00:00Z", "2026-01-09T09:00:00Z"]},
        {"external_id": "R-4", "deployed_at": "2026-01-11T10:00:00Z"},
    ],
    "incidents": [
        {"external_id": "I-2", "opened_at": "2026-01-08T09:00:00Z",
         "resolved_at": "2026-01-08T10:00:00Z"},
        {"external_id": "I-3", "opened_at": "2026-01-09T09:00:00Z"},
    ],
}  # fmt: skip
"""Records beyond the flow case's, so that each list's filter leaves some out and keeps
more than one page of one."""
LISTS = {
    "work-items": (
        "workItems",
        "WorkItem",
        {"type": "feature", "finished_since": "2026-01-06T00:00:00Z",
         "finished_until": "2026-01-09T00:00:00Z"},
    ),
    "deployments": (
        "deployments",
        "Deployment",
        {"succeeded": True, "deployed_since": "2026-01-07T00:00:00Z",
         "deployed_until": "2026-01-10T00:00:00Z"},
    ),
    "incidents": (
        "incidents",
        "Incident",
        {"resolved_since": "2026-01-07T00:00:00Z", "resolved_until": "2026-01-09T00:00:00Z"},
    ),
}  # fmt: skip
"""Each list's root field, its node type and a REST query that keeps two of its records."""
NESTED = {"WorkItem": f"stateChanges {{ {selection('StateChange')} }}"}
"""Lists of objects, which `selection` leaves out, compared all the same."""


def _graphql_items(kind: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def shaped(item: dict[str, Any]) -> dict[str, Any]:
        changes = [camel_keys(c) for c in item.get("state_changes", [])]
        return camel_keys({**item, "state_changes": changes} if changes else item)

    return [shaped(item) for item in items]


def _ingest_case(kind: str, items: list[dict[str, Any]]) -> Case:
    field_name = FIELDS[kind]
    return Case(
        name=f"ingest {kind.replace('-', ' ')}",
        rest=(
            f"POST /api/v1/value-streams/{{value_stream_id}}/{kind}/bulk",
            f"GET /api/v1/value-streams/{{value_stream_id}}/{kind}",
        ),
        graphql=(field_name,),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/{kind}/bulk", {"items": items}
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            f"mutation($s: ID!, $items: [{INPUTS[kind]}!]!) {{ {field_name}("
            "valueStreamId: $s, items: $items) { created updated unchanged } }",
            s=t["stream"]["id"],
            items=_graphql_items(kind, items),
        ),
        observe=lambda api, t: rest_json(api, f"/api/v1/value-streams/{t['stream']['id']}/{kind}")[
            "items"
        ],
    )


def _delivered(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", WORK_ITEMS)
    factory.ingest(stream, "deployments", DEPLOYMENTS)
    factory.ingest(stream, "incidents", INCIDENTS)
    return {"stream": stream}


def _flow_by_graphql(method: str) -> Any:
    def read(api: Api, twin: Twin) -> Any:
        spread = selection("Distribution")
        states = " ".join(f"{state} {{ {spread} }}" for state in ("active", "waiting", "blocked"))
        aging = f"aging {{ {selection('AgingAt')} age {{ {spread} }} }}"
        buckets = f"{selection('FlowBucket')} timeInState {{ {states} }} {aging}"
        text = (
            "query($s: ID!, $a: DateTime!, $b: DateTime!) { flowMetrics(valueStreamId: $s, "
            f"start: $a, end: $b, bucket: day, percentileMethod: {method}, aging: true) {{ "
            "valueStreamId start end bucket percentileMethod medianMethod "
            f"doraBenchmark {{ {DORA_SETTING} }} buckets {{ {buckets} }} }} }}"
        )
        data = graphql_data(api, text, s=twin["stream"]["id"], a=WINDOW["start"], b=WINDOW["end"])
        return comparable(data["flowMetrics"])

    return read


def _flow_case(method: str) -> QueryCase:
    return QueryCase(
        name=f"the flow metrics of a week, day by day, percentiles by {method}",
        rest=("GET /api/v1/value-streams/{value_stream_id}/flow-metrics",),
        graphql=("flowMetrics",),
        arrange=_delivered,
        via_rest=lambda api, t: comparable(
            rest_json(
                api,
                f"/api/v1/value-streams/{t['stream']['id']}/flow-metrics",
                **WINDOW,
                percentile_method=method,
                aging="true",
            )
        ),
        via_graphql=_flow_by_graphql(method),
    )


AGE_AT = "2026-01-08T12:00:00Z"


def _age_by_graphql(api: Api, twin: Twin) -> Any:
    spread = selection("Distribution")
    text = (
        "query($s: ID!, $at: DateTime!) { workItemAge(valueStreamId: $s, at: $at, "
        "historyDays: 30, oldest: 5) { valueStreamId at historyStart percentileMethod "
        f"medianMethod inProgress overP85 age {{ {spread} }} "
        f"byType {{ type inProgress finished overP85 age {{ {spread} }} "
        f"flowTime {{ {spread} }} }} oldest {{ {selection('AgingItem')} }} }} }}"
    )
    data = graphql_data(api, text, s=twin["stream"]["id"], at=AGE_AT)
    return comparable(data["workItemAge"])


FORECAST = {"remaining": 3, "by": "2026-01-20", "start": "2026-01-12", "history_days": 30}


def _forecast_by_graphql(api: Api, twin: Twin) -> Any:
    text = (
        'query($s: ID!) { deliveryForecast(valueStreamId: $s, remaining: 3, by: "2026-01-20", '
        'start: "2026-01-12", historyDays: 30, trials: 500) { '
        f"{selection('Forecast')} }} }}"
    )
    return comparable(graphql_data(api, text, s=twin["stream"]["id"])["deliveryForecast"])


def _listed(factory: Factory, admin: Factory) -> Twin:
    twin = _delivered(factory, admin)
    for kind, items in MORE.items():
        factory.ingest(twin["stream"], kind, items)
    return twin


def _pages_by_rest(kind: str, query: dict[str, Any]) -> Any:
    def read(api: Api, twin: Twin) -> Any:
        url = f"/api/v1/value-streams/{twin['stream']['id']}/{kind}"
        pages, cursor = [], None
        while True:
            page = rest_json(api, url, **query, limit=1, **({"cursor": cursor} if cursor else {}))
            pages.append(comparable(page["items"]))
            cursor = page["next_cursor"]
            if cursor is None:
                return pages

    return read


def _pages_by_graphql(root: str, type_name: str, query: dict[str, Any]) -> Any:
    types = root_argument_types(root)
    variables = {camel(key): value for key, value in query.items()}
    declared = "".join(f", ${name}: {types[name]}" for name in variables)
    passed = "".join(f", {name}: ${name}" for name in variables)
    chosen = f"{selection(type_name)} {NESTED.get(type_name, '')}"
    text = (
        f"query($s: ID!, $after: String{declared}) {{ {root}(valueStreamId: $s, first: 1, "
        f"after: $after{passed}) {{ nodes {{ {chosen} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )

    def read(api: Api, twin: Twin) -> Any:
        pages, after = [], None
        while True:
            found = graphql_data(api, text, s=twin["stream"]["id"], after=after, **variables)[root]
            pages.append(comparable(found["nodes"]))
            if not found["pageInfo"]["hasNextPage"]:
                return pages
            after = found["pageInfo"]["endCursor"]

    return read


def _list_case(kind: str) -> QueryCase:
    root, type_name, query = LISTS[kind]
    return QueryCase(
        name=f"{kind.replace('-', ' ')} filtered, a page of one at a time",
        rest=(f"GET /api/v1/value-streams/{{value_stream_id}}/{kind}",),
        graphql=(root,),
        arrange=_listed,
        via_rest=_pages_by_rest(kind, query),
        via_graphql=_pages_by_graphql(root, type_name, query),
    )


CASES: list[Case | QueryCase] = [
    _ingest_case("work-items", WORK_ITEMS),
    _ingest_case("deployments", DEPLOYMENTS),
    _ingest_case("incidents", INCIDENTS),
    _flow_case("linear"),
    _flow_case("nearest_rank"),
    QueryCase(
        name="a Monte Carlo forecast of the delivery",
        rest=("GET /api/v1/value-streams/{value_stream_id}/forecast",),
        graphql=("deliveryForecast",),
        arrange=_listed,
        via_rest=lambda api, t: comparable(
            rest_json(
                api, f"/api/v1/value-streams/{t['stream']['id']}/forecast", **FORECAST, trials=500
            )
        ),
        via_graphql=_forecast_by_graphql,
    ),
    QueryCase(
        name="the age of the work in progress at an instant",
        rest=("GET /api/v1/value-streams/{value_stream_id}/work-item-age",),
        graphql=("workItemAge",),
        arrange=_listed,
        via_rest=lambda api, t: comparable(
            rest_json(
                api,
                f"/api/v1/value-streams/{t['stream']['id']}/work-item-age",
                at=AGE_AT,
                history_days=30,
                oldest=5,
            )
        ),
        via_graphql=_age_by_graphql,
    ),
    *(_list_case(kind) for kind in LISTS),
    *(
        refused_at_root(
            f"{root} {field.split('_')[0]} at an instant without a zone",
            rest=f"/api/v1/value-streams/{{value_stream_id}}/{records}",
            root=root,
            query={field: "2026-01-01T00:00:00"},
            arrange=lambda factory, _admin: {"stream": factory.value_stream()},
            parent=lambda twin: twin["stream"]["id"],
            given=lambda twin: {"valueStreamId": twin["stream"]["id"]},
        )
        for records, root, field in (
            ("work-items", "workItems", "finished_since"),
            ("deployments", "deployments", "deployed_until"),
            ("incidents", "incidents", "resolved_since"),
        )
    ),
]
