"""Calling a hook plugin by plugin, when the answer must say which plugin said what.

``manager.hook.NAME(**kwargs)`` answers one flat list: pluggy drops each None and
does not say whose each result is. Classify stores which plugin suggested a finding
and names the plugin whose suggestion it refuses; the exporter registry names the
plugin of each format and both plugins that offer one name. So each plugin is called
through a hook caller of its own, ``manager.subset_hook_caller`` with every other
plugin's implementations removed: pluggy still does the calling (keyword arguments,
an implementation taking a subset of them, ``firstresult``, the order of wrappers),
and wrappers (``wrapper=True`` or ``hookwrapper=True``) of every plugin are kept, so
a plugin that wraps a hook wraps each plugin's call of it.
"""

from collections.abc import Iterator
from typing import Any

import pluggy


class PluginFailed(RuntimeError):
    """A plugin raised while answering a hook; the message names the plugin and the hook."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin} failed in {hook}: {error}")
        self.plugin = plugin
        self.hook = hook


def answering(manager: pluggy.PluginManager, hook: str) -> list[str]:
    """The plugins that implement `hook` (wrappers aside), in pluggy's call order."""
    caller: pluggy.HookCaller = getattr(manager.hook, hook)
    implementations = [impl for impl in caller.get_hookimpls() if not _wraps(impl)]
    return [impl.plugin_name for impl in reversed(implementations)]


def each(manager: pluggy.PluginManager, hook: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Each plugin's answer to `hook`, with the plugin's name; None when it answered none.

    An exception from a plugin comes out as `PluginFailed`, naming it; one of the
    service's own types (a `ValueError`, say) is kept as its cause.
    """
    for name in answering(manager, hook):
        yield name, call_one(manager, hook, name, **kwargs)


def call_one(manager: pluggy.PluginManager, hook: str, plugin: str, **kwargs: Any) -> Any:
    """`plugin`'s answer to `hook` alone (None when it answered none or lacks the hook)."""
    caller: pluggy.HookCaller = getattr(manager.hook, hook)
    others = {
        impl.plugin
        for impl in caller.get_hookimpls()
        if impl.plugin_name != plugin and not _wraps(impl)
    }
    single = manager.subset_hook_caller(hook, remove_plugins=others)
    try:
        results = single(**kwargs)
    except Exception as exc:
        raise PluginFailed(plugin, hook, exc) from exc
    if single.spec is not None and single.spec.opts.get("firstresult"):
        return results
    return results[0] if results else None


def _wraps(impl: pluggy.HookImpl) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)
