import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut, versioned
from api.rest.filters import query_filters
from api.urls import resource_url
from core.actor import Actor
from core.foundation import teams
from core.models.team import (
    Team,
    TeamCreate,
    TeamMemberAdd,
    TeamRead,
    TeamUpdate,
)
from core.services.crud import ExpectedVersion


async def _read(session: AsyncSession, actor: Actor, team: Team) -> TeamRead:
    return (await teams.team_reads(session, actor, [team]))[0]


class TeamsController(Controller):
    path = "/teams"
    tags = ["teams"]

    @get(summary="List teams", dependencies={"filters": query_filters(teams.TeamFilter)})
    async def list_teams(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: teams.TeamFilter,
    ) -> PageOut[TeamRead]:
        page = await teams.list_teams(session, actor, filters, limit=limit, cursor=cursor)
        return PageOut[TeamRead](
            items=await teams.team_reads(session, actor, page.items), next_cursor=page.next_cursor
        )

    @post(summary="Create a team, optionally with members")
    async def create_team(
        self, session: AsyncSession, actor: Actor, data: TeamCreate
    ) -> Response[TeamRead]:
        team = await teams.create_team(session, actor, data)
        return versioned(
            await _read(session, actor, team),
            team.version,
            status_code=201,
            location=resource_url("teams", team.id),
        )

    @get("/{team_id:uuid}", summary="Get a team with its members")
    async def get_team(
        self, session: AsyncSession, actor: Actor, team_id: FromPath[uuid.UUID]
    ) -> Response[TeamRead]:
        team = await teams.get_team(session, actor, team_id)
        return versioned(await _read(session, actor, team), team.version)

    @patch("/{team_id:uuid}", summary="Change a team (If-Match required)")
    async def update_team(
        self,
        session: AsyncSession,
        actor: Actor,
        team_id: FromPath[uuid.UUID],
        data: TeamUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[TeamRead]:
        team = await teams.update_team(
            session, actor, team_id, data, expected_version=expected_version
        )
        return versioned(await _read(session, actor, team), team.version)

    @delete("/{team_id:uuid}", summary="Delete a team (If-Match required)")
    async def delete_team(
        self,
        session: AsyncSession,
        actor: Actor,
        team_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await teams.delete_team(session, actor, team_id, expected_version=expected_version)

    @post("/{team_id:uuid}/members", summary="Add a member (If-Match of the team required)")
    async def add_member(
        self,
        session: AsyncSession,
        actor: Actor,
        team_id: FromPath[uuid.UUID],
        data: TeamMemberAdd,
        expected_version: ExpectedVersion,
    ) -> Response[TeamRead]:
        team = await teams.add_member(
            session, actor, team_id, data, expected_version=expected_version
        )
        return versioned(await _read(session, actor, team), team.version, status_code=200)

    @delete(
        "/{team_id:uuid}/members/{person_id:uuid}",
        summary="Remove a member (If-Match of the team required)",
        status_code=200,
    )
    async def remove_member(
        self,
        session: AsyncSession,
        actor: Actor,
        team_id: FromPath[uuid.UUID],
        person_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> Response[TeamRead]:
        team = await teams.remove_member(
            session, actor, team_id, person_id, expected_version=expected_version
        )
        return versioned(await _read(session, actor, team), team.version)
