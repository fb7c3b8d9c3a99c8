"""API tokens: creation shows the secret once; only its hash is ever stored."""

import hashlib
import secrets
import uuid
from datetime import timedelta
from functools import partial
from typing import Protocol

from pydantic import Field
from sqlalchemy import and_, not_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.errors import Conflict, Unauthenticated, ValidationFailed
from core.models.person import Person
from core.models.token import ApiToken, ApiTokenCreate, ApiTokenRead, Role
from core.pagination import Page, paginate
from core.services import crud
from core.services.context import Work
from core.services.filters import ListFilter
from core.services.reads import get_one, read_page
from core.types import utcnow
from core.unit_of_work import UnitOfWork

TOKEN_PREFIX = "vsm_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    """SHA-256 is enough: tokens carry 256 bits of randomness, so no stretching is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TrustedTokens(Protocol):
    """The tokens a process has verified and trusts for a while without asking again.

    Revoking a token must end that trust in the revoking process as soon as the
    revocation commits, whichever transport revoked it; other processes stop trusting it
    when their entry expires.
    """

    def evict_token(self, token_id: uuid.UUID) -> None:
        """Forget the token, and keep nothing from a check still running: such a check
        may have read the token before the revocation committed."""


ACTIVE = "true: tokens that work (not revoked, not expired); false: the others"


class TokenFilter(ListFilter):
    role: Role | None = Field(default=None, description="what the token may do")
    active: bool | None = Field(default=None, description=ACTIVE)


async def issue_token(
    session: AsyncSession, actor: Actor, data: ApiTokenCreate
) -> tuple[ApiToken, str]:
    """Returns the stored token and its secret, which is never retrievable again."""
    actor.require_admin()
    if data.expires_at is not None:
        if data.expires_at.tzinfo is None:
            raise ValidationFailed("expires_at needs a time zone", field="expires_at")
        if data.expires_at <= utcnow():
            raise ValidationFailed("expires_at lies in the past", field="expires_at")
    await crud.require_reference(session, actor, Person, data.person_id, field="person_id")
    secret = _new_secret()
    token = await crud.create(
        session,
        actor,
        ApiToken,
        data,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
    )
    return token, secret


async def list_tokens(
    session: AsyncSession, actor: Actor, filters: TokenFilter, *, limit: int, cursor: str | None
) -> Page[ApiToken]:
    return await paginate(
        session, _filtered(actor, filters), keys=[col(ApiToken.id)], limit=limit, cursor=cursor
    )


async def read_tokens(
    work: Work, filters: TokenFilter, *, limit: int, cursor: str | None
) -> Page[ApiTokenRead]:
    return await read_page(
        work,
        ApiToken,
        _filtered(work.actor, filters),
        keys=[col(ApiToken.id)],
        limit=limit,
        cursor=cursor,
        into=ApiTokenRead,
    )


def _filtered(actor: Actor, filters: TokenFilter) -> SelectOfScalar[ApiToken]:
    """Only an admin sees the organization's tokens."""
    actor.require_admin()
    statement = crud.scoped(ApiToken, actor)
    if filters.role is not None:
        statement = statement.where(ApiToken.role == filters.role)
    if filters.active is not None:
        expires = col(ApiToken.expires_at)
        works = and_(col(ApiToken.revoked_at).is_(None), or_(expires.is_(None), expires > utcnow()))
        statement = statement.where(works if filters.active else not_(works))
    return statement


async def get_token(session: AsyncSession, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    actor.require_admin()
    return await crud.get(session, actor, ApiToken, token_id)


async def read_token(work: Work, token_id: uuid.UUID) -> ApiTokenRead:
    work.actor.require_admin()
    return await get_one(work, ApiToken, token_id, ApiTokenRead)


async def revoke_token(
    session: AsyncSession,
    actor: Actor,
    token_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
    trusted: TrustedTokens | None,
) -> ApiToken:
    """Revoke a token; `trusted` (this process's cache, if any) forgets it on commit.

    Not before: until the revocation commits, every other transaction still reads the
    token as valid, and a rolled-back revocation leaves it valid, so the cache keeps it.
    The eviction goes to the unit of work that will commit this session, which runs it
    only once the commit succeeded.
    """
    token = await get_token(session, actor, token_id)
    if token.revoked_at is not None:
        raise Conflict("the token is already revoked")
    revoked = await crud.update(
        session,
        actor,
        token,
        {"revoked_at": utcnow()},
        expected_version=expected_version,
        action="revoke",
    )
    if trusted is not None:
        UnitOfWork.of(session).after_commit(partial(trusted.evict_token, revoked.id))
    return revoked


async def authenticate(session: AsyncSession, secret: str) -> ApiToken:
    """Resolve a bearer secret to its live token, failing alike for every bad secret."""
    token = (
        await session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    ).first()
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("the token is not valid")
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise Unauthenticated("the token has expired")
    return token


def actor_for(token: ApiToken, *, request_id: str | None = None) -> Actor:
    return Actor(
        organization_id=token.organization_id,
        role=Role(token.role),
        token_id=token.id,
        person_id=token.person_id,
        request_id=request_id,
    )


def needs_touch(token: ApiToken) -> bool:
    """`last_used_at` is kept at minute resolution so a busy token does not write per request."""
    return token.last_used_at is None or token.last_used_at < utcnow() - LAST_USED_RESOLUTION


async def mark_used(session: AsyncSession, token_id: uuid.UUID) -> None:
    await session.exec(
        update(ApiToken)
        .where(col(ApiToken.id) == token_id)
        .values(last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
