"""An example third-party exporter for valuestream: the backlog as a todo.txt list.

It needs nothing from the service but pluggy's marker for the ``vsm`` project. The
exporter is a plain object with the attributes the service reads (name, media_type,
extension, subjects, render, description); ``render(subject, data)`` gets the value
stream as plain read-only data and yields the file in text chunks, one line at a time.

todo.txt (http://todotxt.org): one task per line, ``x`` marks a done one, ``(A)``
a priority, ``+project`` and ``@context`` tags, ``key:value`` extras.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("vsm")

NAME = "todo-txt"
CLOSED = {"done", "dropped"}


@dataclass(frozen=True)
class TodoExporter:
    """The shape of an exporter, as the service reads it."""

    name: str
    media_type: str
    extension: str
    subjects: frozenset[str]
    render: Callable[[str, Any], Iterable[str]]
    description: str = field(default="")


def _tag(text: str) -> str:
    """A todo.txt tag: no spaces."""
    return re.sub(r"\s+", "-", text.strip()) or "-"


def _priority(rank: int) -> str:
    """The first three open items get (A), (B), (C); the rest none."""
    return f"({'ABC'[rank]}) " if rank < 3 else ""


def render(subject: str, data: Any) -> Iterator[str]:
    people = {person.id: person.name for person in data.people}
    project = _tag(data.value_stream.name)
    open_rank = 0
    for item in data.backlog:
        title = " ".join(item.title.split())
        parts = [f"{title} +{project}"]
        if item.owner_id in people:
            parts.append(f"@{_tag(people[item.owner_id])}")
        if item.due_date is not None:
            parts.append(f"due:{item.due_date.isoformat()}")
        if item.status in CLOSED:
            yield f"x {' '.join(parts)} status:{item.status}\n"
        else:
            yield f"{_priority(open_rank)}{' '.join(parts)}\n"
            open_rank += 1


@hookimpl
def register_exporters() -> list[TodoExporter]:
    return [
        TodoExporter(
            name=NAME,
            media_type="text/plain",
            extension="todo.txt",
            subjects=frozenset({"backlog", "value_stream"}),
            render=render,
            description="The backlog as a todo.txt task list (example plugin).",
        )
    ]
