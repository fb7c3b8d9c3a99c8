"""Waste findings: suggested by classifier plugins, recorded by people, triaged by people."""

import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

import pluggy
from sqlmodel import case, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, ValidationFailed
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import FindingStatus, TriageDecision, WasteFinding
from core.offload import off_loop
from core.services import crud, maps
from core.services.children import ChildService
from core.types import utcnow
from core.waste import WasteCategory, WasteSuggestion

logger = logging.getLogger("valuestream.classify")


class FindingService(ChildService[WasteFinding]):
    """Findings a person records are confirmed at once: a person saw the waste."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream_map: ValueStreamMap = parent
        await _check_target(
            session, actor, stream_map, values.get("step_id"), values.get("handoff_id")
        )
        return {
            **values,
            "value_stream_id": stream_map.value_stream_id,
            "status": FindingStatus.confirmed.value,
            "source": "person",
            "recorded_by_person_id": actor.person_id,
            "triaged_by_token_id": actor.token_id,
            "triaged_by_person_id": actor.person_id,
            "triaged_at": utcnow(),
        }


async def _check_target(
    session: AsyncSession,
    actor: Actor,
    stream_map: ValueStreamMap,
    step_id: uuid.UUID | None,
    handoff_id: uuid.UUID | None,
) -> None:
    references: list[tuple[str, type[MapStep | MapHandoff], uuid.UUID | None]] = [
        ("step_id", MapStep, step_id),
        ("handoff_id", MapHandoff, handoff_id),
    ]
    for field, model, ident in references:
        if ident is None:
            continue
        row = (await crud.get_many(session, actor, model, [ident])).get(ident)
        if row is None or row.map_id != stream_map.id:
            raise ValidationFailed(f"{field} names nothing on this map", field=field)


findings = FindingService(
    WasteFinding,
    parent=ValueStreamMap,
    parent_field="map_id",
    filters=["status", "category", "source", "step_id", "handoff_id"],
)


async def triage(
    session: AsyncSession,
    actor: Actor,
    finding_id: uuid.UUID,
    decision: TriageDecision,
    *,
    expected_version: crud.ExpectedVersion,
) -> WasteFinding:
    """Confirm or dismiss a finding; who and why are kept with it."""
    finding = await findings.get(session, actor, finding_id)
    if decision.status == FindingStatus.suggested:
        raise ValidationFailed("triage confirms or dismisses", field="status")
    if decision.status == FindingStatus.dismissed and not (decision.reason or "").strip():
        raise ValidationFailed("dismissing a finding needs a reason", field="reason")
    return await crud.update(
        session,
        actor,
        finding,
        {
            "status": decision.status.value,
            "triage_reason": decision.reason,
            "triaged_by_token_id": actor.token_id,
            "triaged_by_person_id": actor.person_id,
            "triaged_at": utcnow(),
        },
        expected_version=expected_version,
        action="triage",
    )


@dataclass(frozen=True)
class ClassifyOutcome:
    created: list[WasteFinding]
    skipped: int
    classifiers: list[str]
    rejected: list[str]


async def classify(
    session: AsyncSession,
    actor: Actor,
    map_id: uuid.UUID,
    plugins: pluggy.PluginManager,
    config: dict[str, Any],
) -> ClassifyOutcome:
    """Ask every classifier plugin; store new suggestions, never one already known.

    A suggestion is known when the map already has a finding with the same category,
    step and handoff, whatever its status: triaged ones are decided, and suggested
    ones are waiting for people. The map's rows are read here; the classifiers, CPU
    work that grows with the map, run in a worker thread on a picture of it.
    """
    actor.require_write()
    stream_map = await maps.maps.get(session, actor, map_id)
    await crud.lock(session, stream_map)
    steps = (await maps.steps.for_parents(session, actor, [stream_map.id])).get(stream_map.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [stream_map.id])).get(
        stream_map.id, []
    )
    known = {
        (category, step_id, handoff_id)
        for category, step_id, handoff_id in await session.exec(
            select(WasteFinding.category, WasteFinding.step_id, WasteFinding.handoff_id).where(
                WasteFinding.map_id == stream_map.id
            )
        )
    }
    suggested = await off_loop(_suggest, stream_map, steps, links, plugins, config, known)
    stored = await crud.create_many(session, actor, WasteFinding, suggested.created)
    return ClassifyOutcome(
        created=stored,
        skipped=suggested.skipped,
        classifiers=sorted(suggested.classifiers),
        rejected=suggested.rejected,
    )


@dataclass(frozen=True)
class _Suggested:
    created: list[dict[str, Any]]
    skipped: int
    classifiers: list[str]
    rejected: list[str]


def _suggest(
    stream_map: ValueStreamMap,
    steps: list[MapStep],
    links: list[MapHandoff],
    plugins: pluggy.PluginManager,
    config: dict[str, Any],
    known: set[tuple[Any, Any, Any]],
) -> _Suggested:
    """Every classifier's suggestions that can be stored and are not known yet."""
    picture = maps.to_flow_map(stream_map, steps, links)
    try:
        picture.topological_order()
    except ValidationFailed as exc:
        raise Conflict(f"the map cannot be classified: {exc.detail}") from exc
    created: list[dict[str, Any]] = []
    rejected: list[str] = []
    skipped = 0
    names = []
    on_map = _targets_on(picture)
    arguments = {"flow_map": picture, "config": config}
    for impl in plugins.hook.classify_waste.get_hookimpls():
        names.append(impl.plugin_name)
        # pluggy types every implementation's answer as object; the hookspec promises this
        # one, and `_problem` checks each suggestion before it is used.
        answer = cast(
            "list[WasteSuggestion] | None",
            impl.function(*(arguments[name] for name in impl.argnames)),
        )
        suggestions = answer or []
        for suggestion in suggestions:
            problem = _problem(suggestion, on_map)
            if problem is not None:
                rejected.append(f"{impl.plugin_name}: {problem}")
                logger.warning("classifier %s: %s", impl.plugin_name, problem)
                continue
            key = _key(suggestion)
            if key in known:
                skipped += 1
                continue
            known.add(key)
            created.append(_values(suggestion, stream_map, impl.plugin_name))
    return _Suggested(created, skipped, names, rejected)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _targets_on(picture: Any) -> tuple[set[str], set[str]]:
    return {s.id for s in picture.steps}, {h.id for h in picture.handoffs}


def _problem(s: Any, on_map: tuple[set[str], set[str]]) -> str | None:
    """Why a plugin's suggestion cannot be stored, or None: plugins are not trusted blindly."""
    steps, handoffs = on_map
    try:
        category = WasteCategory(s.category)
    except (ValueError, AttributeError):
        return f"unknown category {getattr(s, 'category', None)!r}"
    if getattr(s, "step_id", None) is not None and str(s.step_id) not in steps:
        return f"{category}: step {s.step_id!r} is not on this map"
    if getattr(s, "handoff_id", None) is not None and str(s.handoff_id) not in handoffs:
        return f"{category}: handoff {s.handoff_id!r} is not on this map"
    confidence = getattr(s, "confidence", None)
    if confidence is not None and not (
        isinstance(confidence, int | float) and 0 <= confidence <= 1
    ):
        return f"{category}: confidence {confidence!r} is not between 0 and 1"
    cost = getattr(s, "estimated_cost_hours_per_week", None)
    if cost is not None and not (_number(cost) and 0 <= cost <= 1_000_000):
        return f"{category}: cost {cost!r} is not a number of hours from 0"
    if not str(getattr(s, "description", "") or "").strip():
        return f"{category}: no description"
    return None


def _key(s: WasteSuggestion) -> tuple[str, uuid.UUID | None, uuid.UUID | None]:
    return (
        WasteCategory(s.category).value,
        uuid.UUID(s.step_id) if s.step_id else None,
        uuid.UUID(s.handoff_id) if s.handoff_id else None,
    )


def _values(s: WasteSuggestion, stream_map: ValueStreamMap, plugin: str) -> dict[str, Any]:
    category, step_id, handoff_id = _key(s)
    return {
        "map_id": stream_map.id,
        "value_stream_id": stream_map.value_stream_id,
        "step_id": step_id,
        "handoff_id": handoff_id,
        "category": category,
        "description": s.description[:4000],
        "evidence": s.evidence[:4000] if s.evidence else None,
        "estimated_cost_hours_per_week": s.estimated_cost_hours_per_week,
        "confidence": s.confidence,
        "status": FindingStatus.suggested.value,
        "source": "classifier",
        "classifier": plugin[:120],
        "rule": s.rule[:120] if s.rule else None,
    }


async def untriaged_counts(
    session: AsyncSession, map_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(all findings, suggestions still untriaged) per map."""
    rows = await session.exec(
        select(
            WasteFinding.map_id,
            func.count(),
            func.sum(case((WasteFinding.status == FindingStatus.suggested.value, 1), else_=0)),
        )
        .where(col(WasteFinding.map_id).in_(map_ids))
        .group_by(col(WasteFinding.map_id))
    )
    return {map_id: (int(total), int(untriaged or 0)) for map_id, total, untriaged in rows}
