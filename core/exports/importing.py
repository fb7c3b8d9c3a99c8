"""Importing a value stream from its JSON export, into the same or another organization.

Every id is new; references inside the document are mapped to the new ids. People
are matched by email within the caller's organization and created when missing,
teams by name. Domain times (phase entered, measured, signed, triaged) are kept;
row versions and creation times start afresh.

A document is whatever its sender wrote, so its phase history is kept as its word,
never as moves made here: each transition is marked imported, by whom and when, and
carries no actor (an actor id in a document names no one of this organization). A
stream that arrives past its first phase, or with forced moves, skips gates nobody
here passed: only an admin may import it. Backlog ranks are made distinct, keeping
the document's order, since the backlog is a strict order.
"""

import uuid
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.ranking import distinct_keys, initial_keys
from core.errors import Conflict, Forbidden, invalid
from core.exports.snapshots import BacklogEntry, ValueStreamSnapshot
from core.foundation import audit
from core.ids import new_id
from core.metrics import units
from core.models.action_item import ActionItem
from core.models.backlog import (
    RANK_LENGTH,
    BacklogDependency,
    BacklogItem,
    Milestone,
    RaciAssignment,
)
from core.models.deliverable import Deliverable
from core.models.participant import Participant
from core.models.person import Person
from core.models.risk import Risk
from core.models.signoff import SponsorSignoff
from core.models.target import FlowTarget, Measurement
from core.models.team import Team
from core.models.value_stream import PhaseTransition, ValueStream
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import WasteFinding
from core.ranges import check_numbers
from core.services import crud
from core.targets import service as targets
from core.types import utcnow
from core.workflow import organization_playbook as playbooks
from core.workflow.playbook import Playbook

ROW_BOOKKEEPING = {"id", "version", "created_at", "updated_at", "organization_id"}


class _Ids:
    """Old id -> new id, per kind; an unknown old id maps to None (dropped reference)."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[uuid.UUID, uuid.UUID]] = {}

    def new(self, kind: str, old: uuid.UUID) -> uuid.UUID:
        fresh = new_id()
        self._maps.setdefault(kind, {})[old] = fresh
        return fresh

    def set(self, kind: str, old: uuid.UUID, new: uuid.UUID) -> None:
        self._maps.setdefault(kind, {})[old] = new

    def get(self, kind: str, old: uuid.UUID | str | None) -> uuid.UUID | None:
        if old is None:
            return None
        return self._maps.get(kind, {}).get(uuid.UUID(str(old)))

    def required(self, kind: str, old: uuid.UUID, field: str) -> uuid.UUID:
        """A reference its row cannot do without: the row conflicts with a document without it."""
        new = self.get(kind, old)
        if new is None:
            raise Conflict(f"{field} names no {kind} of the document", field=field)
        return new


def _fields(model: Any, read: Any, **overrides: Any) -> dict[str, Any]:
    """The stored columns of `model` that the exported `read` carries, plus overrides."""
    columns = set(model.model_fields) - ROW_BOOKKEEPING
    values = {k: v for k, v in read.model_dump().items() if k in columns}
    values.update(overrides)
    return values


async def import_value_stream(
    session: AsyncSession, actor: Actor, data: dict[str, Any], *, name: str | None = None
) -> ValueStream:
    actor.require_write()
    check_numbers(data, root="")
    try:
        snapshot = ValueStreamSnapshot.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "the value stream export") from exc
    playbook, _ = await playbooks.get_playbook(session, actor)
    if snapshot.value_stream.phase not in playbook.keys:
        raise Conflict(
            f"the stream is in phase {snapshot.value_stream.phase!r}, "
            "which this organization's playbook lacks",
            field="value_stream.phase",
        )
    _check_history_rights(actor, snapshot, playbook)
    target_name = name or snapshot.value_stream.name
    taken = await session.exec(
        crud.scoped(ValueStream, actor).where(ValueStream.name == target_name)
    )
    if taken.first() is not None:
        raise Conflict(
            f"a value stream named {target_name!r} exists; pass another name", field="name"
        )
    ids = _Ids()
    org = actor.organization_id
    await _people_and_teams(session, actor, snapshot, ids)

    stream = ValueStream(
        **_fields(
            ValueStream,
            snapshot.value_stream,
            name=target_name,
            owner_id=ids.get("person", snapshot.value_stream.owner_id),
        ),
        organization_id=org,
    )
    rows: list[Any] = [stream]
    add = rows.append
    for p in snapshot.participants:
        add(
            Participant(
                **_fields(
                    Participant,
                    p,
                    value_stream_id=stream.id,
                    person_id=ids.get("person", p.person_id),
                ),
                organization_id=org,
            )
        )
    for d in snapshot.deliverables:
        add(
            Deliverable(
                **_fields(
                    Deliverable, d, value_stream_id=stream.id, link=str(d.link) if d.link else None
                ),
                organization_id=org,
            )
        )
    for r in snapshot.risks:
        add(
            Risk(
                **_fields(
                    Risk, r, value_stream_id=stream.id, owner_id=ids.get("person", r.owner_id)
                ),
                organization_id=org,
            )
        )
    for a in snapshot.action_items:
        add(
            ActionItem(
                **_fields(
                    ActionItem, a, value_stream_id=stream.id, owner_id=ids.get("person", a.owner_id)
                ),
                organization_id=org,
            )
        )
    for s in snapshot.signoffs:
        add(
            SponsorSignoff(
                **_fields(
                    SponsorSignoff,
                    s,
                    value_stream_id=stream.id,
                    sponsor_id=ids.get("person", s.sponsor_id),
                ),
                organization_id=org,
            )
        )
    imported_at = utcnow()
    for h in snapshot.history:
        add(
            PhaseTransition(
                **_fields(
                    PhaseTransition,
                    h,
                    value_stream_id=stream.id,
                    actor_token_id=None,
                    actor_person_id=None,
                    imported_at=imported_at,
                    imported_by_token_id=actor.token_id,
                    imported_by_person_id=actor.person_id,
                ),
                organization_id=org,
            )
        )
    for view in snapshot.maps:
        map_id = ids.new("map", view.map.id)
        add(
            ValueStreamMap(
                **_fields(ValueStreamMap, view.map, value_stream_id=stream.id),
                id=map_id,
                organization_id=org,
            )
        )
        for step in view.steps:
            add(
                MapStep(
                    **_fields(MapStep, step, map_id=map_id),
                    id=ids.new("step", step.id),
                    organization_id=org,
                )
            )
        for link in view.handoffs:
            add(
                MapHandoff(
                    **_fields(
                        MapHandoff,
                        link,
                        map_id=map_id,
                        from_step_id=ids.get("step", link.from_step_id),
                        to_step_id=ids.get("step", link.to_step_id),
                    ),
                    id=ids.new("handoff", link.id),
                    organization_id=org,
                )
            )
        for finding in view.findings:
            add(
                WasteFinding(
                    **_fields(
                        WasteFinding,
                        finding,
                        map_id=map_id,
                        value_stream_id=stream.id,
                        step_id=ids.get("step", finding.step_id),
                        handoff_id=ids.get("handoff", finding.handoff_id),
                    ),
                    id=ids.new("finding", finding.id),
                    organization_id=org,
                )
            )
    for m in snapshot.milestones:
        add(
            Milestone(
                **_fields(Milestone, m, value_stream_id=stream.id),
                id=ids.new("milestone", m.id),
                organization_id=org,
            )
        )
    for item in snapshot.backlog:
        ids.new("item", item.id)
    ranks = _ranks(snapshot.backlog)
    for position, item in enumerate(snapshot.backlog):
        new_item = ids.required("item", item.id, f"backlog.{position}.id")
        add(
            BacklogItem(
                **_fields(
                    BacklogItem,
                    item,
                    value_stream_id=stream.id,
                    owner_id=ids.get("person", item.owner_id),
                    team_id=ids.get("team", item.team_id),
                    milestone_id=ids.get("milestone", item.milestone_id),
                    finding_ids=[
                        str(ids.get("finding", f))
                        for f in item.finding_ids
                        if ids.get("finding", f)
                    ],
                    step_ids=[str(ids.get("step", s)) for s in item.step_ids if ids.get("step", s)],
                    expected_effects=[e.model_dump() for e in item.expected_effects],
                    wsjf_sort=item.wsjf or 0.0,
                    rank=ranks[item.id],
                ),
                id=new_item,
                organization_id=org,
            )
        )
        for n, assignment in enumerate(item.raci):
            person = ids.required(
                "person", assignment.person_id, f"backlog.{position}.raci.{n}.person_id"
            )
            add(
                RaciAssignment(
                    item_id=new_item, person_id=person, role=assignment.role, organization_id=org
                )
            )
        for n, dep in enumerate(item.depends_on):
            depends_on = ids.required("item", dep, f"backlog.{position}.depends_on.{n}")
            add(BacklogDependency(item_id=new_item, depends_on_id=depends_on, organization_id=org))
    for index, t in enumerate(snapshot.targets):
        target_id = ids.new("target", t.id)
        unit = targets.checked_unit(t.metric, t.unit, f"targets[{index}].unit")
        add(
            FlowTarget(
                **_fields(
                    FlowTarget,
                    t,
                    value_stream_id=stream.id,
                    owner_id=ids.get("person", t.owner_id),
                    unit=unit,
                    baseline=units.to_canonical(t.metric, unit, t.baseline),
                    target=units.to_canonical(t.metric, unit, t.target),
                ),
                id=target_id,
                organization_id=org,
            )
        )
        for position, measurement in enumerate(t.measurements):
            targets.not_in_future(
                measurement.measured_at,
                f"targets[{index}].measurements[{position}].measured_at",
            )
            add(
                Measurement(
                    **_fields(
                        Measurement,
                        measurement,
                        target_id=target_id,
                        value=units.to_canonical(t.metric, unit, measurement.value),
                    ),
                    organization_id=org,
                )
            )
    await _insert_in_dependency_order(session, rows)
    audit.record(
        session,
        actor,
        action="import",
        entity_type="value_stream",
        entity_id=stream.id,
        after={"source_id": str(snapshot.value_stream.id), "rows": len(rows)},
    )
    return stream


def _check_history_rights(actor: Actor, snapshot: ValueStreamSnapshot, playbook: Playbook) -> None:
    """Only an admin may import a stream further along than a new one, or forced moves."""
    if actor.is_admin:
        return
    stream = snapshot.value_stream
    first = playbook.keys[0]
    if stream.phase != first or stream.cycle != 1:
        raise Forbidden(
            f"importing a stream past its first phase ({stream.phase!r} in cycle {stream.cycle}; "
            f"a new stream starts in {first!r} in cycle 1) needs the admin role; "
            f"the token has {actor.role.value}",
            field="value_stream.phase",
        )
    forced = next((n for n, h in enumerate(snapshot.history) if h.forced), None)
    if forced is not None:
        raise Forbidden(
            "importing a history with forced phase moves needs the admin role; "
            f"the token has {actor.role.value}",
            field=f"history.{forced}.forced",
        )


def _ranks(backlog: list[BacklogEntry]) -> dict[uuid.UUID, str]:
    """A distinct, valid rank per item, in the order the document ranks them."""
    ordered = sorted(backlog, key=lambda item: (item.rank, item.id))
    keys = [item.rank for item in ordered]
    if any(len(key) > RANK_LENGTH for key in keys):
        keys = initial_keys(len(keys))
    return {item.id: key for item, key in zip(ordered, distinct_keys(keys), strict=True)}


async def _insert_in_dependency_order(session: AsyncSession, rows: list[Any]) -> None:
    """One flush per table, parents first, so no row is written before what it refers to."""
    by_table: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_table[type(row).__tablename__].append(row)
    for table in SQLModel.metadata.sorted_tables:
        if table.name in by_table:
            session.add_all(by_table[table.name])
            await crud.flush(session)


async def _people_and_teams(
    session: AsyncSession, actor: Actor, snapshot: ValueStreamSnapshot, ids: _Ids
) -> None:
    """Match people by email and teams by name in this organization; create the missing."""
    emails = [p.email for p in snapshot.people if p.email]
    existing = (
        {
            p.email: p
            for p in await session.exec(
                crud.scoped(Person, actor).where(col(Person.email).in_(emails))
            )
        }
        if emails
        else {}
    )
    for ref in snapshot.people:
        match = existing.get(ref.email) if ref.email else None
        if match is None:
            match = await crud.create(
                session, actor, Person, {"name": ref.name, "email": ref.email, "title": ref.title}
            )
        ids.set("person", ref.id, match.id)
    names = [t.name for t in snapshot.teams]
    teams = (
        {
            t.name: t
            for t in await session.exec(crud.scoped(Team, actor).where(col(Team.name).in_(names)))
        }
        if names
        else {}
    )
    for team_ref in snapshot.teams:
        team = teams.get(team_ref.name) or await crud.create(
            session, actor, Team, {"name": team_ref.name}
        )
        ids.set("team", team_ref.id, team.id)
