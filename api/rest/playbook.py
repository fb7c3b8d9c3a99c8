from typing import Any

from litestar import Controller, Response, get, put
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import versioned
from core.actor import Actor
from core.services.crud import ExpectedVersion
from core.workflow import organization_playbook as playbooks


class PlaybookController(Controller):
    """The phases, timeboxes and gate criteria the organization works by."""

    path = "/playbook"
    tags = ["playbook"]

    @get(summary="The organization's playbook (the default until replaced); ETag version")
    async def get_playbook(self, session: AsyncSession, actor: Actor) -> Response[dict[str, Any]]:
        playbook, version = await playbooks.get_playbook(session, actor)
        return versioned(playbook.model_dump(mode="json"), version)

    @put(summary='Replace the playbook (admin; If-Match, "0" for the default)')
    async def replace_playbook(
        self,
        session: AsyncSession,
        actor: Actor,
        data: dict[str, Any],
        expected_version: ExpectedVersion,
    ) -> Response[dict[str, Any]]:
        playbook, version = await playbooks.replace_playbook(
            session, actor, data, expected_version=expected_version
        )
        return versioned(playbook.model_dump(mode="json"), version)
