"""Plugins: registered like third-party ones, listed by the API, called with the settings."""

import inspect
import re
import types
from collections.abc import Callable
from typing import Any

import pluggy
import pytest
from litestar.testing import TestClient

from api.app import create_app
from core import hookspecs
from core.config import Settings
from core.plugins import build_plugin_manager
from tests.api_client import Api

hookimpl = pluggy.HookimplMarker("vsm")


class RecordingPlugin:
    """A third-party plugin needs nothing from us but pluggy's marker."""

    def __init__(self) -> None:
        self.__name__ = "recording-plugin"
        self.started_with: list[Any] = []

    @hookimpl
    def startup(self, settings: Any) -> None:
        self.started_with.append(settings)


@pytest.fixture
def recording_plugin() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def plugin_manager(recording_plugin: RecordingPlugin) -> pluggy.PluginManager:
    return build_plugin_manager(extra=(recording_plugin,))


def test_the_plugin_list_shows_a_registered_plugin_with_its_hooks(viewer: Api) -> None:
    plugins = viewer.ok(viewer.get("/api/v1/plugins"))

    listed = {plugin["name"]: plugin for plugin in plugins}
    assert listed["recording-plugin"] == {
        "name": "recording-plugin",
        "hooks": ["startup"],
        "distribution": None,
        "version": None,
        "built_in": False,
    }


def test_the_plugin_list_needs_a_token(anonymous: Api) -> None:
    assert anonymous.get("/api/v1/plugins").status_code == 401


def test_startup_is_called_once_with_the_settings_when_the_app_starts(
    settings: Settings, plugin_manager: pluggy.PluginManager, recording_plugin: RecordingPlugin
) -> None:
    app = create_app(settings, plugins=plugin_manager)
    before = list(recording_plugin.started_with)

    with TestClient(app):
        during = list(recording_plugin.started_with)

    assert before == []
    assert len(during) == 1 and during[0] is settings


def test_a_failing_startup_hook_stops_the_app(settings: Settings) -> None:
    class Refusing:
        @hookimpl
        def startup(self, settings: Any) -> None:
            raise RuntimeError("plugin misconfigured")

    app = create_app(settings, plugins=build_plugin_manager(extra=(Refusing(),)))

    with pytest.raises(BaseException) as caught, TestClient(app):
        pass

    assert "plugin misconfigured" in [str(error) for error in leaves(caught.value)]


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (possibly nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def undocumented_hooks(module: types.ModuleType) -> dict[str, list[str]]:
    """Every hookspec of `module` whose docstring lacks "Args:" for a parameter or "Returns:".

    Answers each faulty hook's name with what it misses.
    """
    faults: dict[str, list[str]] = {}
    for name, function in vars(module).items():
        if not callable(function) or not hasattr(function, f"{hookspecs.PROJECT_NAME}_spec"):
            continue
        missing = missing_documentation(function)
        if missing:
            faults[name] = missing
    return faults


def missing_documentation(function: Callable[..., Any]) -> list[str]:
    doc = inspect.getdoc(function) or ""
    args, _, _ = doc.partition("Returns:")
    _, has_args, args = args.partition("Args:")
    missing = []
    parameters = list(inspect.signature(function).parameters)
    if parameters and not has_args:
        missing.append("Args:")
    for parameter in parameters:
        if has_args and not re.search(rf"^\s*{re.escape(parameter)}\b[^:\n]*:", args, re.M):
            missing.append(parameter)
    if not re.search(r"^Returns:\s*\n\s+\S", doc, re.M):
        missing.append("Returns:")
    return missing


def test_every_hookspec_documents_its_arguments_and_return_value() -> None:
    assert undocumented_hooks(hookspecs) == {}


def test_the_hookspec_check_catches_undocumented_hooks() -> None:
    fake = types.ModuleType("fake_hookspecs")
    spec = pluggy.HookspecMarker(hookspecs.PROJECT_NAME)

    @spec
    def bare(flow_map: Any) -> None:
        pass

    @spec
    def summary_only(flow_map: Any) -> None:
        """Does something."""

    @spec
    def one_argument_missing(flow_map: Any, config: Any) -> Any:
        """Does something.

        Args:
            flow_map: the map.

        Returns:
            Something.
        """

    @spec
    def no_returns(flow_map: Any) -> None:
        """Does something.

        Args:
            flow_map: the map.
        """

    @spec
    def documented(flow_map: Any, config: Any) -> Any:
        """Does something.

        Args:
            flow_map: the map.
            config (dict): the settings.

        Returns:
            Something.
        """

    def not_a_hook(anything: Any) -> None:
        pass

    for function in (bare, summary_only, one_argument_missing, no_returns, documented):
        setattr(fake, function.__name__, function)
    fake.not_a_hook = not_a_hook  # type: ignore[attr-defined]

    assert undocumented_hooks(fake) == {
        "bare": ["Args:", "Returns:"],
        "summary_only": ["Args:", "Returns:"],
        "one_argument_missing": ["config"],
        "no_returns": ["Returns:"],
    }
