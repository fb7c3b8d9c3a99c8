"""Organizations: the tenancy boundary. A caller only ever sees its own."""

import re

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, ValidationFailed, not_found
from core.foundation import audit, tokens
from core.models.organization import SLUG_PATTERN, Organization, OrganizationUpdate
from core.models.token import ApiToken, ApiTokenCreate, Role
from core.services import crud


async def get_own(session: AsyncSession, actor: Actor) -> Organization:
    org = await session.get(Organization, actor.organization_id)
    if org is None:
        raise not_found("organization", actor.organization_id)
    return org


async def update_own(
    session: AsyncSession,
    actor: Actor,
    patch: OrganizationUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> Organization:
    actor.require_admin()
    org = await get_own(session, actor)
    return await crud.update(session, actor, org, patch, expected_version=expected_version)


async def create_organization(
    session: AsyncSession, *, name: str, slug: str
) -> tuple[Organization, ApiToken, str]:
    """Operator use case (CLI, first start): a new organization with its first admin token."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ValidationFailed(
            "slug must be lowercase letters, digits and dashes (at most 64)", field="slug"
        )
    if not name.strip():
        raise ValidationFailed("name must not be empty", field="name")
    existing = await session.exec(select(Organization).where(Organization.slug == slug))
    if existing.first() is not None:
        raise Conflict(f"an organization with slug {slug!r} already exists", field="slug")
    org = Organization(name=name.strip(), slug=slug)
    session.add(org)
    await crud.flush(session)
    system = Actor(organization_id=org.id, role=Role.admin)
    audit.record(
        session,
        system,
        action="create",
        entity_type="organization",
        entity_id=org.id,
        after=audit.snapshot(org),
    )
    token, secret = await tokens.issue_token(
        session, system, ApiTokenCreate(name="initial admin token", role=Role.admin)
    )
    return org, token, secret


async def get_by_slug(session: AsyncSession, slug: str) -> Organization:
    org = (await session.exec(select(Organization).where(Organization.slug == slug))).first()
    if org is None:
        raise not_found("organization", slug)
    return org


async def any_token_exists(session: AsyncSession) -> bool:
    return (await session.exec(select(ApiToken.id).limit(1))).first() is not None
