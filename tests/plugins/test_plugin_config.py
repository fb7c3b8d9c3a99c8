"""An organization's configuration of a plugin: stored, validated, and what classify uses."""

from collections.abc import Mapping
from typing import Any

import pluggy
import pytest

from core.foundation.plugin_config import MAX_CONFIG_BYTES
from core.plugins import build_plugin_manager
from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

hookimpl = pluggy.HookimplMarker("vsm")

DEFAULTS = {"waste_rules": {"bottleneck_share": 0.7, "runs_per_week": 3}}
URL = "/api/v1/plugins/waste_rules/config"


class RecordingClassifier:
    """A third-party classifier that keeps the configuration each classify hands it."""

    def __init__(self) -> None:
        self.__name__ = "recorder"
        self.configs: list[Mapping[str, Any]] = []

    @hookimpl
    def classify_waste(self, flow_map: Any, config: Mapping[str, Any]) -> list[Any]:
        self.configs.append(config)
        return []


@pytest.fixture
def recorder() -> RecordingClassifier:
    return RecordingClassifier()


@pytest.fixture
def plugin_manager(recorder: RecordingClassifier) -> pluggy.PluginManager:
    return build_plugin_manager(extra=(recorder,))


@pytest.fixture
def configured(app_with: Any) -> Api:
    """An admin of an app whose deployment sets defaults for the built-in classifier."""
    return app_with(classifier_config=DEFAULTS)  # type: ignore[no-any-return]


def _classify(api: Api) -> dict[str, Any]:
    factory = Factory(api)
    stream_map = factory.map(factory.value_stream(), kind="current")
    factory.step(stream_map, name="Build", process_time="1 h")
    return api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/classify"))  # type: ignore[no-any-return]


def test_a_plugin_nobody_configured_reads_the_deployment_default_at_version_0(
    configured: Api,
) -> None:
    answer = configured.get(URL)

    assert configured.ok(answer) == {
        "plugin": "waste_rules",
        "config": {},
        "effective": DEFAULTS["waste_rules"],
        "version": 0,
    }
    assert answer.headers["ETag"] == '"0"'


def test_the_stored_configuration_overrides_the_default_key_by_key(configured: Api) -> None:
    stored = configured.ok(configured.put(URL, {"runs_per_week": 5}, if_match=0))

    assert stored["version"] == 1
    assert stored["config"] == {"runs_per_week": 5}
    assert stored["effective"] == {"bottleneck_share": 0.7, "runs_per_week": 5}
    assert configured.ok(configured.get(URL)) == stored


def test_classify_hands_each_plugin_its_organization_s_configuration(
    configured: Api, recorder: RecordingClassifier
) -> None:
    configured.ok(configured.put("/api/v1/plugins/recorder/config", {"depth": 2}, if_match=0))

    _classify(configured)

    (seen,) = recorder.configs
    assert seen["recorder"] == {"depth": 2}
    assert seen["waste_rules"] == DEFAULTS["waste_rules"]


def test_another_organization_s_classify_does_not_see_the_configuration(
    admin: Api, outsider: Api, recorder: RecordingClassifier
) -> None:
    admin.ok(admin.put("/api/v1/plugins/recorder/config", {"depth": 2}, if_match=0))

    _classify(outsider)

    (seen,) = recorder.configs
    assert "recorder" not in seen


def test_a_plugin_that_is_not_loaded_is_not_found_naming_the_field(admin: Api) -> None:
    assert_problem(admin.get("/api/v1/plugins/nosuch/config"), 404, field="name")
    assert_problem(admin.put("/api/v1/plugins/nosuch/config", {}, if_match=0), 404, field="name")


def test_a_threshold_the_plugin_refuses_is_not_stored(admin: Api) -> None:
    refused = admin.put(URL, {"bottleneck_share": 2}, if_match=0)

    body = assert_problem(refused, 422, field="config")
    assert "bottleneck_share" in body["detail"]
    assert admin.ok(admin.get(URL))["version"] == 0


def test_a_configuration_past_the_size_limit_is_refused(admin: Api) -> None:
    big = {"words": "x" * MAX_CONFIG_BYTES}

    assert_problem(
        admin.put("/api/v1/plugins/recorder/config", big, if_match=0), 422, field="config"
    )


def test_a_configuration_that_is_no_object_is_refused_through_graphql(admin: Api) -> None:
    answer = admin.graphql(
        'mutation { setPluginConfig(name: "recorder", expectedVersion: 0, config: [1, 2]) '
        "{ version } }"
    )

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["config"]


def test_a_stale_version_is_refused(admin: Api) -> None:
    admin.ok(admin.put(URL, {"runs_per_week": 5}, if_match=0))

    assert_problem(admin.put(URL, {"runs_per_week": 6}, if_match=0), 412)


def test_only_an_admin_configures_a_plugin(editor: Api) -> None:
    assert_problem(editor.put(URL, {"runs_per_week": 5}, if_match=0), 403)


def test_an_editor_reads_the_configuration(editor: Api) -> None:
    assert editor.ok(editor.get(URL))["plugin"] == "waste_rules"
