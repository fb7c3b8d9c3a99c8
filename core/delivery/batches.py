"""Reading a batch: every value checked in one pass, each problem named by its place.

Places are named in the domain's words (`work_items[12].state_changes[0].at`); a
transport that calls the batch something else renames them (`api/fields.py`).
"""

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from core.errors import FieldProblem, ValidationFailed
from core.models.delivery_input import MAX_BATCH

MAX_PROBLEMS = 20
"""Problems named in one answer: enough to fix a feed, not a megabyte of errors."""

M = TypeVar("M")


def place(batch: str, loc: Iterable[Any]) -> str:
    """A pydantic location as a client reads it: ``work_items[12].state_changes[0].at``."""
    path = batch
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def refuse(what: str, problems: list[FieldProblem]) -> ValidationFailed:
    shown = problems[:MAX_PROBLEMS]
    detail = "; ".join(f"{p.field}: {p.message}" for p in shown)
    if len(problems) > len(shown):
        detail += f"; and {len(problems) - len(shown)} more"
    return ValidationFailed(f"the {what} are not valid: {detail}", problems=shown)


def parse(adapter: TypeAdapter[list[M]], raw: Any, *, what: str, batch: str) -> list[M]:
    """Validate a whole batch in one pass, naming each bad value by its index and field."""
    if isinstance(raw, Sequence) and not isinstance(raw, str | bytes) and len(raw) > MAX_BATCH:
        raise ValidationFailed(
            f"send at most {MAX_BATCH} {what} per request; this one has {len(raw)}",
            field=batch,
        )
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        problems = [FieldProblem(place(batch, e["loc"]), e["msg"]) for e in exc.errors()]
        raise refuse(what, problems) from exc


def repeated_external_ids(batch: str, items: Sequence[Any]) -> list[FieldProblem]:
    """An external id names one record: a batch that sends it twice contradicts itself."""
    problems = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first = seen.setdefault(item.external_id, index)
        if first != index:
            problems.append(
                FieldProblem(
                    f"{batch}[{index}].external_id", f"repeats {batch}[{first}].external_id"
                )
            )
    return problems
