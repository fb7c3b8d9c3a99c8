"""A whole map as one document (value stream as code): export, and import into any stream.

Steps are referred to by a `key` inside the document, so a document can be written
by hand and imported into another organization without knowing any stored id.
Durations travel as ISO 8601 and come back as the same seconds.
"""

import json
import uuid
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.durations import format_duration
from core.errors import ValidationFailed, invalid
from core.flowmap import ValueClass
from core.models.value_stream_map import (
    MapCreate,
    MapHandoff,
    MapKind,
    MapStep,
    StepCreate,
    ValueStreamMap,
)
from core.services import audit, crud, maps

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
    steps: list[StepDocument] = Field(default_factory=list, max_length=20_000)
    handoffs: list[HandoffDocument] = Field(default_factory=list, max_length=50_000)

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


async def export_map(session: AsyncSession, actor: Actor, map_id: uuid.UUID) -> dict[str, Any]:
    stream_map = await maps.maps.get(session, actor, map_id)
    ordered = (await maps.steps.for_parents(session, actor, [stream_map.id])).get(stream_map.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [stream_map.id])).get(
        stream_map.id, []
    )
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
                process_time=_iso(s.process_seconds),
                wait_time=_iso(s.wait_seconds),
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


def _iso(seconds: float | None) -> str | None:
    """No day part: under a working-day calendar a `D` would read back shorter."""
    return None if seconds is None else format_duration(seconds, days=False)


def parse_document(raw: bytes | str, media_type: str) -> MapDocument:
    """JSON or YAML in; a validated document or a 4xx naming the problem out."""
    try:
        data = yaml.safe_load(raw) if "yaml" in media_type else _json(raw)
    except (yaml.YAMLError, ValueError) as exc:
        raise ValidationFailed(
            f"the document is not valid {media_type}: {exc}", field="body"
        ) from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the document must be a mapping", field="body")
    try:
        return MapDocument.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "the map document") from exc


def _json(raw: bytes | str) -> Any:
    return json.loads(raw)


async def import_map(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, document: MapDocument
) -> ValueStreamMap:
    """Create a map with all its steps and handoffs in the stream's current cycle."""
    calendar = document.calendar
    stream_map = await maps.maps.create(
        session,
        actor,
        value_stream_id,
        MapCreate(
            kind=document.kind,
            name=document.name,
            notes=document.notes,
            chosen=document.chosen,
            hours_per_working_day=calendar.get("hours_per_working_day", 8.0),
            waits_in=calendar.get("waits_in", "calendar"),
        ),
    )
    steps = [_step_row(actor, stream_map, i, step) for i, step in enumerate(document.steps)]
    ids = {step.key: row.id for step, row in zip(document.steps, steps, strict=True)}
    links = []
    for i, handoff in enumerate(document.handoffs):
        if handoff.from_ == handoff.to:
            raise ValidationFailed(
                f"handoffs[{i}]: a handoff joins two different steps", field=f"handoffs[{i}]"
            )
        links.append(
            MapHandoff(
                organization_id=actor.organization_id,
                map_id=stream_map.id,
                from_step_id=ids[handoff.from_],
                to_step_id=ids[handoff.to],
                artifact=handoff.artifact,
                cross_team=handoff.cross_team,
            )
        )
    closing = _first_loop(stream_map, steps, links)
    if closing is not None:
        raise ValidationFailed(
            f"handoffs[{closing}] closes a loop; rework belongs in %C&A, not in an edge back",
            field=f"handoffs[{closing}]",
        )
    for rows in (steps, links):
        session.add_all(rows)
        await crud.flush(session)
    audit.record(
        session,
        actor,
        action="import",
        entity_type="value_stream_map",
        entity_id=stream_map.id,
        after={"steps": len(steps), "handoffs": len(links)},
    )
    return stream_map


def _first_loop(
    stream_map: ValueStreamMap, steps: list[MapStep], links: list[MapHandoff]
) -> int | None:
    """The index of the handoff that first closes a loop, found by bisection: a few
    topological sorts of the whole map instead of one per handoff."""

    def looped(n: int) -> bool:
        try:
            maps.to_flow_map(stream_map, steps, links[:n]).topological_order()
        except ValidationFailed:
            return True
        return False

    if not looped(len(links)):
        return None
    fine, broken = 0, len(links)
    while broken - fine > 1:
        middle = (fine + broken) // 2
        if looped(middle):
            broken = middle
        else:
            fine = middle
    return broken - 1


def _step_row(actor: Actor, stream_map: ValueStreamMap, i: int, step: StepDocument) -> MapStep:
    """One step, validated like one sent on its own, with errors that say which one."""
    where = f"steps[{i}]"
    values = step.model_dump(exclude={"key"})
    if values["position"] is None:
        values["position"] = i
    data = _validated(StepCreate, values, where).model_dump()
    try:
        values = maps.with_seconds(data, stream_map)
    except ValidationFailed as exc:
        inner = exc.problems[0].field if exc.problems else ""
        raise ValidationFailed(f"{where}.{inner}: {exc.detail}", field=f"{where}.{inner}") from exc
    return MapStep(**values, organization_id=actor.organization_id, map_id=stream_map.id)


def _validated(model: Any, values: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(exc, where, prefix=f"{where}.") from exc


def dump(document: dict[str, Any], media_type: str) -> str:
    if "yaml" in media_type:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2)
