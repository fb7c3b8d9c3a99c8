"""Parity cases of value stream maps: maps, steps, handoffs, documents, metrics, comparison."""

import json
from typing import Any

from tests.api_client import Api
from tests.parity.harness import Case, QueryCase, Twin, graphql_data

MAP_DOCUMENT = {
    "format": "valuestream-map",
    "format_version": 1,
    "name": "Order to cash today",
    "kind": "current",
    "steps": [
        {"key": "take", "name": "Take the order", "role": "Sales", "process_time": "PT1H",
         "wait_time": "P1D"},
        {"key": "ship", "name": "Ship", "role": "Warehouse", "process_time": "PT2H",
         "wait_time": "PT4H"},
    ],
    "handoffs": [{"from": "take", "to": "ship"}],
}  # fmt: skip


def _maps_as_documents(api: Api, twin: Twin) -> Any:
    maps = api.ok(api.get(f"/api/v1/value-streams/{twin['stream']['id']}/maps"))["items"]
    return [api.ok(api.get(f"/api/v1/maps/{m['id']}/export")) for m in maps]


CASES: list[Case | QueryCase] = [
    Case(
        name="import a map document",
        rest=("POST /api/v1/value-streams/{value_stream_id}/maps/import",),
        graphql=("importMap",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/maps/import", MAP_DOCUMENT
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!, $d: String!) { importMap(valueStreamId: $s, document: $d) { id } }",
            s=t["stream"]["id"],
            d=json.dumps(MAP_DOCUMENT),
        ),
        observe=_maps_as_documents,
    ),
]
