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
