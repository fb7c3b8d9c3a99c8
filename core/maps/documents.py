"""A whole map as one document (value stream as code): export, and import into any stream.

Steps are referred to by a `key` inside the document, so a document can be written
by hand and imported into another organization without knowing any stored id.
Durations travel as ISO 8601 and come back as the same seconds.
"""

import graphlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from core.actor import Actor
from core.errors import BadRequest, ContentTooLarge, ValidationFailed, field_problems, invalid
from core.foundation import audit
from core.ids import new_id
from core.input_limits import MAX_DEPTH, check_document
from core.maps import service as maps
from core.maps.flowmap import ValueClass
from core.models.base import table_of
from core.models.value_stream_map import (
    MapCreate,
    MapHandoff,
    MapKind,
    MapStep,
    StepCreate,
    ValueStreamMap,
    iso_duration,
)
from core.offload import heavy_work_running, off_loop
from core.types import utcnow

FORMAT_VERSION = 1


class StepDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0)
    description: str | None = None
    role: str | None = None
    team: str | None = None
    people: int | None = None
    process_time: str | float | None = None
    wait_time: str | float | None = None
    percent_complete_accurate: float | None = None
    tools: list[str] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)
    automated: bool = False
    cicd_stage: bool = False
    value_class: ValueClass | None = None
    queue_size: int | None = None


class HandoffDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    artifact: str | None = None
    cross_team: bool = False


class MapDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["valuestream-map"] = "valuestream-map"
    format_version: int = FORMAT_VERSION
    name: str = Field(min_length=1, max_length=200)
    kind: MapKind
    notes: str | None = None
    chosen: bool = False
    calendar: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepDocument] = Field(default_factory=list)
    handoffs: list[HandoffDocument] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_resolve(self) -> "MapDocument":
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("step keys must be unique")
        known = set(keys)
        for i, handoff in enumerate(self.handoffs):
            for end in (handoff.from_, handoff.to):
                if end not in known:
                    raise ValueError(f"handoffs[{i}] names unknown step key {end!r}")
        return self


async def export_document(
    session: AsyncSession, actor: Actor, map_id: uuid.UUID, media_type: str
) -> str:
    """The map as a JSON or YAML document; written in a worker thread from the rows read."""
    stream_map = await maps.maps.get(session, actor, map_id)
    ordered = (await maps.steps.for_parents(session, actor, [stream_map.id])).get(stream_map.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [stream_map.id])).get(
        stream_map.id, []
    )
    return await off_loop(lambda: dump(_document(stream_map, ordered, links), media_type))


def _document(stream_map: ValueStreamMap, ordered: list[Any], links: list[Any]) -> dict[str, Any]:
    key_of = {step.id: f"s{i + 1}" for i, step in enumerate(ordered)}
    document = MapDocument(
        name=stream_map.name,
        kind=MapKind(stream_map.kind),
        notes=stream_map.notes,
        chosen=stream_map.chosen,
        calendar={
            "hours_per_working_day": stream_map.hours_per_working_day,
            "waits_in": stream_map.waits_in,
        },
        steps=[
            StepDocument(
                key=key_of[s.id],
                name=s.name,
                position=s.position,
                description=s.description,
                role=s.role,
                team=s.team,
                people=s.people,
                process_time=iso_duration(s.process_seconds),
                wait_time=iso_duration(s.wait_seconds),
                percent_complete_accurate=s.percent_complete_accurate,
                tools=list(s.tools or []),
                artifacts=list(s.artifacts or []),
                automated=s.automated,
                cicd_stage=s.cicd_stage,
                value_class=s.value_class,
                queue_size=s.queue_size,
            )
            for s in ordered
        ],
        handoffs=[
            HandoffDocument(
                **{"from": key_of[h.from_step_id]},
                to=key_of[h.to_step_id],
                artifact=h.artifact,
                cross_team=h.cross_team,
            )
            for h in links
        ],
    )
    return document.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- import ------------------------------------------------------------------------------

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _EventLoader(Composer, CParser, SafeConstructor, Resolver):
        """libyaml's C parser, composed and constructed as `yaml.CSafeLoader` would.

        `CSafeLoader` composes the whole document in one call into C, which holds the
        interpreter lock for up to a second on a large document, so the event loop
        cannot answer meanwhile. Composing from libyaml's events in Python takes as
        long in all and lets the loop run between events.
        """

        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    YAML_LOADER: Any = _EventLoader
else:  # pragma: no cover - PyYAML's wheels carry libyaml
    YAML_LOADER = yaml.SafeLoader
"""libyaml's parser (PyYAML's wheels are built with it); the pure-Python one took 21 s for
a map of 15,000 steps."""
INSERT_BATCH = 100
"""Rows per INSERT: between batches the event loop answers other requests."""


@dataclass(frozen=True)
class ImportLimits:
    """How large a map document an import takes; `Settings` holds the configured ones."""

    max_bytes: int = 16 * 1024 * 1024
    max_steps: int = 20_000
    max_handoffs: int = 50_000

    @classmethod
    def of(cls, settings: Any) -> "ImportLimits":
        return cls(
            max_bytes=settings.map_import_max_bytes,
            max_steps=settings.map_import_max_steps,
            max_handoffs=settings.map_import_max_handoffs,
        )

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise ContentTooLarge(
                f"the map document is larger than {self.max_bytes:,} bytes, the most an "
                "import takes (setting VSM_MAP_IMPORT_MAX_BYTES)",
                field="body",
                extra={"limit_bytes": self.max_bytes},
            )


@dataclass(frozen=True)
class PreparedImport:
    """A map document checked through and turned into rows, ready to insert.

    The rows lack only `map_id`, which exists once the map is created.
    """

    map: MapCreate
    steps: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]


def parse_document(
    raw: bytes | str, media_type: str, limits: ImportLimits | None = None
) -> MapDocument:
    """JSON or YAML in; a validated document out, or the problem: 413 for a document
    over the size limit, 400 for one that cannot be read, 422 for one that is wrong.

    CPU work that grows with the document: call it off the event loop.
    """
    limits = limits or ImportLimits()
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
    limits.check_size(size)
    data = _read_yaml(raw, media_type) if "yaml" in media_type else _read_json(raw, media_type)
    if not isinstance(data, dict):
        raise ValidationFailed("the document must be a mapping", field="body")
    _check_counts(data, limits)
    _check_expansion(data, size)
    check_document(data)
    return _validated_document(data)


_LISTS: dict[str, TypeAdapter[list[Any]]] = {
    "steps": TypeAdapter(list[StepDocument]),
    "handoffs": TypeAdapter(list[HandoffDocument]),
}
VALIDATE_BATCH = 500
"""Steps or handoffs validated in one call: each call holds the interpreter lock."""


def _validated_document(data: dict[str, Any]) -> MapDocument:
    """The document validated a batch of steps and handoffs at a time; every error named.

    One call validating 15,000 steps would hold the interpreter lock for a third of a
    second, and the event loop with it.
    """
    parts: dict[str, list[Any]] = {}
    problems = []
    for key, adapter in _LISTS.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            continue
        parts[key] = []
        for start in range(0, len(items), VALIDATE_BATCH):
            try:
                parts[key] += adapter.validate_python(items[start : start + VALIDATE_BATCH])
            except ValidationError as exc:
                errors = [
                    {**e, "loc": (key, start + int(e["loc"][0]), *e["loc"][1:])}
                    for e in exc.errors(include_url=False)
                ]
                problems += field_problems(errors)
    if problems:
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise ValidationFailed(f"the map document is not valid: {detail}", problems=problems)
    try:
        return MapDocument.model_validate({**data, **parts})
    except ValidationError as exc:
        raise invalid(exc, "the map document") from exc


def _read_json(raw: bytes | str, media_type: str) -> Any:
    try:
        return msgspec.json.decode(raw)
    except RecursionError as exc:
        raise BadRequest(f"the document is nested deeper than {MAX_DEPTH} levels") from exc
    except msgspec.DecodeError as exc:
        raise BadRequest(f"the {media_type} document cannot be read: {exc}", field="body") from exc


def _read_yaml(raw: bytes | str, media_type: str) -> Any:
    try:
        return yaml.load(raw, Loader=YAML_LOADER)
    except RecursionError as exc:
        raise BadRequest(f"the document is nested deeper than {MAX_DEPTH} levels") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise BadRequest(f"the {media_type} document cannot be read: {exc}", field="body") from exc


def _check_counts(data: dict[str, Any], limits: ImportLimits) -> None:
    """The limits on steps and handoffs, checked before anything is validated."""
    for key, most in (("steps", limits.max_steps), ("handoffs", limits.max_handoffs)):
        items = data.get(key)
        if isinstance(items, list) and len(items) > most:
            setting = f"VSM_MAP_IMPORT_MAX_{key.upper()}"
            raise ValidationFailed(
                f"the map document has {len(items):,} {key}; an import takes at most "
                f"{most:,} (setting {setting})",
                field=key,
            )


def _check_expansion(data: Any, size: int) -> None:
    """Refuse a document holding more values than it has bytes.

    Only YAML aliases can do that (a few lines that repeat a part of the document
    exponentially often); every walk over such a document would never end.
    """
    budget = size + 64
    stack = [data]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValidationFailed(
                "the document repeats its parts (YAML aliases) into more values than it "
                "has characters; write them out",
                field="body",
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def prepare_import(
    raw: bytes | str, media_type: str, limits: ImportLimits, organization_id: uuid.UUID
) -> PreparedImport:
    """Read, check and turn a map document into rows: the CPU part of an import.

    A pure function of its arguments, run in a worker thread; every error names the
    step or handoff it is about.
    """
    with heavy_work_running():
        return _prepared(parse_document(raw, media_type, limits), organization_id)


def _prepared(document: MapDocument, organization_id: uuid.UUID) -> PreparedImport:
    created = _validated(
        MapCreate,
        {
            "kind": document.kind,
            "name": document.name,
            "notes": document.notes,
            "chosen": document.chosen,
            "hours_per_working_day": document.calendar.get("hours_per_working_day", 8.0),
            "waits_in": document.calendar.get("waits_in", "calendar"),
        },
        "calendar",
    )
    now = utcnow()
    base = {"organization_id": organization_id, "version": 1, "created_at": now, "updated_at": now}
    steps = [_step_row(base, created, i, step) for i, step in enumerate(document.steps)]
    ids = {step.key: row["id"] for step, row in zip(document.steps, steps, strict=True)}
    links = []
    for i, handoff in enumerate(document.handoffs):
        if handoff.from_ == handoff.to:
            raise ValidationFailed(
                f"handoffs[{i}]: a handoff joins two different steps", field=f"handoffs[{i}]"
            )
        links.append(
            {
                **base,
                "id": new_id(),
                "from_step_id": ids[handoff.from_],
                "to_step_id": ids[handoff.to],
                "artifact": handoff.artifact,
                "cross_team": handoff.cross_team,
            }
        )
    closing = _first_loop(steps, links)
    if closing is not None:
        raise ValidationFailed(
            f"handoffs[{closing}] closes a loop; rework belongs in %C&A, not in an edge back",
            field=f"handoffs[{closing}]",
        )
    return PreparedImport(created, steps, links)


async def import_document(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    raw: bytes | str,
    media_type: str,
    limits: ImportLimits,
) -> ValueStreamMap:
    """Create a map with all its steps and handoffs in the stream's current cycle.

    The document is read and checked in a worker thread before the database is touched;
    the rows then go in with multi-row INSERTs, a batch at a time.
    """
    actor.require_write()
    prepared = await off_loop(prepare_import, raw, media_type, limits, actor.organization_id)
    return await import_prepared(session, actor, value_stream_id, prepared)


async def import_prepared(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, prepared: PreparedImport
) -> ValueStreamMap:
    stream_map = await maps.maps.create(session, actor, value_stream_id, prepared.map)
    for table, rows in (
        (table_of(MapStep), prepared.steps),
        (table_of(MapHandoff), prepared.handoffs),
    ):
        for start in range(0, len(rows), INSERT_BATCH):
            await session.exec(
                insert(table),
                params=[
                    {**row, "map_id": stream_map.id} for row in rows[start : start + INSERT_BATCH]
                ],
            )
    audit.record(
        session,
        actor,
        action="import",
        entity_type="value_stream_map",
        entity_id=stream_map.id,
        after={"steps": len(prepared.steps), "handoffs": len(prepared.handoffs)},
    )
    return stream_map


def _first_loop(steps: list[dict[str, Any]], links: list[dict[str, Any]]) -> int | None:
    """The index of the handoff that first closes a loop, found by bisection: a few
    topological sorts of the whole map instead of one per handoff."""
    edges = [(h["from_step_id"], h["to_step_id"]) for h in links]

    def looped(n: int) -> bool:
        graph: dict[Any, set[Any]] = {s["id"]: set() for s in steps}
        for source, target in edges[:n]:
            graph[target].add(source)
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError:
            return True
        return False

    if not looped(len(edges)):
        return None
    fine, broken = 0, len(edges)
    while broken - fine > 1:
        middle = (fine + broken) // 2
        if looped(middle):
            broken = middle
        else:
            fine = middle
    return broken - 1


def _step_row(
    base: dict[str, Any], created: MapCreate, i: int, step: StepDocument
) -> dict[str, Any]:
    """One step, validated like one sent on its own, with errors that say which one."""
    where = f"steps[{i}]"
    values = step.model_dump(exclude={"key"})
    if values["position"] is None:
        values["position"] = i
    data = _validated(StepCreate, values, where).model_dump()
    try:
        values = maps.with_seconds(data, created)
    except ValidationFailed as exc:
        inner = exc.problems[0].field if exc.problems else ""
        raise ValidationFailed(f"{where}.{inner}: {exc.detail}", field=f"{where}.{inner}") from exc
    value_class = values.get("value_class")
    return {
        **base,
        **values,
        "id": new_id(),
        "value_class": None if value_class is None else str(value_class),
    }


def _validated(model: Any, values: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(exc, where, prefix=f"{where}.") from exc


YAML_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(document: dict[str, Any], media_type: str) -> str:
    if "yaml" in media_type:
        return yaml.dump(document, Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2)
