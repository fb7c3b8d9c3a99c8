"""Classify: every classifier plugin's suggestions for a map, checked and stored once.

Callers pass what the user asked (the map) and the app's `Plugins`; which plugins run,
and with what configuration (the deployment's default with the caller's organization's
own over it), is decided here.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import plugin_calls
from core.actor import Actor
from core.errors import Conflict, ValidationFailed
from core.foundation import plugin_config
from core.maps import service as maps
from core.maps.flowmap import FlowMap
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import FindingStatus, WasteFinding
from core.offload import off_loop
from core.plugin_types import ClassifierConfig, Suggestion
from core.plugins import Plugins
from core.services import crud
from core.waste.vocabulary import WasteCategory

logger = logging.getLogger("valuestream.classify")


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
    plugins: Plugins,
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
    config = await plugin_config.classifier_config(session, actor, plugins)
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
    plugins: Plugins,
    config: ClassifierConfig,
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
    answers = plugin_calls.each(plugins.manager, "classify_waste", flow_map=picture, config=config)
    for plugin, suggestions in answers:
        names.append(plugin)
        for suggestion in suggestions or []:
            problem = _problem(suggestion, on_map)
            if problem is not None:
                rejected.append(f"{plugin}: {problem}")
                logger.warning("classifier %s: %s", plugin, problem)
                continue
            key = _key(suggestion)
            if key in known:
                skipped += 1
                continue
            known.add(key)
            created.append(_values(suggestion, stream_map, plugin))
    return _Suggested(created, skipped, names, rejected)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _targets_on(picture: FlowMap) -> tuple[set[str], set[str]]:
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


def _key(s: Suggestion) -> tuple[str, uuid.UUID | None, uuid.UUID | None]:
    return (
        WasteCategory(s.category).value,
        uuid.UUID(s.step_id) if s.step_id else None,
        uuid.UUID(s.handoff_id) if s.handoff_id else None,
    )


def _values(s: Suggestion, stream_map: ValueStreamMap, plugin: str) -> dict[str, Any]:
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
