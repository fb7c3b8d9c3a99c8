"""Builds the plugin manager of one app; built-ins and third parties both come from entry points."""

from dataclasses import dataclass
from importlib.metadata import version

import pluggy

from core import hookspecs


@dataclass(frozen=True)
class PluginInfo:
    name: str
    hooks: list[str]
    distribution: str | None
    version: str | None


def build_plugin_manager(
    *, load_entry_points: bool = True, extra: tuple[object, ...] = ()
) -> pluggy.PluginManager:
    """A fresh manager per app, so two apps in one process never share plugins.

    `extra` registers objects directly; tests use it for a plugin they define inline.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if load_entry_points:
        manager.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
    for plugin in extra:
        manager.register(plugin)
    return manager


def describe(manager: pluggy.PluginManager) -> list[PluginInfo]:
    dists = {id(plugin): dist for plugin, dist in manager.list_plugin_distinfo()}
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:
            continue
        callers = manager.get_hookcallers(plugin) or []
        dist = dists.get(id(plugin))
        dist_name = dist.metadata["name"] if dist is not None else None
        infos.append(
            PluginInfo(
                name=name,
                hooks=sorted(caller.name for caller in callers),
                distribution=dist_name,
                version=version(dist_name) if dist_name else None,
            )
        )
    return sorted(infos, key=lambda info: info.name)
