"""A stream's backlog (milestones, items, RACI roles and dependencies), as new rows.

Items depend on items anywhere in the backlog, so every item gets its new id before any
dependency is made. Ranks are made distinct, keeping the document's order, since the
backlog is a strict order; a rank longer than the column takes gives the whole backlog
fresh ranks in that order.
"""

import uuid

from sqlmodel import SQLModel

from core.actor import Actor
from core.backlog.ranking import distinct_keys, initial_keys
from core.exports.importing.rows import IdMap, row
from core.exports.snapshots import BacklogEntry
from core.models.backlog import (
    RANK_LENGTH,
    BacklogDependency,
    BacklogItem,
    Milestone,
    MilestoneRead,
    RaciAssignment,
    RaciRead,
)


def milestone_rows(
    actor: Actor, reads: list[MilestoneRead], stream_id: uuid.UUID, ids: IdMap
) -> list[Milestone]:
    return [
        row(Milestone, m, actor, id=ids.new("milestone", m.id), value_stream_id=stream_id)
        for m in reads
    ]


def backlog_rows(
    actor: Actor, entries: list[BacklogEntry], stream_id: uuid.UUID, ids: IdMap
) -> list[SQLModel]:
    for entry in entries:
        ids.new("item", entry.id)
    ranks = _ranks(entries)
    rows: list[SQLModel] = []
    for position, entry in enumerate(entries):
        item_id = ids.required("item", entry.id, f"backlog.{position}.id")
        rows.append(_item_row(actor, entry, item_id, ranks[entry.id], stream_id, ids))
        rows.extend(_raci_rows(actor, entry.raci, item_id, f"backlog.{position}.raci", ids))
        rows.extend(
            _dependency_rows(
                actor, entry.depends_on, item_id, f"backlog.{position}.depends_on", ids
            )
        )
    return rows


def _item_row(
    actor: Actor,
    entry: BacklogEntry,
    item_id: uuid.UUID,
    rank: str,
    stream_id: uuid.UUID,
    ids: IdMap,
) -> BacklogItem:
    return row(
        BacklogItem,
        entry,
        actor,
        id=item_id,
        value_stream_id=stream_id,
        owner_id=ids.get("person", entry.owner_id),
        team_id=ids.get("team", entry.team_id),
        milestone_id=ids.get("milestone", entry.milestone_id),
        finding_ids=[
            str(ids.get("finding", f)) for f in entry.finding_ids if ids.get("finding", f)
        ],
        step_ids=[str(ids.get("step", s)) for s in entry.step_ids if ids.get("step", s)],
        expected_effects=[e.model_dump() for e in entry.expected_effects],
        wsjf_sort=entry.wsjf or 0.0,
        rank=rank,
    )


def _raci_rows(
    actor: Actor, assignments: list[RaciRead], item_id: uuid.UUID, field: str, ids: IdMap
) -> list[RaciAssignment]:
    """A role without its person means nothing, so a person the document lacks is refused."""
    return [
        RaciAssignment(
            item_id=item_id,
            person_id=ids.required("person", assignment.person_id, f"{field}.{n}.person_id"),
            role=assignment.role,
            organization_id=actor.organization_id,
        )
        for n, assignment in enumerate(assignments)
    ]


def _dependency_rows(
    actor: Actor, depends_on: list[uuid.UUID], item_id: uuid.UUID, field: str, ids: IdMap
) -> list[BacklogDependency]:
    """A dependency on an item the document lacks is refused rather than dropped."""
    return [
        BacklogDependency(
            item_id=item_id,
            depends_on_id=ids.required("item", other, f"{field}.{n}"),
            organization_id=actor.organization_id,
        )
        for n, other in enumerate(depends_on)
    ]


def _ranks(backlog: list[BacklogEntry]) -> dict[uuid.UUID, str]:
    """A distinct, valid rank per item, in the order the document ranks them."""
    ordered = sorted(backlog, key=lambda item: (item.rank, item.id))
    keys = [item.rank for item in ordered]
    if any(len(key) > RANK_LENGTH for key in keys):
        keys = initial_keys(len(keys))
    return {item.id: key for item, key in zip(ordered, distinct_keys(keys), strict=True)}
