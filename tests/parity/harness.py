"""What a parity case is, and how two answers are made comparable.

A `Case` changes one twin through REST and an identical twin through GraphQL, then
reads both back the same way (through REST); a `QueryCase` reads one arrangement
through both transports. Either compares what it read after `comparable`: the twins'
own ids named by their role, stored times left out, GraphQL's camelCase keys in
snake_case and instants in one notation.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.api_client import Api
from tests.factories import Factory

Twin = dict[str, Any]
TIMES = frozenset(
    {"created_at", "updated_at", "revoked_at", "last_used_at", "at", "signed_at", "triaged_at"}
    | {"phase_entered_at", "imported_at"}
    | {"run_at", "started_at", "finished_at", "delivered_at", "previous_secret_expires_at"}
)
_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True)
class Case:
    """One use case as each transport calls it; `observe` reads the outcome back."""

    name: str
    rest: tuple[str, ...]
    graphql: tuple[str, ...]
    arrange: Callable[[Factory, Factory], Twin]
    via_rest: Callable[[Api, Twin], Any]
    via_graphql: Callable[[Api, Twin], Any]
    observe: Callable[[Api, Twin], Any]


@dataclass(frozen=True)
class QueryCase:
    """One read as each transport answers it, shaped alike by `via_rest`/`via_graphql`."""

    name: str
    rest: tuple[str, ...]
    graphql: tuple[str, ...]
    arrange: Callable[[Factory, Factory], Twin]
    via_rest: Callable[[Api, Twin], Any]
    via_graphql: Callable[[Api, Twin], Any]


def graphql_nodes(api: Api, text: str, field: str, **variables: Any) -> list[Any]:
    """The nodes of the connection `field` a query answers, without errors."""
    return [edge["node"] for edge in graphql_data(api, text, **variables)[field]["edges"]]


def graphql_data(api: Api, text: str, **variables: Any) -> dict[str, Any]:
    """The `data` of a query or mutation that must answer without errors."""
    answer = api.graphql(text, variables)
    assert "errors" not in answer, answer
    return answer["data"]  # type: ignore[no-any-return]


def rest_json(api: Api, url: str, **params: Any) -> Any:
    """The JSON a REST read answers with 200."""
    return api.ok(api.get(url, params=params or None))


PROBLEM_JSON = "application/problem+json"


def rest_refusal(response: Any, name: Callable[[str], str]) -> dict[str, Any]:
    """A REST refusal of a request as a 4xx problem: its code and the fields it names.

    `name` turns each REST field into what GraphQL calls it, so the two refusals of one
    mistake compare equal only when each transport names the field in its own words.
    """
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    return {"code": body["code"], "fields": sorted(name(e["field"]) for e in body["errors"])}


def graphql_refusal(answer: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL refusal: the code of its errors and the fields they name."""
    errors = answer.get("errors")
    assert errors, answer
    codes = {error["extensions"]["code"] for error in errors}
    assert len(codes) == 1, errors
    fields = [f["field"] for error in errors for f in error["extensions"].get("fields", [])]
    return {"code": codes.pop(), "fields": sorted(fields)}


def snake(name: str) -> str:
    return _CAMEL.sub(lambda m: "_" + m.group(1).lower(), name)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake_keys(value: Any) -> Any:
    """A GraphQL answer with the keys REST uses; JSON scalars' own keys stay as they are."""
    if isinstance(value, dict):
        return {snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def camel_keys(value: dict[str, Any]) -> dict[str, Any]:
    """A REST body as a GraphQL input (one level: nested JSON values keep their keys)."""
    return {camel(k): v for k, v in value.items()}


def _instant(text: str) -> str:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()


def _ids_of(twin: Twin) -> dict[str, str]:
    """Each id the twin made, by its role, and the ids those records refer to by theirs."""
    names: dict[str, str] = {}
    references: dict[str, str] = {}
    for key, made in twin.items():
        values = made if isinstance(made, list) else [made]
        for n, value in enumerate(values):
            label = f"<{key}>" if len(values) == 1 else f"<{key}[{n}]>"
            if isinstance(value, str):
                names[value] = label
            elif isinstance(value, dict):
                if isinstance(value.get("id"), str):
                    names[value["id"]] = label
                for field, ident in value.items():
                    if field.endswith("_id") and isinstance(ident, str):
                        references.setdefault(ident, f"{label[:-1]}.{field}>")
    return {**references, **names}


def anonymized(value: Any, twin: Twin) -> Any:
    """`value` with the twin's ids named by their role in it and stored times left out."""
    names = _ids_of(twin)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if k not in TIMES and k != "id"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return names.get(node, _instant(node) if _INSTANT.match(node) else node)
        return node

    return walk(value)


def comparable(value: Any) -> Any:
    """An answer of either transport, keys in snake_case and instants in one notation."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and _INSTANT.match(node):
            return _instant(node)
        return node

    return walk(snake_keys(value))
