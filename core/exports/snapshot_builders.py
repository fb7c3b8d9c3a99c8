"""Building the read-only snapshots that exporters render."""

import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog import effects
from core.backlog.dependencies import dependencies_of
from core.backlog.items import items as backlog_items
from core.backlog.milestones import milestone_reads as read_milestones
from core.backlog.milestones import milestones as backlog_milestones
from core.backlog.raci import raci_for_items
from core.delivery import forecast as forecasts
from core.delivery.flow_metrics import DEFAULT_HISTORY_DAYS, FlowReport, flow_metrics
from core.engagement import records as engagement
from core.engagement.value_streams import get_value_stream
from core.errors import ValidationFailed
from core.exports.analytics import cycles_compared, delivery_analytics
from core.exports.snapshots import (
    BacklogEntry,
    BacklogOutlook,
    MapSnapshot,
    PersonRef,
    PortfolioRowSnapshot,
    PortfolioSnapshot,
    TargetEntry,
    TeamRef,
    Timebox,
    ValueStreamSnapshot,
)
from core.foundation import organizations
from core.maps import service as maps
from core.memo import Memo, memo_of
from core.metrics.flow import bucket_floor
from core.metrics.map_metrics import MapMetrics, compare
from core.models.action_item import ActionItemRead
from core.models.backlog import RaciRead
from core.models.deliverable import DeliverableRead
from core.models.participant import ParticipantRead
from core.models.person import Person
from core.models.risk import RiskRead
from core.models.signoff import SignoffRead
from core.models.team import Team
from core.models.value_stream import PhaseTransitionRead, ValueStreamRead
from core.models.value_stream_map import MapRead, handoff_read, step_read
from core.models.waste_finding import FindingRead
from core.offload import off_loop
from core.schedules.service import latest_figures
from core.services import crud
from core.services.children import ChildService
from core.targets import service as targets
from core.types import utcnow
from core.waste import findings
from core.workflow import organization_playbook as playbooks
from core.workflow import phases as workflow


def _read(model: Any, rows: list[Any]) -> list[Any]:
    return [model.model_validate(row, from_attributes=True) for row in rows]


async def map_snapshots(
    session: AsyncSession, actor: Actor, stream_maps: list[Any]
) -> list[MapSnapshot]:
    """The maps with their steps, handoffs, findings and metrics.

    The rows are read here; the metrics and the shaping, CPU work that grows with the
    size of a map, run in a worker thread on the rows read.
    """
    ids = [m.id for m in stream_maps]
    all_steps = await maps.steps.for_parents(session, actor, ids)
    all_handoffs = await maps.handoffs.for_parents(session, actor, ids)
    all_findings = await findings.findings.for_parents(session, actor, ids)
    memo = memo_of(session)
    return await off_loop(
        lambda: [
            _map_snapshot(
                memo,
                m,
                all_steps.get(m.id, []),
                all_handoffs.get(m.id, []),
                all_findings.get(m.id, []),
            )
            for m in stream_maps
        ]
    )


def _map_snapshot(
    memo: Memo,
    stream_map: Any,
    steps: list[Any],
    handoffs: list[Any],
    map_findings: list[Any],
) -> MapSnapshot:
    """A map whose metrics cannot be computed (a cycle, or times that no duration can
    be, stored before they were validated) is still shown, without metrics. Metrics
    come from the unit of work's memo, so a request computes them once per map version."""
    try:
        picture = maps.to_flow_map(stream_map, steps, handoffs)
        metrics: dict[str, Any] | None = memo.map_metrics(
            stream_map.id, stream_map.version, picture
        ).model_dump()
    except ValidationFailed:
        metrics = None
    return MapSnapshot(
        map=MapRead.model_validate(stream_map, from_attributes=True),
        steps=[step_read(s) for s in steps],
        handoffs=[handoff_read(h) for h in handoffs],
        findings=_read(FindingRead, map_findings),
        metrics=metrics,
    )


async def map_snapshot(session: AsyncSession, actor: Actor, map_id: uuid.UUID) -> MapSnapshot:
    stream_map = await maps.maps.get(session, actor, map_id)
    return (await map_snapshots(session, actor, [stream_map]))[0]


async def value_stream_snapshot(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID
) -> ValueStreamSnapshot:
    """Everything a value stream holds, in a fixed number of queries."""
    stream = await get_value_stream(session, actor, value_stream_id)
    org = await organizations.get_own(session, actor)
    playbook, _ = await playbooks.get_playbook(session, actor)
    gate = (await workflow.gates_of(session, actor, [stream], playbook))[stream.id]
    box = workflow.timebox(playbook, stream)
    sid = [stream.id]

    async def children(service: ChildService[Any]) -> list[Any]:
        return (await service.for_parents(session, actor, sid)).get(stream.id, [])

    participants = await children(engagement.participants)
    deliverables = await children(engagement.deliverables)
    risks = await children(engagement.risks)
    actions = await children(engagement.action_items)
    signoffs = await children(engagement.signoffs)
    history = (await workflow.histories(session, actor, sid)).get(stream.id, [])
    stream_maps = await children(maps.maps)
    items = sorted(await children(backlog_items), key=lambda i: (i.rank, str(i.id)))
    raci = await raci_for_items(session, actor, [i.id for i in items])
    depends = await dependencies_of(session, actor, [i.id for i in items])
    milestone_rows = await children(backlog_milestones)
    milestone_reads = await read_milestones(session, actor, milestone_rows)
    target_rows = await children(targets.targets)
    target_progress = await targets.progress_of(session, actor, target_rows)
    series = await targets.measurements.for_parents(session, actor, [t.id for t in target_rows])

    map_views = await map_snapshots(session, actor, stream_maps)
    backlog_effects = await effects.stream_effects(session, actor, stream.id)
    outlook = await backlog_outlook(session, actor, stream.id)
    now = exported_at = utcnow()
    snapshot = ValueStreamSnapshot(
        exported_at=exported_at,
        organization=org.name,
        value_stream=ValueStreamRead.model_validate(stream, from_attributes=True),
        phase_names={p.key: p.name for p in playbook.phases},
        gate=gate.as_dict(),
        timebox=Timebox(**asdict(box)),
        participants=_read(ParticipantRead, participants),
        deliverables=_read(DeliverableRead, deliverables),
        risks=_read(RiskRead, risks),
        action_items=_read(ActionItemRead, actions),
        signoffs=_read(SignoffRead, signoffs),
        history=_read(PhaseTransitionRead, history),
        maps=map_views,
        backlog=[
            BacklogEntry.model_validate(
                {
                    **item.model_dump(warnings=False),
                    "wsjf": item.wsjf,
                    "overdue": item.overdue,
                    "raci": _read(RaciRead, raci.get(item.id, [])),
                    "depends_on": depends.get(item.id, []),
                }
            )
            for item in items
        ],
        milestones=milestone_reads,
        targets=[
            TargetEntry.model_validate(
                {
                    **targets.target_read(t, target_progress[t.id]).model_dump(),
                    "measurements": [targets.measurement_read(m, t) for m in series.get(t.id, [])],
                }
            )
            for t in target_rows
        ],
        backlog_effects=backlog_effects,
        backlog_outlook=outlook,
        dora=await dora_weeks(session, actor, stream.id, exported_at),
        previous_readout=await latest_figures(session, actor, stream.id),
    )
    current, desired = snapshot.current_maps()
    if current and desired and current.metrics and desired.metrics:
        snapshot.comparison = _comparison(current.metrics, desired.metrics)
    snapshot.cycles_compared = cycles_compared(snapshot)
    snapshot.delivery = await delivery_analytics(session, actor, stream.id, now)
    people_ids, team_ids = _references(snapshot)
    people = await crud.get_many(session, actor, Person, list(people_ids))
    teams = await crud.get_many(session, actor, Team, list(team_ids))
    snapshot.people = [
        PersonRef(id=p.id, name=p.name, email=p.email, title=p.title) for p in people.values()
    ]
    snapshot.teams = [TeamRef(id=t.id, name=t.name) for t in teams.values()]
    return snapshot


OUTLOOK_TRIALS = 2_000
"""Trials of a snapshot's backlog forecast: every export makes one, so fewer than a
request's default; its answer names them."""


async def backlog_outlook(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID
) -> BacklogOutlook:
    """When the open items are done at the backlog's pace of the default history, or why
    that cannot be said (nothing done in it, nothing left open)."""
    try:
        found = await forecasts.forecast(
            session,
            actor,
            value_stream_id,
            source=forecasts.ForecastSource.backlog,
            trials=OUTLOOK_TRIALS,
        )
    except ValidationFailed as exc:
        field = exc.problems[0].field if exc.problems else None
        return BacklogOutlook(reason=_WHY_NO_OUTLOOK.get(field or "", exc.detail))
    return BacklogOutlook(forecast=found)


_WHY_NO_OUTLOOK = {
    "remaining": "no item of the backlog is left open",
    "history_days": f"no backlog item was done in the last {DEFAULT_HISTORY_DAYS} "
    "days to forecast from",
}
DORA_WEEKS = 6
"""The whole weeks before an export whose four keys and tiers a readout shows."""


async def dora_weeks(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, now: datetime
) -> FlowReport:
    """The flow report of the `DORA_WEEKS` whole ISO weeks before `now`, week by week."""
    end = bucket_floor(now, "week")
    return await flow_metrics(
        session,
        actor,
        value_stream_id,
        start=end - timedelta(weeks=DORA_WEEKS),
        end=end,
        bucket="week",
    )


def _comparison(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    changes = compare(MapMetrics(**current), MapMetrics(**desired))
    return {name: change.model_dump() for name, change in changes.items()}


def _references(snapshot: ValueStreamSnapshot) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Every person and team the snapshot mentions, so an import can recreate them."""
    people: set[uuid.UUID | None] = {snapshot.value_stream.owner_id}
    people |= {p.person_id for p in snapshot.participants}
    people |= {r.owner_id for r in snapshot.risks}
    people |= {a.owner_id for a in snapshot.action_items}
    people |= {s.sponsor_id for s in snapshot.signoffs}
    people |= {t.owner_id for t in snapshot.targets}
    teams: set[uuid.UUID | None] = set()
    for item in snapshot.backlog:
        people.add(item.owner_id)
        people |= {r.person_id for r in item.raci}
        teams.add(item.team_id)
    return {p for p in people if p}, {t for t in teams if t}


async def portfolio_snapshot(
    session: AsyncSession, actor: Actor, chosen: workflow.PortfolioExportFilter
) -> PortfolioSnapshot:
    """Every value stream's status row, read a page at a time."""
    filters = workflow.PortfolioFilter.parse(chosen.given())
    org = await organizations.get_own(session, actor)
    rows: list[PortfolioRowSnapshot] = []
    cursor: str | None = None
    while True:
        page = await workflow.portfolio(session, actor, filters, limit=100, cursor=cursor)
        owners = await crud.get_many(
            session, actor, Person, [e.row.owner_id for e in page.items if e.row.owner_id]
        )
        for e in page.items:
            row = e.row
            owner = owners.get(row.owner_id) if row.owner_id else None
            rows.append(
                PortfolioRowSnapshot(
                    **row.model_dump(include=set(PortfolioRowSnapshot.model_fields)),
                    owner=owner.name if owner else None,
                    blocking=[c.description for c in e.gate.blocking],
                )
            )
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return PortfolioSnapshot(exported_at=utcnow(), organization=org.name, rows=rows)
