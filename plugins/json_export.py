"""The JSON exporter: a whole value stream (importable again), a map, or the portfolio."""

import json
import math
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from core.exports.exporters import Exporter
from core.hookspecs import hookimpl


def render(subject: str, data: BaseModel) -> Iterator[str]:
    """One top-level field at a time, so the file streams out as it is written."""
    fields = data.model_dump(mode="json")
    if subject == "backlog":
        fields = {"value_stream": fields["value_stream"], "backlog": fields["backlog"]}
    yield "{\n"
    for position, (key, value) in enumerate(fields.items()):
        separator = ",\n" if position else ""
        yield f"{separator}{json.dumps(key)}: {_dumps(value)}"
    yield "\n}\n"


def _dumps(value: Any) -> str:
    """Strict JSON: a stored infinity or NaN, which JSON cannot hold, is written as null
    (as the REST API answers it), never as the `Infinity` most parsers refuse."""
    try:
        return json.dumps(value, indent=2, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), indent=2, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


@hookimpl
def register_exporters() -> list[Any]:
    return [
        Exporter(
            name="json",
            media_type="application/json",
            extension="json",
            subjects=frozenset({"value_stream", "backlog", "portfolio"}),
            render=render,
            description="Everything, as JSON; a value stream export imports again unchanged.",
        )
    ]
