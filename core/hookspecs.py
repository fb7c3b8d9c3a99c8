"""The plugin hooks of valuestream.

A plugin is any module or object with functions marked by
``pluggy.HookimplMarker("vsm")`` and named like a hook below. Ship it as a package
that declares an entry point in the ``vsm`` group; it needs nothing else from us::

    [project.entry-points.vsm]
    my_plugin = "my_package.my_plugin"

Hook arguments are passed by keyword; an implementation may accept any subset of
them, so new arguments can be added to a hook without breaking existing plugins.
The built-in plugins in ``plugins/`` are registered exactly this way.
"""

from typing import Any

import pluggy

PROJECT_NAME = "vsm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def startup(settings: Any) -> None:
    """Called once when an app starts, before it answers any request.

    Use it to check the plugin's own configuration and fail fast if it is wrong.

    Args:
        settings: the app's ``core.config.Settings``; read-only.

    Returns:
        Nothing. Raising an exception stops the app from starting, with that message.
    """


@hookspec
def classify_waste(flow_map: Any, config: Any) -> Any:
    """Suggest waste findings for one value stream map.

    Called by ``POST /api/v1/maps/{id}/classify`` on every registered plugin. The
    suggestions are stored with status ``suggested`` for people to confirm or
    dismiss; a suggestion equal to one already triaged (same category, step and
    handoff) is not stored again.

    Args:
        flow_map: a ``core.flowmap.FlowMap``: the map's steps, handoffs and working
            calendar as plain, read-only data (no database access).
        config: a ``dict`` of settings for classifiers, from ``VSM_CLASSIFIER_CONFIG``
            (JSON); a plugin reads its own keys and uses its defaults for the rest.

    Returns:
        A list (possibly empty) of ``core.waste.WasteSuggestion``, or of any objects
        with the same attributes, so a plugin need not import our code: ``category``
        (one of ``core.waste.WasteCategory``'s values), ``step_id`` / ``handoff_id``
        (ids from ``flow_map``, or None), ``description``, ``evidence`` (the rule and
        the numbers that triggered it), ``confidence`` (0 to 1),
        ``estimated_cost_hours_per_week`` (or None) and ``rule`` (a stable key). A
        suggestion that breaks this contract is not stored; the classify answer lists
        it under ``rejected``, naming the plugin.
    """


@hookspec
def register_exporters() -> Any:
    """Offer file formats for value streams, maps, backlogs and the portfolio.

    Called once per app when it starts; the exporters are listed at
    ``GET /api/v1/exporters`` and used by ``/export?format=NAME``, GraphQL and
    ``vsm export``/``vsm report``. Two plugins offering the same name is an error.

    Args:
        (none): the hook takes no arguments.

    Returns:
        A list of ``core.exporting.Exporter``: each with a unique ``name`` (the
        ``format`` clients ask for), its ``media_type`` and file ``extension``, the
        ``subjects`` it can export (any of ``value_stream``, ``map``, ``backlog``,
        ``portfolio``) and ``render(subject, data)``, a function that yields the
        file in ``bytes`` or ``str`` chunks so large files stream. ``data`` is a
        ``core.snapshots.ValueStreamSnapshot`` for ``value_stream`` and ``backlog``,
        a ``core.snapshots.MapSnapshot`` for ``map`` and a
        ``core.snapshots.PortfolioSnapshot`` for ``portfolio``: plain read-only data.
    """
