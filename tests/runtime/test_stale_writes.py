"""A write that names a version the row no longer has changes nothing.

Every update, move, transition, triage-like action and delete compares the version
before it does any work: a stale If-Match (or `expectedVersion`) must leave no audit
event and no changed row, even inside the transaction that is about to roll back.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog import placement, raci
from core.backlog.items import items
from core.engagement import value_streams
from core.errors import StaleVersion
from core.foundation import people, teams
from core.models.audit import AuditEvent
from core.models.backlog import BacklogItem, BacklogMove, BacklogUpdate, RaciAssignment
from core.models.team import Team, TeamMember, TeamMemberAdd
from core.models.token import Role
from core.models.value_stream import TransitionCreate, ValueStream, ValueStreamUpdate
from core.workflow import phases as workflow
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory

STALE = 99
"""A version none of the arranged rows has reached."""

Ids = dict[str, uuid.UUID]
StaleWrite = Callable[[AsyncSession, Actor, Ids], Awaitable[Any]]


async def _stored_state(session: AsyncSession) -> dict[str, Any]:
    """What a write could have changed, read inside the writer's own transaction."""

    async def rows(statement: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(row) for row in await session.exec(statement))

    return {
        "audit_events": (await session.exec(select(func.count(col(AuditEvent.id))))).one(),
        "backlog_items": await rows(
            select(BacklogItem.id, BacklogItem.version, BacklogItem.owner_id, BacklogItem.rank)
        ),
        "raci": await rows(
            select(RaciAssignment.id, RaciAssignment.person_id, RaciAssignment.role)
        ),
        "value_streams": await rows(
            select(ValueStream.id, ValueStream.version, ValueStream.name, ValueStream.phase)
        ),
        "teams": await rows(select(Team.id, Team.version)),
        "team_members": await rows(select(TeamMember.team_id, TeamMember.person_id)),
    }


STALE_WRITES: dict[str, StaleWrite] = {
    "change a backlog item's owner (replaces its RACI A)": lambda s, a, ids: items.update(
        s, a, ids["item"], BacklogUpdate(owner_id=ids["other"]), expected_version=STALE
    ),
    "remove the accountable assignment (clears the owner)": lambda s, a, ids: raci.remove_raci(
        s, a, ids["accountable"], expected_version=STALE
    ),
    "move a backlog item": lambda s, a, ids: placement.move(
        s, a, ids["item"], BacklogMove(after_id=ids["second"]), expected_version=STALE
    ),
    "delete a backlog item": lambda s, a, ids: items.delete(
        s, a, ids["item"], expected_version=STALE
    ),
    "transition a value stream": lambda s, a, ids: workflow.transition(
        s, a, ids["stream"], TransitionCreate(to="planning", force=True), expected_version=STALE
    ),
    "update a value stream": lambda s, a, ids: value_streams.update_value_stream(
        s, a, ids["stream"], ValueStreamUpdate(name="Renamed"), expected_version=STALE
    ),
    "add a team member": lambda s, a, ids: teams.add_member(
        s, a, ids["team"], TeamMemberAdd(person_id=ids["other"]), expected_version=STALE
    ),
    "remove a team member": lambda s, a, ids: teams.remove_member(
        s, a, ids["team"], ids["owner"], expected_version=STALE
    ),
    "delete a person": lambda s, a, ids: people.delete_person(
        s, a, ids["other"], expected_version=STALE
    ),
}


@pytest.fixture
def arranged(editor: Api, factory: Factory) -> Ids:
    """A stream with two backlog items, the first owned (so it has an A), and a team."""
    stream = factory.value_stream()
    owner, other = factory.person(), factory.person()
    item = factory.backlog_item(stream, owner_id=owner["id"])
    second = factory.backlog_item(stream)
    team = factory.team()
    factory.member(team, owner)
    raci = editor.ok(editor.get(f"/api/v1/backlog-items/{item['id']}/raci"))
    named = {
        "stream": stream["id"],
        "owner": owner["id"],
        "other": other["id"],
        "item": item["id"],
        "second": second["id"],
        "team": team["id"],
        "accountable": next(r["id"] for r in raci if r["role"] == "A"),
    }
    return {name: uuid.UUID(ident) for name, ident in named.items()}


@pytest.mark.parametrize("write", list(STALE_WRITES))
def test_a_stale_version_leaves_no_audit_event_and_no_changed_row(
    tenant: Tenant, database_url: str, arranged: Ids, write: str
) -> None:
    actor = Actor(organization_id=tenant.organization.id, role=Role.admin)

    async def attempt(session: AsyncSession) -> tuple[Any, Any, BaseException | None]:
        before = await _stored_state(session)
        refused: BaseException | None = None
        try:
            await STALE_WRITES[write](session, actor, arranged)
        except StaleVersion as exc:
            refused = exc
        return before, await _stored_state(session), refused

    before, after, refused = run_in_db(database_url, attempt)

    assert isinstance(refused, StaleVersion)
    assert after == before
