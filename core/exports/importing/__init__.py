"""Importing a value stream from its JSON export, into the same or another organization.

Every id is new; references inside the document are mapped to the new ids. People
are matched by email within the caller's organization and created when missing,
teams by name. Domain times (phase entered, measured, signed, triaged) are kept;
row versions and creation times start afresh. A document is whatever its sender
wrote: its phase history is kept as its word, never as moves made here, and a stream
that skips gates nobody here passed needs an admin to import it.

The import runs in steps: `admission` decides whether the document may be imported,
`directory` finds or creates its people and teams, and one module per part of the
stream (`engagement`, `maps`, `backlog`, `targets`) makes its rows, remapping ids
through the id map of `rows`. Every row of the stream is made before any is written,
then they are written with one flush per table, however large the document.
"""

from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.exports.importing.admission import check_phase_and_history, free_name, read_document
from core.exports.importing.backlog import backlog_rows, milestone_rows
from core.exports.importing.directory import match_people, match_teams
from core.exports.importing.engagement import (
    action_item_rows,
    deliverable_rows,
    history_rows,
    participant_rows,
    risk_rows,
    signoff_rows,
    value_stream_row,
)
from core.exports.importing.maps import map_rows
from core.exports.importing.rows import ROW_BOOKKEEPING, IdMap, insert_in_dependency_order
from core.exports.importing.targets import target_rows
from core.foundation import audit
from core.models.value_stream import ValueStream

__all__ = ["ROW_BOOKKEEPING", "import_value_stream"]


async def import_value_stream(
    session: AsyncSession, actor: Actor, data: dict[str, Any], *, name: str | None = None
) -> ValueStream:
    actor.require_write()
    document = read_document(data)
    await check_phase_and_history(session, actor, document)
    stream_name = await free_name(session, actor, name or document.value_stream.name)
    ids = IdMap()
    await match_people(session, actor, document.people, ids)
    await match_teams(session, actor, document.teams, ids)
    stream = value_stream_row(actor, document.value_stream, stream_name, ids)
    rows: list[SQLModel] = [
        stream,
        *participant_rows(actor, document.participants, stream.id, ids),
        *deliverable_rows(actor, document.deliverables, stream.id),
        *risk_rows(actor, document.risks, stream.id, ids),
        *action_item_rows(actor, document.action_items, stream.id, ids),
        *signoff_rows(actor, document.signoffs, stream.id, ids),
        *history_rows(actor, document.history, stream.id),
        *map_rows(actor, document.maps, stream.id, ids),
        *milestone_rows(actor, document.milestones, stream.id, ids),
        *backlog_rows(actor, document.backlog, stream.id, ids),
        *target_rows(actor, document.targets, stream.id, ids),
    ]
    await insert_in_dependency_order(session, rows)
    audit.record(
        session,
        actor,
        action="import",
        entity_type="value_stream",
        entity_id=stream.id,
        after={"source_id": str(document.value_stream.id), "rows": len(rows)},
    )
    return stream
