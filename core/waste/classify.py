"""Classify: every classifier plugin's suggestions for a map, checked, merged and stored once.

Callers pass what the user asked (the map) and the app's `Plugins`; which plugins run,
and with what configuration (the deployment's default with the caller's organization's
own over it), is decided here. Suggestions about the same kind of waste at the same step
or handoff become one finding carrying every rule that fired (`core.waste.merging`), so
people decide once per waste rather than once per rule.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import plugin_calls
from core.actor import Actor
from core.errors import Conflict, ValidationFailed
from core.foundation import plugin_config
from core.ids import new_ids
from core.maps import service as maps
from core.maps.flowmap import FlowMap
from core.models.audit import AuditEvent
from core.models.base import table_of
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import FindingRead, FindingStatus, FiredRule, WasteFinding
from core.offload import heavy_work_running, off_loop
from core.plugin_types import ClassifierConfig, Suggestion
from core.plugins import Plugins
from core.services import crud
from core.types import utcnow
from core.waste.merging import Fired, Merged, Reported, merge
from core.waste.vocabulary import WasteCategory

logger = logging.getLogger("valuestream.classify")

INSERT_BATCH = 500
"""Rows per INSERT: a few statements for thousands of findings, and the event loop
answers other requests between them. With RETURNING, SQLAlchemy sends each batch as
multi-row INSERTs of its own ("insertmanyvalues"), where the driver's executemany runs
one statement per row, and so PostgreSQL's statement triggers
(`core.models.stream_change`) once per row. (A `.values(rows)` INSERT would do the
same, but SQLAlchemy compiles it afresh each time: twenty times slower.)"""

Key = tuple[str, uuid.UUID | None, uuid.UUID | None]


@dataclass(frozen=True)
class ClassifyOutcome:
    created: list[FindingRead]
    skipped: int
    classifiers: list[str]
    rejected: list[str]


async def classify(
    session: AsyncSession,
    actor: Actor,
    map_id: uuid.UUID,
    plugins: Plugins,
) -> ClassifyOutcome:
    """Ask every classifier plugin; store new findings, never one already known.

    A finding is known when the map already has one with the same category, step and
    handoff, whatever its status: triaged ones are decided, and suggested ones are
    waiting for people. The map's rows are read here; the classifiers, the merging and
    the making of rows, CPU work that grows with the map, run in a worker thread, and
    the rows go in with multi-row INSERTs, an audit event for each finding as `crud`
    writes them.
    """
    actor.require_write()
    stream_map = await maps.maps.get(session, actor, map_id)
    await crud.lock(session, stream_map)
    steps = (await maps.steps.for_parents(session, actor, [stream_map.id])).get(stream_map.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [stream_map.id])).get(
        stream_map.id, []
    )
    known: set[Key] = {
        (category, step_id, handoff_id)
        for category, step_id, handoff_id in await session.exec(
            select(WasteFinding.category, WasteFinding.step_id, WasteFinding.handoff_id).where(
                WasteFinding.map_id == stream_map.id
            )
        )
    }
    config = await plugin_config.classifier_config(session, actor, plugins)
    suggested = await off_loop(
        _suggest, stream_map, steps, links, plugins, config, known, actor, utcnow()
    )
    for table, rows in (
        (table_of(WasteFinding), suggested.rows),
        (table_of(AuditEvent), suggested.audit),
    ):
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            await session.exec(insert(table).returning(table.c.id), params=batch)
    return ClassifyOutcome(
        created=suggested.created,
        skipped=suggested.skipped,
        classifiers=sorted(suggested.classifiers),
        rejected=suggested.rejected,
    )


@dataclass(frozen=True)
class _Suggested:
    rows: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    created: list[FindingRead]
    skipped: int
    classifiers: list[str]
    rejected: list[str]


@heavy_work_running()
def _suggest(
    stream_map: ValueStreamMap,
    steps: list[MapStep],
    links: list[MapHandoff],
    plugins: Plugins,
    config: ClassifierConfig,
    known: set[Key],
    actor: Actor,
    now: datetime,
) -> _Suggested:
    """Every classifier's suggestions that can be stored and are not known yet, merged
    per kind and target, as rows ready to insert, most severe first.

    A large map makes objects by the hundred thousand that live until the end, which
    the cycle collector would walk again and again while holding the interpreter lock:
    it is paused while this runs (`heavy_work_running`).
    """
    picture = maps.to_flow_map(stream_map, steps, links)
    try:
        picture.topological_order()
    except ValidationFailed as exc:
        raise Conflict(f"the map cannot be classified: {exc.detail}") from exc
    rejected: list[str] = []
    names = []
    on_map = _targets_on(picture)
    grouped: dict[Key, list[Reported]] = {}
    answers = plugin_calls.each(plugins.manager, "classify_waste", flow_map=picture, config=config)
    for plugin, suggestions in answers:
        names.append(plugin)
        for suggestion in suggestions or []:
            problem = _problem(suggestion, on_map)
            if problem is not None:
                rejected.append(f"{plugin}: {problem}")
                logger.warning("classifier %s: %s", plugin, problem)
                continue
            grouped.setdefault(_key(suggestion), []).append(_reported(suggestion, plugin))
    fresh = {key: merge(reports) for key, reports in grouped.items() if key not in known}
    order = sorted(fresh, key=lambda key: -fresh[key].severity)
    ids = new_ids(2 * len(order))
    rows = [
        _values(ident, key, fresh[key], stream_map, actor, now)
        for ident, key in zip(ids, order, strict=False)
    ]
    return _Suggested(
        rows=rows,
        audit=[
            _created_event(ident, row, actor)
            for ident, row in zip(ids[len(rows) :], rows, strict=True)
        ],
        created=[_read(row) for row in rows],
        skipped=len(grouped) - len(fresh),
        classifiers=names,
        rejected=rejected,
    )


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
    for said in (s, *_rules_of(s)):
        problem = _number_problem(said)
        if problem is not None:
            return f"{category}: {problem}"
    if not str(getattr(s, "description", "") or "").strip():
        return f"{category}: no description"
    return None


def _number_problem(s: Any) -> str | None:
    confidence = getattr(s, "confidence", None)
    if confidence is not None and not (_number(confidence) and 0 <= confidence <= 1):
        return f"confidence {confidence!r} is not between 0 and 1"
    cost = getattr(s, "estimated_cost_hours_per_week", None)
    if cost is not None and not (_number(cost) and 0 <= cost <= 1_000_000):
        return f"cost {cost!r} is not a number of hours from 0"
    return None


def _rules_of(s: Any) -> Iterable[Any]:
    rules = getattr(s, "rules", None)
    return rules if isinstance(rules, list | tuple) else ()


def _key(s: Suggestion) -> Key:
    return (
        WasteCategory(s.category).value,
        uuid.UUID(s.step_id) if s.step_id else None,
        uuid.UUID(s.handoff_id) if s.handoff_id else None,
    )


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value else None


def _fired(s: Any, plugin: str) -> Fired:
    return Fired(
        classifier=plugin[:120],
        rule=_text(getattr(s, "rule", None), 120),
        statement=_text(getattr(s, "statement", None), 1000),
        description=str(getattr(s, "description", "") or ""),
        evidence=_text(getattr(s, "evidence", None), 4000),
        confidence=getattr(s, "confidence", None),
        estimated_cost_hours_per_week=getattr(s, "estimated_cost_hours_per_week", None),
    )


def _reported(s: Suggestion, plugin: str) -> Reported:
    said = _fired(s, plugin)
    rules = tuple(_fired(rule, plugin) for rule in _rules_of(s))
    return Reported(said=said, rules=rules or (said,))


def _values(
    ident: uuid.UUID,
    key: Key,
    merged: Merged,
    stream_map: ValueStreamMap,
    actor: Actor,
    now: datetime,
) -> dict[str, Any]:
    category, step_id, handoff_id = key
    lead = merged.lead
    return {
        "id": ident,
        "organization_id": actor.organization_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "map_id": stream_map.id,
        "value_stream_id": stream_map.value_stream_id,
        "step_id": step_id,
        "handoff_id": handoff_id,
        "category": category,
        "description": lead.description[:4000],
        "evidence": merged.evidence[:4000] if merged.evidence else None,
        "estimated_cost_hours_per_week": merged.estimated_cost_hours_per_week,
        "confidence": lead.confidence,
        "status": FindingStatus.suggested.value,
        "source": "classifier",
        "classifier": lead.classifier,
        "rule": lead.rule,
        "rule_statement": lead.statement,
        "rules": [fired.as_record() for fired in merged.rules],
        "severity": merged.severity,
        "recorded_by_person_id": None,
        "triaged_by_token_id": None,
        "triaged_by_person_id": None,
        "triage_reason": None,
        "triaged_at": None,
    }


def _created_event(ident: uuid.UUID, row: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The audit event `crud.create` would write for the row, its `after` as JSON."""
    return {
        "id": ident,
        "organization_id": actor.organization_id,
        "actor_token_id": actor.token_id,
        "actor_person_id": actor.person_id,
        "action": "create",
        "entity_type": _ENTITY_TYPE,
        "entity_id": row["id"],
        "before": None,
        "after": {
            **row,
            **{name: str(row[name]) for name in _IDS if row[name] is not None},
            **{name: row[name].isoformat() for name in _TIMES},
        },
        "request_id": actor.request_id,
        "at": row["created_at"],
    }


_ENTITY_TYPE = crud.entity_type(WasteFinding)
_IDS = ("id", "organization_id", "map_id", "value_stream_id", "step_id", "handoff_id")
_TIMES = ("created_at", "updated_at")


def _read(row: dict[str, Any]) -> FindingRead:
    """The read model of a row made here: every value is already checked, so it is built
    without validation (a third of the time of a large classify otherwise)."""
    return FindingRead.model_construct(
        **{
            **row,
            "category": WasteCategory(row["category"]),
            "status": FindingStatus(row["status"]),
            "rules": [FiredRule.model_construct(**rule) for rule in row["rules"]],
        }
    )
