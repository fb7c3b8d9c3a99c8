"""Teams and their members. Membership changes are changes of the team: they bump its version."""

import uuid
from collections import defaultdict

from pydantic import Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, not_found
from core.foundation import audit
from core.models.person import Person
from core.models.team import (
    Team,
    TeamCreate,
    TeamMember,
    TeamMemberAdd,
    TeamMemberRead,
    TeamRead,
    TeamUpdate,
)
from core.pagination import Page, paginate
from core.services import crud
from core.services.filters import ListFilter
from core.types import utcnow


class TeamFilter(ListFilter):
    q: str | None = Field(default=None, max_length=200, description="text in the name")
    member_id: uuid.UUID | None = Field(default=None, description="teams this person is in")


async def create_team(session: AsyncSession, actor: Actor, data: TeamCreate) -> Team:
    team = await crud.create(session, actor, Team, data.model_dump(exclude={"member_ids"}))
    for person_id in dict.fromkeys(data.member_ids):
        await crud.require_reference(session, actor, Person, person_id, field="member_ids")
        session.add(
            TeamMember(organization_id=actor.organization_id, team_id=team.id, person_id=person_id)
        )
    await crud.flush(session)
    return team


async def get_team(session: AsyncSession, actor: Actor, team_id: uuid.UUID) -> Team:
    return await crud.get(session, actor, Team, team_id)


async def list_teams(
    session: AsyncSession, actor: Actor, filters: TeamFilter, *, limit: int, cursor: str | None
) -> Page[Team]:
    statement = crud.scoped(Team, actor)
    if filters.q:
        statement = statement.where(crud.contains(Team.name, filters.q))
    if filters.member_id is not None:
        statement = statement.where(
            col(Team.id).in_(
                select(TeamMember.team_id).where(TeamMember.person_id == filters.member_id)
            )
        )
    return await paginate(session, statement, keys=[col(Team.id)], limit=limit, cursor=cursor)


async def members_of(
    session: AsyncSession, actor: Actor, team_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TeamMember]]:
    """Members of many teams in one query, for list answers and DataLoaders."""
    result: dict[uuid.UUID, list[TeamMember]] = defaultdict(list)
    if not team_ids:
        return result
    rows = await session.exec(
        select(TeamMember)
        .where(TeamMember.organization_id == actor.organization_id)
        .where(col(TeamMember.team_id).in_(team_ids))
        .order_by(col(TeamMember.created_at), col(TeamMember.id))
    )
    for member in rows:
        result[member.team_id].append(member)
    return result


async def update_team(
    session: AsyncSession,
    actor: Actor,
    team_id: uuid.UUID,
    patch: TeamUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> Team:
    team = await get_team(session, actor, team_id)
    return await crud.update(session, actor, team, patch, expected_version=expected_version)


async def delete_team(
    session: AsyncSession,
    actor: Actor,
    team_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    team = await get_team(session, actor, team_id)
    await crud.delete(session, actor, team, expected_version=expected_version)


async def add_member(
    session: AsyncSession,
    actor: Actor,
    team_id: uuid.UUID,
    data: TeamMemberAdd,
    *,
    expected_version: crud.ExpectedVersion,
) -> Team:
    actor.require_write()
    team = await get_team(session, actor, team_id)
    crud.check_version(team, expected_version)
    await crud.require_reference(session, actor, Person, data.person_id, field="person_id")
    existing = await session.exec(
        select(TeamMember).where(
            TeamMember.team_id == team.id, TeamMember.person_id == data.person_id
        )
    )
    if existing.first() is not None:
        raise Conflict("this person is already a member of the team", field="person_id")
    member = TeamMember(
        organization_id=actor.organization_id,
        team_id=team.id,
        person_id=data.person_id,
        role=data.role,
    )
    session.add(member)
    await _touch(
        session,
        actor,
        team,
        "add_member",
        after={"person_id": str(data.person_id), "role": data.role},
    )
    return team


async def remove_member(
    session: AsyncSession,
    actor: Actor,
    team_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> Team:
    actor.require_write()
    team = await get_team(session, actor, team_id)
    crud.check_version(team, expected_version)
    member = (
        await session.exec(
            select(TeamMember).where(
                TeamMember.team_id == team.id, TeamMember.person_id == person_id
            )
        )
    ).first()
    if member is None:
        raise not_found("team member", person_id)
    await session.delete(member)
    await _touch(
        session,
        actor,
        team,
        "remove_member",
        before={"person_id": str(person_id), "role": member.role},
    )
    return team


async def _touch(
    session: AsyncSession,
    actor: Actor,
    team: Team,
    action: str,
    *,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
) -> None:
    team.updated_at = utcnow()
    session.add(team)
    await crud.flush(session)
    audit.record(
        session,
        actor,
        action=action,
        entity_type="team",
        entity_id=team.id,
        before=before,
        after=after,
    )


async def team_reads(session: AsyncSession, actor: Actor, found: list[Team]) -> list[TeamRead]:
    """Teams as answered: each with its members, all read in one query."""
    members = await members_of(session, actor, [team.id for team in found])
    return [
        TeamRead.model_validate(
            {
                **team.model_dump(warnings=False),
                "members": [
                    TeamMemberRead(person_id=m.person_id, role=m.role) for m in members[team.id]
                ],
            }
        )
        for team in found
    ]
