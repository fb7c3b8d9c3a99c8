"""The plugins of one app: which are built in, how the manager is built, what is loaded.

Built-ins are listed here rather than found through the package's entry points, so
they load whether or not the package's metadata is installed, and under names that
do not depend on it. Third parties come from the ``vsm`` entry-point group. Both are
registered with ``PluginManager.register`` under their names and implement the same
hooks; neither has a path of its own through the service.
"""

import importlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points, version
from typing import Any

import pluggy

from core import hookspecs

DISTRIBUTION = "valuestream"

BUILT_IN: Mapping[str, str] = {
    "waste_rules": "plugins.waste_rules",
    "json_export": "plugins.json_export",
    "readout": "plugins.readout",
    "map_picture": "plugins.map_picture",
    "tabular_export": "plugins.tabular_export",
    "mermaid_export": "plugins.mermaid_export",
}
"""Each built-in plugin's name (what ``VSM_DISABLED_PLUGINS`` and the plugin list use)
and its module."""


class PluginSetupError(RuntimeError):
    """The plugins cannot be set up as configured; the app must not start."""


def build_plugin_manager(
    *,
    disabled: Collection[str] = (),
    built_ins: bool = True,
    load_entry_points: bool = True,
    extra: Iterable[object] = (),
) -> pluggy.PluginManager:
    """A fresh manager per app, so two apps in one process never share plugins.

    A name in `disabled` is blocked before anything registers, so neither a built-in
    nor an entry point of that name is imported; a name that is no plugin's is refused,
    since a misspelt name would otherwise leave the plugin on without a word.
    `extra` registers objects directly; tests use it for a plugin they define inline.
    Hook implementations are checked against the hookspecs once all are registered
    (`check_pending`), so a misspelt hook stops the start instead of never being called.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    extra = tuple(extra)
    known = {*BUILT_IN, *_entry_point_names(), *(manager.get_canonical_name(p) for p in extra)}
    unknown = set(disabled) - known
    if unknown:
        raise PluginSetupError(
            f"VSM_DISABLED_PLUGINS names {', '.join(sorted(unknown))}, which is no plugin's "
            f"name; the plugins are {', '.join(sorted(known))}"
        )
    for name in disabled:
        manager.set_blocked(name)
    if built_ins:
        for name, module in BUILT_IN.items():
            if not manager.is_blocked(name):
                manager.register(importlib.import_module(module), name=name)
    if load_entry_points:
        manager.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
    for plugin in extra:
        manager.register(plugin)
    check_hooks(manager)
    return manager


def _entry_point_names() -> set[str]:
    return {entry.name for entry in entry_points(group=hookspecs.PROJECT_NAME)}


def check_hooks(manager: pluggy.PluginManager) -> None:
    """Refuse implementations of hooks that valuestream does not define.

    pluggy's own message names the plugin by its repr; this one names it as the plugin
    list does, and says which hooks exist.
    """
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginSetupError(
            f"plugin {name}: {exc}; the hooks of {hookspecs.PROJECT_NAME} are "
            + ", ".join(sorted(_hook_names()))
        ) from exc


def _hook_names() -> set[str]:
    return {
        name
        for name, value in vars(hookspecs).items()
        if hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
    }


@dataclass(frozen=True)
class PluginInfo:
    name: str
    hooks: list[str]
    distribution: str | None
    version: str | None
    built_in: bool


def describe(manager: pluggy.PluginManager) -> list[PluginInfo]:
    """Every plugin loaded, with the hooks it implements and where it comes from."""
    dists = {id(plugin): dist for plugin, dist in manager.list_plugin_distinfo()}
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:
            continue
        callers = manager.get_hookcallers(plugin) or []
        built_in = BUILT_IN.get(name) == getattr(plugin, "__name__", None)
        dist = dists.get(id(plugin))
        dist_name = DISTRIBUTION if built_in else dist.metadata["name"] if dist else None
        infos.append(
            PluginInfo(
                name=name,
                hooks=sorted(caller.name for caller in callers),
                distribution=dist_name,
                version=version(dist_name) if dist_name else None,
                built_in=built_in,
            )
        )
    return sorted(infos, key=lambda info: info.name)


@dataclass(frozen=True)
class Plugins:
    """The plugins of one app and their deployment-wide configuration.

    The app builds it once; transports hand it to the services that call plugins
    without looking inside, so which plugins run, and with what configuration, is
    decided in core alone.
    """

    manager: pluggy.PluginManager
    classifier_defaults: Mapping[str, Any]

    def loaded(self, name: str) -> bool:
        return self.manager.get_plugin(name) is not None

    def names(self) -> list[str]:
        return sorted(name for name, plugin in self.manager.list_name_plugin() if plugin)
