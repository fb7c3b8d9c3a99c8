"""Parity cases of the organization's DORA benchmark.

The benchmark is one per organization, so both twins share it: each transport's write
is read back (through REST) right after it, into the twin, and those readings compared.
"""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory, dora_benchmark
from tests.parity.crud import selection
from tests.parity.harness import Case, QueryCase, Twin, camel_keys, comparable, graphql_data

URL = "/api/v1/dora-benchmark"
SETTING = f"benchmark {{ {selection('DoraBenchmark')} }} isDefault version"


def _version(api: Api) -> int:
    return int(api.ok(api.get(URL))["version"])


def _read_back(api: Api, twin: Twin) -> Any:
    """What REST answered right after this twin's write, but the version: it counts on."""
    stored = dict(api.ok(api.get(URL)))
    del stored["version"]
    twin["seen"] = stored
    return stored


def _a_twin(_factory: Factory, _admin: Factory) -> Twin:
    return {}


def _replaced_by_rest(api: Api, twin: Twin) -> Any:
    answer = api.put(URL, dora_benchmark(), if_match=_version(api))
    _read_back(api, twin)
    return answer


def _replaced_by_graphql(api: Api, twin: Twin) -> Any:
    graphql_data(
        api,
        "mutation($v: Int!, $b: DoraBenchmarkInput!) { replaceDoraBenchmark("
        "expectedVersion: $v, benchmark: $b) { version } }",
        v=_version(api),
        b=camel_keys(dora_benchmark()),
    )
    return _read_back(api, twin)


def _own_benchmark(api: Api) -> None:
    api.ok(api.put(URL, dora_benchmark(), if_match=_version(api)))


def _reset_by_rest(api: Api, twin: Twin) -> Any:
    _own_benchmark(api)
    answer = api.delete(URL, if_match=_version(api))
    _read_back(api, twin)
    return answer


def _reset_by_graphql(api: Api, twin: Twin) -> Any:
    _own_benchmark(api)
    graphql_data(
        api,
        "mutation($v: Int!) { resetDoraBenchmark(expectedVersion: $v) { version } }",
        v=_version(api),
    )
    return _read_back(api, twin)


def _replaced(_factory: Factory, admin: Factory) -> Twin:
    _own_benchmark(admin.api)
    return {}


def _write_case(name: str, method: str, mutation: str, via_rest: Any, via_graphql: Any) -> Case:
    return Case(
        name=name,
        rest=(f"{method} {URL}",),
        graphql=(mutation,),
        arrange=_a_twin,
        via_rest=via_rest,
        via_graphql=via_graphql,
        observe=lambda api, t: t["seen"],
    )


CASES: list[Case | QueryCase] = [
    _write_case(
        "replace the DORA benchmark",
        "PUT",
        "replaceDoraBenchmark",
        _replaced_by_rest,
        _replaced_by_graphql,
    ),
    _write_case(
        "go back to the default DORA benchmark",
        "DELETE",
        "resetDoraBenchmark",
        _reset_by_rest,
        _reset_by_graphql,
    ),
    QueryCase(
        name="the organization's DORA benchmark",
        rest=(f"GET {URL}",),
        graphql=("doraBenchmark",),
        arrange=_replaced,
        via_rest=lambda api, t: comparable(api.ok(api.get(URL))),
        via_graphql=lambda api, t: comparable(
            graphql_data(api, f"{{ doraBenchmark {{ {SETTING} }} }}")["doraBenchmark"]
        ),
    ),
]
