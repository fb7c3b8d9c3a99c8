from litestar import Controller, Response, get, patch
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import read_response
from core.actor import Actor
from core.foundation import organizations
from core.models.organization import OrganizationRead, OrganizationUpdate
from core.services.crud import ExpectedVersion


class OrganizationController(Controller):
    """The caller's own organization; no route reaches another one."""

    path = "/organization"
    tags = ["organization"]

    @get(summary="The caller's organization")
    async def get_organization(
        self, session: AsyncSession, actor: Actor
    ) -> Response[OrganizationRead]:
        return read_response(await organizations.get_own(session, actor), OrganizationRead)

    @patch(summary="Rename the organization (admin, If-Match required)")
    async def update_organization(
        self,
        session: AsyncSession,
        actor: Actor,
        data: OrganizationUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[OrganizationRead]:
        org = await organizations.update_own(
            session, actor, data, expected_version=expected_version
        )
        return read_response(org, OrganizationRead)
