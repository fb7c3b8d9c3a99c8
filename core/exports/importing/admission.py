"""Whether a document may be imported here, decided before anything is written.

A stream that arrives past its first phase, or with forced moves, skips gates nobody here
passed, so only an admin may import it; and a stream's name is unique in its organization.
"""

from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, Forbidden, invalid
from core.exports.snapshots import ValueStreamSnapshot
from core.models.value_stream import ValueStream
from core.ranges import check_numbers
from core.services import crud
from core.workflow import organization_playbook as playbooks
from core.workflow.playbook import Playbook


def read_document(data: dict[str, Any]) -> ValueStreamSnapshot:
    """The document as an export. Checked before anything is read from it, so a number no
    column can take, or a field that is not what an export writes, is refused by its path."""
    check_numbers(data, root="")
    try:
        return ValueStreamSnapshot.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "the value stream export") from exc


async def check_phase_and_history(
    session: AsyncSession, actor: Actor, snapshot: ValueStreamSnapshot
) -> None:
    """The stream's phase must be one of this organization's playbook, and the caller
    allowed to import the history that brought it there."""
    playbook, _ = await playbooks.get_playbook(session, actor)
    if snapshot.value_stream.phase not in playbook.keys:
        raise Conflict(
            f"the stream is in phase {snapshot.value_stream.phase!r}, "
            "which this organization's playbook lacks",
            field="value_stream.phase",
        )
    _check_history_rights(actor, snapshot, playbook)


async def free_name(session: AsyncSession, actor: Actor, name: str) -> str:
    """`name`, if no value stream of the organization has it yet."""
    taken = await session.exec(crud.scoped(ValueStream, actor).where(ValueStream.name == name))
    if taken.first() is not None:
        raise Conflict(f"a value stream named {name!r} exists; pass another name", field="name")
    return name


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
