"""How plugins are loaded, turned off and called, without an app."""

from typing import Any

import pluggy
import pytest

from core import plugin_calls
from core.config import Settings
from core.exports.exporters import collect_exporters
from core.plugins import BUILT_IN, PluginSetupError, build_plugin_manager

hookimpl = pluggy.HookimplMarker("vsm")


class Named:
    def __init__(self, name: str) -> None:
        self.__name__ = name


class Suggests(Named):
    """A classifier answering `answer`, for telling whose answer is whose."""

    def __init__(self, name: str, answer: Any) -> None:
        super().__init__(name)
        self.answer = answer

    @hookimpl
    def classify_waste(self) -> Any:
        return self.answer


class Misspelt(Named):
    @hookimpl
    def clasify_waste(self, flow_map: Any) -> list[Any]:
        return []


def _names(manager: pluggy.PluginManager) -> set[str]:
    return {name for name, plugin in manager.list_name_plugin() if plugin is not None}


def test_the_built_ins_load_without_any_entry_point() -> None:
    manager = build_plugin_manager(load_entry_points=False)

    assert _names(manager) == set(BUILT_IN)


def test_a_disabled_built_in_is_not_loaded_and_its_formats_are_gone() -> None:
    manager = build_plugin_manager(disabled=["readout"])

    assert "readout" not in _names(manager)
    assert {"html", "markdown", "pdf"}.isdisjoint(collect_exporters(manager))


def test_a_disabled_third_party_plugin_is_not_loaded() -> None:
    manager = build_plugin_manager(disabled=["tidy"], extra=(Suggests("tidy", []),))

    assert "tidy" not in _names(manager)


def test_disabling_a_name_that_is_no_plugin_s_stops_the_start() -> None:
    with pytest.raises(PluginSetupError, match=r"waste_rule\b.*no plugin"):
        build_plugin_manager(disabled=["waste_rule"])


def test_a_misspelt_hook_stops_the_start_naming_the_plugin_and_the_hook() -> None:
    with pytest.raises(PluginSetupError) as refused:
        build_plugin_manager(extra=(Misspelt("sloppy"),))

    message = str(refused.value)
    assert "sloppy" in message and "clasify_waste" in message and "classify_waste" in message


def test_the_setting_reads_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSM_DISABLED_PLUGINS", "readout, mermaid_export")

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.disabled_plugins == ["readout", "mermaid_export"]


def test_each_plugin_s_answer_comes_with_its_name() -> None:
    manager = build_plugin_manager(
        built_ins=False,
        load_entry_points=False,
        extra=(Suggests("first", ["a"]), Suggests("silent", None), Suggests("last", ["b"])),
    )

    answers = dict(plugin_calls.each(manager, "classify_waste", flow_map=None, config={}))

    assert answers == {"first": ["a"], "silent": None, "last": ["b"]}


def test_a_wrapper_wraps_each_plugin_s_call() -> None:
    class Counting(Named):
        calls = 0

        @hookimpl(wrapper=True)
        def classify_waste(self) -> Any:
            Counting.calls += 1
            return (yield)

    manager = build_plugin_manager(
        built_ins=False,
        load_entry_points=False,
        extra=(Counting("counting"), Suggests("one", ["a"]), Suggests("two", ["b"])),
    )

    answers = dict(plugin_calls.each(manager, "classify_waste", flow_map=None, config={}))

    assert answers == {"one": ["a"], "two": ["b"]}
    assert Counting.calls == 2


def test_a_failing_plugin_is_named() -> None:
    class Failing(Named):
        @hookimpl
        def classify_waste(self) -> Any:
            raise KeyError("steps")

    manager = build_plugin_manager(
        built_ins=False, load_entry_points=False, extra=(Failing("broken"),)
    )

    with pytest.raises(plugin_calls.PluginFailed, match="plugin broken failed in classify_waste"):
        list(plugin_calls.each(manager, "classify_waste", flow_map=None, config={}))
