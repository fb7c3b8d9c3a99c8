"""An organization's configuration of each plugin (the plugin list itself is in `system`)."""

from typing import Any

from litestar import Controller, Response, get, put
from litestar.params import Parameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import versioned
from api.state import AppState
from core.actor import Actor
from core.foundation import plugin_config
from core.services.crud import ExpectedVersion

PluginName = Parameter(max_length=120, description="The plugin's name, as the plugin list shows it")


class PluginConfigOut(BaseModel):
    plugin: str
    config: dict[str, Any] = Field(description="What the organization stored ({} when nothing).")
    effective: Any = Field(
        description="What the plugin receives: the deployment's default for it "
        "(VSM_CLASSIFIER_CONFIG) with the organization's keys laid over it."
    )
    version: int = Field(description="0 while the organization has stored nothing.")


def _out(view: plugin_config.PluginConfigView) -> Response[PluginConfigOut]:
    return versioned(PluginConfigOut(**vars(view)), view.version)


class PluginConfigController(Controller):
    path = "/plugins/{name:str}/config"
    tags = ["system"]

    @get(summary="The organization's configuration of a plugin; ETag version (0: none stored)")
    async def get_plugin_config(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        name: str = PluginName,
    ) -> Response[PluginConfigOut]:
        view = await plugin_config.get_config(session, actor, app_state.plugins, name)
        return _out(view)

    @put(
        summary='Replace the organization\'s configuration of a plugin (admin; If-Match, "0" '
        "while none is stored); a JSON object of at most 16 KiB"
    )
    async def replace_plugin_config(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        data: dict[str, Any],
        expected_version: ExpectedVersion,
        name: str = PluginName,
    ) -> Response[PluginConfigOut]:
        view = await plugin_config.set_config(
            session, actor, app_state.plugins, name, data, expected_version=expected_version
        )
        return _out(view)
