"""GraphQL for the foundation: organization, people, teams, tokens, audit, me."""

import uuid
from typing import Annotated, Any

import strawberry

from api.graphql.context import Context, Info
from api.graphql.convert import filter_input, gql_enum, input_type, list_of, output_type
from api.graphql.extensions import Savepoint
from api.graphql.inputs import Filters, plain, to_filter, to_model
from api.graphql.loaders import load, nothing
from api.graphql.relay import Connection, connection, connection_of, page_args
from core.errors import ValidationFailed
from core.foundation import audit, organizations, people, teams, tokens
from core.foundation.people import PersonFilter
from core.foundation.teams import TeamFilter
from core.models.audit import AuditEvent, AuditEventRead
from core.models.organization import Organization, OrganizationRead, OrganizationUpdate
from core.models.person import Person, PersonCreate, PersonRead, PersonUpdate
from core.models.team import (
    Team,
    TeamCreate,
    TeamMember,
    TeamMemberAdd,
    TeamMemberRead,
    TeamRead,
    TeamUpdate,
)
from core.models.token import ApiToken, ApiTokenCreate, ApiTokenRead, Role
from core.services import batches

RoleEnum = gql_enum(Role)


def mutation(**kwargs: Any) -> Any:
    """Every mutation runs in its own savepoint."""
    return strawberry.mutation(extensions=[Savepoint()], **kwargs)


OrganizationType = output_type(OrganizationRead, "Organization")
PersonType = output_type(PersonRead, "Person", ahead=("id",))


class _MemberOf:
    @strawberry.field(graphql_type=PersonType | None)
    async def person(self, info: Info, member: strawberry.Parent[TeamMember]) -> Person | None:
        return await load_person(info.context, member.person_id)


TeamMemberType = output_type(TeamMemberRead, "TeamMember", _MemberOf)


class _TeamOf:
    @strawberry.field(graphql_type=list_of(TeamMemberType))
    async def members(self, info: Info, team: strawberry.Parent[Team]) -> list[TeamMember]:
        return await load(info.context, "team_members", teams.members_of, team.id)


TeamType = output_type(TeamRead, "Team", _TeamOf, ahead=("id",))
ApiTokenType = output_type(ApiTokenRead, "ApiToken")


@strawberry.type
class ApiTokenCreatedPayload:
    token: ApiToken = strawberry.field(graphql_type=ApiTokenType)
    secret: str = strawberry.field(description="Shown once; store it now.")


AuditEventType = output_type(AuditEventRead, "AuditEvent")


@strawberry.type
class Me:
    role: Role
    token_id: uuid.UUID | None = strawberry.field(graphql_type=strawberry.ID | None)
    person_id: uuid.UUID | None = strawberry.field(graphql_type=strawberry.ID | None)

    @strawberry.field(graphql_type=OrganizationType)
    async def organization(self, info: Info) -> Organization:
        return await organizations.get_own(info.context.session, info.context.actor)

    @strawberry.field(graphql_type=PersonType | None)
    async def person(self, info: Info) -> Person | None:
        if self.person_id is None:
            return None
        return await load_person(info.context, self.person_id)


def load_person(context: Context, person_id: Any) -> Any:
    """A person by id through the request's DataLoader; None when not found."""
    return load(context, "person", batches.people, person_id, default=nothing)


PersonCreateInput = input_type(PersonCreate, "PersonCreateInput", defaults=True)
PersonUpdateInput = input_type(PersonUpdate, "PersonUpdateInput", partial=True)
TeamUpdateInput = input_type(TeamUpdate, "TeamUpdateInput", partial=True)
OrganizationUpdateInput = input_type(OrganizationUpdate, "OrganizationUpdateInput", partial=True)
TeamCreateInput = input_type(TeamCreate, "TeamCreateInput", defaults=True)
ApiTokenCreateInput = input_type(ApiTokenCreate, "ApiTokenCreateInput", defaults=True)
AuditFilterInput = filter_input(audit.AuditFilter, "AuditFilterInput")


def parse_id(value: Any, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ValidationFailed(f"{field} is not a valid id", field=field) from exc


@strawberry.type
class Query:
    @strawberry.field(description="The caller: role, token and the organization it acts for.")
    def me(self, info: Info) -> Me | None:
        actor = info.context.actor
        return Me(role=actor.role, token_id=actor.token_id, person_id=actor.person_id)

    @strawberry.field(graphql_type=OrganizationType | None)
    async def organization(self, info: Info) -> Organization:
        return await organizations.get_own(info.context.session, info.context.actor)

    @strawberry.field(graphql_type=PersonType | None)
    async def person(self, info: Info, id: strawberry.ID) -> Person:
        return await people.get_person(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(
        graphql_type=connection_of(PersonType) | None, extensions=[Filters(PersonFilter)]
    )
    async def people(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: PersonFilter,
    ) -> Connection[Person]:
        page = await people.list_people(
            info.context.session,
            info.context.actor,
            filters,
            limit=page_args(first),
            cursor=after,
        )
        return connection(page)

    @strawberry.field(graphql_type=TeamType | None)
    async def team(self, info: Info, id: strawberry.ID) -> Team:
        return await teams.get_team(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(graphql_type=connection_of(TeamType) | None, extensions=[Filters(TeamFilter)])
    async def teams(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: TeamFilter,
    ) -> Connection[Team]:
        page = await teams.list_teams(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)

    @strawberry.field(
        description="Admin only.",
        graphql_type=connection_of(ApiTokenType) | None,
        extensions=[Filters(tokens.TokenFilter)],
    )
    async def api_tokens(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: tokens.TokenFilter,
    ) -> Connection[ApiToken]:
        page = await tokens.list_tokens(
            info.context.session,
            info.context.actor,
            filters,
            limit=page_args(first),
            cursor=after,
        )
        return connection(page)

    @strawberry.field(
        description="The audit trail, newest first.",
        graphql_type=connection_of(AuditEventType) | None,
    )
    async def audit_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: Annotated[
            object | None, strawberry.argument(graphql_type=AuditFilterInput | None)
        ] = None,
    ) -> Connection[AuditEvent]:
        filters = to_filter(audit.AuditFilter, plain(filter) if filter else {}, within="filter")
        page = await audit.list_events(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)


@strawberry.type
class Mutation:
    @mutation(description="Admin only.", graphql_type=OrganizationType | None)
    async def update_organization(
        self,
        info: Info,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=OrganizationUpdateInput)],
    ) -> Organization:
        return await organizations.update_own(
            info.context.session,
            info.context.actor,
            to_model(OrganizationUpdate, input),
            expected_version=expected_version,
        )

    @mutation(graphql_type=PersonType | None)
    async def create_person(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=PersonCreateInput)],
    ) -> Person:
        data = to_model(PersonCreate, input)
        return await people.create_person(info.context.session, info.context.actor, data)

    @mutation(graphql_type=PersonType | None)
    async def update_person(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=PersonUpdateInput)],
    ) -> Person:
        patch = to_model(PersonUpdate, input)
        return await people.update_person(
            info.context.session,
            info.context.actor,
            parse_id(id),
            patch,
            expected_version=expected_version,
        )

    @mutation()
    async def delete_person(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        await people.delete_person(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )
        return id

    @mutation(graphql_type=TeamType | None)
    async def create_team(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=TeamCreateInput)],
    ) -> Team:
        data = to_model(TeamCreate, input)
        return await teams.create_team(info.context.session, info.context.actor, data)

    @mutation(graphql_type=TeamType | None)
    async def update_team(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=TeamUpdateInput)],
    ) -> Team:
        return await teams.update_team(
            info.context.session,
            info.context.actor,
            parse_id(id),
            to_model(TeamUpdate, input),
            expected_version=expected_version,
        )

    @mutation()
    async def delete_team(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        await teams.delete_team(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )
        return id

    @mutation(graphql_type=TeamType | None)
    async def add_team_member(
        self,
        info: Info,
        team_id: strawberry.ID,
        person_id: strawberry.ID,
        expected_version: int,
        role: str | None = None,
    ) -> Team:
        data = TeamMemberAdd(person_id=parse_id(person_id, "personId"), role=role)
        return await teams.add_member(
            info.context.session,
            info.context.actor,
            parse_id(team_id, "teamId"),
            data,
            expected_version=expected_version,
        )

    @mutation(graphql_type=TeamType | None)
    async def remove_team_member(
        self, info: Info, team_id: strawberry.ID, person_id: strawberry.ID, expected_version: int
    ) -> Team:
        return await teams.remove_member(
            info.context.session,
            info.context.actor,
            parse_id(team_id, "teamId"),
            parse_id(person_id, "personId"),
            expected_version=expected_version,
        )

    @mutation(description="Admin only. The secret is in this answer and nowhere ever again.")
    async def create_api_token(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=ApiTokenCreateInput)],
    ) -> ApiTokenCreatedPayload | None:
        token, secret = await tokens.issue_token(
            info.context.session, info.context.actor, to_model(ApiTokenCreate, input)
        )
        return ApiTokenCreatedPayload(token=token, secret=secret)

    @mutation(description="Admin only.", graphql_type=ApiTokenType | None)
    async def revoke_api_token(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> ApiToken:
        state = info.context.state
        token = await tokens.revoke_token(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
            trusted=state.tokens if state is not None else None,
        )
        return token
