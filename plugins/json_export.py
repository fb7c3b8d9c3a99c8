"""The JSON exporter: a whole value stream (importable again), a map, or the portfolio."""

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from core.exporting import Exporter
from core.hookspecs import hookimpl


def render(subject: str, data: BaseModel) -> Iterator[str]:
    """One top-level field at a time, so the file streams out as it is written."""
    fields = data.model_dump(mode="json")
    if subject == "backlog":
        fields = {"value_stream": fields["value_stream"], "backlog": fields["backlog"]}
    yield "{\n"
    for position, (key, value) in enumerate(fields.items()):
        separator = ",\n" if position else ""
        yield f"{separator}{json.dumps(key)}: {json.dumps(value, indent=2)}"
    yield "\n}\n"


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
