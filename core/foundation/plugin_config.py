"""An organization's configuration of its plugins, over the deployment's default.

``VSM_CLASSIFIER_CONFIG`` holds each plugin's default under the plugin's name; an
organization stores its own object per plugin, and what the plugin receives is the
default with the organization's keys laid over it, one level deep: a key the
organization sets replaces the default's value of that key, every other key keeps
the default. Storing needs an admin and the version read (0 while nothing is stored).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import plugin_calls
from core.actor import Actor
from core.errors import NotFound, ValidationFailed
from core.foundation import audit
from core.models.plugin_config import PluginConfigRecord
from core.plugins import Plugins
from core.ranges import check_numbers
from core.services import crud

MAX_CONFIG_BYTES = 16 * 1024
"""The largest configuration an organization may store for one plugin, as JSON."""


@dataclass(frozen=True)
class PluginConfigView:
    """One plugin's configuration as an organization sees it.

    `config` is what the organization stored; `effective` is what the plugin receives.
    """

    plugin: str
    config: dict[str, Any]
    effective: Any
    version: int


def layered(default: Any, stored: Mapping[str, Any] | None) -> Any:
    """The deployment's default for a plugin with the organization's keys over it.

    Without a stored configuration the default goes to the plugin as the deployment
    wrote it, so a plugin still names a faulty default as its own error.
    """
    if stored is None:
        return default if default is not None else {}
    base = dict(default) if isinstance(default, Mapping) else {}
    return {**base, **stored}


async def _records(
    session: AsyncSession, actor: Actor, plugin: str | None = None
) -> list[PluginConfigRecord]:
    statement = select(PluginConfigRecord).where(
        PluginConfigRecord.organization_id == actor.organization_id
    )
    if plugin is not None:
        statement = statement.where(PluginConfigRecord.plugin == plugin)
    return list((await session.exec(statement)).all())


def _require_plugin(plugins: Plugins, name: str) -> None:
    if not plugins.loaded(name):
        raise NotFound(
            f"no plugin named {name!r} is loaded; the plugins are {', '.join(plugins.names())}",
            field="name",
        )


def _view(plugins: Plugins, name: str, record: PluginConfigRecord | None) -> PluginConfigView:
    stored = dict(record.data) if record is not None else None
    return PluginConfigView(
        plugin=name,
        config=stored or {},
        effective=layered(plugins.classifier_defaults.get(name), stored),
        version=record.version if record is not None else 0,
    )


async def get_config(
    session: AsyncSession, actor: Actor, plugins: Plugins, name: str
) -> PluginConfigView:
    """The organization's configuration of a loaded plugin; version 0 while none is stored."""
    _require_plugin(plugins, name)
    found = await _records(session, actor, name)
    return _view(plugins, name, found[0] if found else None)


def _checked(plugins: Plugins, name: str, config: Any) -> dict[str, Any]:
    """`config` when it is a JSON object the plugin accepts, else the reason, naming `config`."""
    if not isinstance(config, dict):
        raise ValidationFailed("the configuration must be a JSON object", field="config")
    size = len(json.dumps(config, ensure_ascii=False).encode())
    if size > MAX_CONFIG_BYTES:
        raise ValidationFailed(
            f"the configuration holds {size} bytes of JSON; at most {MAX_CONFIG_BYTES}",
            field="config",
        )
    check_numbers(config, root="config")
    effective = layered(plugins.classifier_defaults.get(name), config)
    try:
        plugin_calls.call_one(plugins.manager, "check_config", name, config=effective)
    except plugin_calls.PluginFailed as exc:
        if isinstance(exc.__cause__, ValueError):
            raise ValidationFailed(str(exc.__cause__), field="config") from exc
        raise
    return config


async def set_config(
    session: AsyncSession,
    actor: Actor,
    plugins: Plugins,
    name: str,
    config: Any,
    *,
    expected_version: crud.ExpectedVersion,
) -> PluginConfigView:
    """Admins replace the organization's configuration of a plugin; the change is audited."""
    actor.require_admin()
    _require_plugin(plugins, name)
    stored = _checked(plugins, name, config)
    found = await _records(session, actor, name)
    record = found[0] if found else None
    crud.check_version_number(record.version if record is not None else 0, expected_version)
    if record is None:
        before: dict[str, Any] = {}
        record = PluginConfigRecord(organization_id=actor.organization_id, plugin=name, data=stored)
    else:
        before = dict(record.data)
        record.data = stored
    session.add(record)
    await crud.flush(session)
    audit.record(
        session,
        actor,
        action="update",
        entity_type="plugin_config",
        entity_id=record.id,
        before={"plugin": name, "config": before},
        after={"plugin": name, "config": stored},
    )
    return _view(plugins, name, record)


async def classifier_config(
    session: AsyncSession, actor: Actor, plugins: Plugins
) -> dict[str, Any]:
    """What `classify_waste` receives for the actor's organization: every plugin's entry."""
    stored = {record.plugin: record.data for record in await _records(session, actor)}
    names = set(plugins.classifier_defaults) | set(stored)
    return {
        name: layered(plugins.classifier_defaults.get(name), stored.get(name)) for name in names
    }
