"""The plugin hooks of valuestream.

A plugin is any module or object with functions marked by
``pluggy.HookimplMarker("vsm")`` and named like a hook below. Ship it as a package
that declares an entry point in the ``vsm`` group; it needs nothing else from us::

    [project.entry-points.vsm]
    my_plugin = "my_package.my_plugin"

The built-in plugins (``core.plugins.BUILT_IN``) implement these same hooks and are
registered the same way, under their names. Every plugin, built-in or not, can be
turned off with ``VSM_DISABLED_PLUGINS``. A function marked as a hook whose name is
not one of these stops the app from starting, naming the plugin and the hook.

Hook arguments are passed by keyword; an implementation may accept any subset of
them, so new arguments can be added to a hook without breaking existing plugins.
The types below are what the service passes and reads; a plugin need not import
them (``core.plugin_types`` describes what it returns as Protocols).
"""

from collections.abc import Sequence

import pluggy

from core.config import Settings
from core.maps.flowmap import FlowMap
from core.plugin_types import ClassifierConfig, ExporterOffer, PluginConfig, Suggestion

PROJECT_NAME = "vsm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def startup(settings: Settings) -> None:
    """Called once when an app starts, before it answers any request.

    Use it to check the plugin's own configuration and fail fast if it is wrong.

    Args:
        settings: the app's ``core.config.Settings``; read-only.

    Returns:
        Nothing. Raising an exception stops the app from starting, with that message.
    """


@hookspec
def classify_waste(flow_map: FlowMap, config: ClassifierConfig) -> Sequence[Suggestion] | None:
    """Suggest waste findings for one value stream map.

    Called by ``POST /api/v1/maps/{id}/classify`` (and GraphQL's ``classifyMap``) on
    every plugin that implements it. The suggestions are stored with status
    ``suggested`` for people to confirm or dismiss, one finding per category, step and
    handoff: suggestions of every plugin about the same waste at the same target are
    merged into one, the most confident leading and every rule kept in its ``rules``,
    and findings are listed by a severity computed from their rules' confidences and
    cost (``docs/plugins.md``). A suggestion equal to a finding already on the map (same
    category, step and handoff) is not stored again.

    Args:
        flow_map: a ``core.maps.flowmap.FlowMap``: the map's steps, handoffs and working
            calendar as plain, read-only data (no database access).
        config: the classifier configuration of the organization that asked, by
            plugin name: ``config["my_plugin"]`` is the plugin's own JSON object,
            ``VSM_CLASSIFIER_CONFIG``'s entry for it with the organization's stored
            configuration (``PUT /api/v1/plugins/{name}/config``) laid over it key by
            key. A plugin reads its own entry and uses its defaults for the rest.

    Returns:
        A sequence (possibly empty, or None) of objects with the attributes of
        ``core.plugin_types.Suggestion``, such as ``core.waste.vocabulary.WasteSuggestion``:
        ``category`` (one of ``core.waste.vocabulary.WasteCategory``'s values), ``step_id`` /
        ``handoff_id`` (ids from ``flow_map``, or None), ``description``,
        ``evidence`` (the rule and the numbers that triggered it), ``confidence``
        (0 to 1), ``estimated_cost_hours_per_week`` (or None) and ``rule`` (a stable
        key); optionally ``statement`` (the rule in words, with its thresholds) and
        ``rules`` (one such object per rule a plugin merged into the suggestion). A
        suggestion that breaks this contract is not stored; the classify answer lists it
        under ``rejected``, naming the plugin.
    """


@hookspec
def check_config(config: PluginConfig) -> None:
    """Check a configuration an organization wants to store for this plugin.

    Called on the plugin being configured only, by ``PUT /api/v1/plugins/{name}/config``
    (and GraphQL's ``setPluginConfig``), with what the plugin would then receive: its
    entry of ``VSM_CLASSIFIER_CONFIG`` with the new configuration laid over it. A
    plugin without this hook accepts any JSON object.

    Args:
        config: the plugin's own configuration, a JSON object.

    Returns:
        Nothing. Raise ``ValueError`` with a message naming the setting and the fix;
        the request is refused with that message (422, field ``config``) and nothing
        is stored.
    """


@hookspec
def register_exporters() -> Sequence[ExporterOffer] | None:
    """Offer file formats for value streams, maps, backlogs and the portfolio.

    Called once per app when it starts; the exporters are listed at
    ``GET /api/v1/exporters`` and used by ``/export?format=NAME``, GraphQL and
    ``vsm export``/``vsm report``. Two plugins offering the same name is an error.

    Args:
        (none): the hook takes no arguments.

    Returns:
        A sequence of objects with the attributes of ``core.plugin_types.ExporterOffer``,
        such as ``core.exports.exporters.Exporter``: each with a unique ``name`` (the
        ``format`` clients ask for), its ``media_type`` and file ``extension``, the
        ``subjects`` it can export (any of ``value_stream``, ``map``, ``backlog``,
        ``portfolio``) and ``render(subject, data)``, a function that yields the
        file in ``bytes`` or ``str`` chunks so large files stream. ``data`` is a
        ``core.exports.snapshots.ValueStreamSnapshot`` for ``value_stream`` and ``backlog``,
        a ``core.exports.snapshots.MapSnapshot`` for ``map`` and a
        ``core.exports.snapshots.PortfolioSnapshot`` for ``portfolio``: plain read-only data.
    """
