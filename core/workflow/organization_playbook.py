"""An organization's playbook: its own when it has one, else the default of DESIGN.md."""

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, invalid
from core.foundation import audit
from core.models.playbook import PlaybookRecord
from core.models.value_stream import ValueStream
from core.services import crud
from core.workflow.kept import Recent
from core.workflow.playbook import Playbook, default_playbook


async def _record(session: AsyncSession, actor: Actor) -> PlaybookRecord | None:
    statement = select(PlaybookRecord).where(
        PlaybookRecord.organization_id == actor.organization_id
    )
    return (await session.exec(statement)).first()


_PARSED: Recent[Playbook] = Recent(512)
"""Organizations' playbooks as parsed, by record and version: a version is never reused."""


async def get_playbook(session: AsyncSession, actor: Actor) -> tuple[Playbook, int]:
    """The playbook and its version; the built-in default has version 0."""
    record = await _record(session, actor)
    if record is None:
        return default_playbook(), 0
    key = (record.id, record.version)
    playbook = _PARSED.get(key)
    if playbook is None:
        playbook = Playbook.model_validate(record.data)
        _PARSED.put(key, playbook)
    return playbook, record.version


def parse_playbook(data: object) -> Playbook:
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "the playbook") from exc


async def replace_playbook(
    session: AsyncSession,
    actor: Actor,
    data: object,
    *,
    expected_version: crud.ExpectedVersion,
) -> tuple[Playbook, int]:
    """Admins replace the whole playbook; a phase still in use cannot disappear.

    `data` is any JSON value a client sent (GraphQL's JSON scalar need not be an object);
    the playbook model refuses what is not one.
    """
    actor.require_admin()
    playbook = parse_playbook(data)
    record = await _record(session, actor)
    current_version = record.version if record is not None else 0
    crud.check_version_number(current_version, expected_version)
    in_use = (
        await session.exec(
            select(ValueStream.phase)
            .where(ValueStream.organization_id == actor.organization_id)
            .where(col(ValueStream.phase).not_in(playbook.keys))
            .distinct()
        )
    ).all()
    if in_use:
        raise Conflict(
            "value streams are in phases the new playbook lacks: " + ", ".join(sorted(in_use)),
            field="phases",
        )
    stored = playbook.model_dump(mode="json")
    if record is None:
        before = default_playbook().model_dump(mode="json")
        record = PlaybookRecord(organization_id=actor.organization_id, data=stored)
    else:
        before = dict(record.data)
        record.data = stored
    session.add(record)
    await crud.flush(session)
    audit.record(
        session,
        actor,
        action="update",
        entity_type="playbook",
        entity_id=record.id,
        before=before,
        after=stored,
    )
    return playbook, record.version
