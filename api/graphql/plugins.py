"""GraphQL for an organization's configuration of each plugin."""

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.graphql.children import mutation
from api.graphql.context import Info
from core.foundation import plugin_config


@strawberry.type
class PluginConfigPayload:
    plugin: str
    config: dict[str, Any] = strawberry.field(
        graphql_type=JSON, description="What the organization stored ({} when nothing)."
    )
    effective: JSON = strawberry.field(
        description="What the plugin receives: the deployment's default for it with the "
        "organization's keys laid over it."
    )
    version: int = strawberry.field(description="0 while the organization has stored nothing.")


def _payload(view: plugin_config.PluginConfigView) -> PluginConfigPayload:
    return PluginConfigPayload(
        plugin=view.plugin, config=view.config, effective=view.effective, version=view.version
    )


@strawberry.type
class Query:
    @strawberry.field(description="The organization's configuration of a loaded plugin.")
    async def plugin_config(self, info: Info, name: str) -> PluginConfigPayload | None:
        assert info.context.state is not None
        view = await plugin_config.get_config(
            info.context.session, info.context.actor, info.context.state.plugins, name
        )
        return _payload(view)


@strawberry.type
class Mutation:
    @mutation(
        description="Admin only. Replace the organization's configuration of a plugin (a JSON "
        "object of at most 16 KiB); expectedVersion 0 while none is stored."
    )
    async def set_plugin_config(
        self, info: Info, name: str, expected_version: int, config: JSON
    ) -> PluginConfigPayload | None:
        assert info.context.state is not None
        view = await plugin_config.set_config(
            info.context.session,
            info.context.actor,
            info.context.state.plugins,
            name,
            config,
            expected_version=expected_version,
        )
        return _payload(view)
