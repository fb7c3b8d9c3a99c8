import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    page_response,
    read_response,
    versioned,
)
from api.rest.filters import query_filters
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.foundation import tokens
from core.models.token import ApiTokenCreate, ApiTokenCreated, ApiTokenRead
from core.services.context import Work
from core.services.crud import ExpectedVersion


class TokensController(Controller):
    """Admin only. The secret is in the answer to create, and nowhere ever again."""

    path = "/tokens"
    tags = ["tokens"]

    @get(summary="List tokens (admin)", dependencies={"filters": query_filters(tokens.TokenFilter)})
    async def list_tokens(
        self,
        work: Work,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: tokens.TokenFilter,
    ) -> Response[PageOut[ApiTokenRead]]:
        page = await tokens.read_tokens(work, filters, limit=limit, cursor=cursor)
        return page_response(page, ApiTokenRead)

    @post(summary="Create a token (admin); the answer holds the secret once")
    async def create_token(
        self, session: AsyncSession, actor: Actor, data: ApiTokenCreate
    ) -> Response[ApiTokenCreated]:
        token, secret = await tokens.issue_token(session, actor, data)
        body = ApiTokenCreated.model_validate(
            {**token.model_dump(warnings=False), "secret": secret}
        )
        return versioned(
            body,
            token.version,
            status_code=HTTP_201_CREATED,
            location=resource_url("tokens", token.id),
        )

    @get("/{token_id:uuid}", summary="Get a token (admin)")
    async def get_token(self, work: Work, token_id: FromPath[uuid.UUID]) -> Response[ApiTokenRead]:
        token = await tokens.read_token(work, token_id)
        return versioned(token, token.version)

    @post(
        "/{token_id:uuid}/revoke",
        summary="Revoke a token (admin, If-Match required)",
        status_code=200,
    )
    async def revoke_token(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        token_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> Response[ApiTokenRead]:
        token = await tokens.revoke_token(
            session, actor, token_id, expected_version=expected_version, trusted=app_state.tokens
        )
        return read_response(token, ApiTokenRead)
