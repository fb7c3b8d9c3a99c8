"""A third-party classifier, installed as a real distribution, adds waste findings.

`tests/example_plugin/` is a package an outside team could publish: it depends on
pluggy only and declares an entry point in the `vsm` group. The session installs it
with pip into a temporary directory; this module puts that directory on `sys.path`
while its tests run, so the plugin manager finds the plugin exactly as a production
install would, next to the built-in `waste_rules`.

The last tests hold the service to its side of the contract with classifiers: a
plugin's suggestions are outside input, so a faulty one must not store a finding
that points at another map or that the API can no longer read back.
"""

import ast
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
from litestar.testing import TestClient

from api.app import create_app
from core.config import Settings
from core.models.token import Role
from core.plugins import build_plugin_manager
from tests import packages
from tests.api_client import Api
from tests.conftest import Tenant
from tests.factories import Factory

EXAMPLE_SOURCE = Path(__file__).resolve().parents[1] / "example_plugin"
MODULE = "vsm_example_classifier"
DISTRIBUTION = "vsm-example-classifier"
ENTRY_POINT = "example_classifier"

hookimpl = pluggy.HookimplMarker("vsm")


@pytest.fixture(scope="session")
def example_plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example distribution installed by pip into a directory of its own."""
    return packages.install(EXAMPLE_SOURCE, tmp_path_factory.mktemp("example-plugin"), MODULE)


@pytest.fixture(scope="module")
def example_plugin_on_path(example_plugin_site: Path) -> Iterator[Path]:
    """The installed plugin importable while this module runs, and gone afterwards."""
    with packages.importable(example_plugin_site, MODULE) as site:
        yield site


@pytest.fixture(scope="module")
def plugin_manager(example_plugin_on_path: Path) -> pluggy.PluginManager:
    """Built as the app builds it: every plugin of the `vsm` entry-point group."""
    return build_plugin_manager()


def _map_with_handoffs(
    factory: Factory, editor: Api
) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """Three steps: a cross-team handoff (built-in rule) and an unnamed one (the example's)."""
    stream = factory.value_stream()
    stream_map = factory.map(stream, kind="current")
    steps = [
        factory.step(stream_map, name="Ask", role="PO", team="Product", process_time="1 h"),
        factory.step(stream_map, name="Build", role="Dev", team="Dev", process_time="2 h"),
        factory.step(stream_map, name="Check", role="QA", team="Dev", process_time="1 h"),
    ]
    url = f"/api/v1/maps/{stream_map['id']}/handoffs"
    handoffs = [
        editor.ok(
            editor.post(
                url,
                {
                    "from_step_id": steps[0]["id"],
                    "to_step_id": steps[1]["id"],
                    "artifact": "story",
                    "cross_team": True,
                },
            ),
            201,
        ),
        editor.ok(
            editor.post(url, {"from_step_id": steps[1]["id"], "to_step_id": steps[2]["id"]}), 201
        ),
    ]
    return stream_map, steps, handoffs


def test_the_example_plugin_imports_nothing_of_the_service() -> None:
    tree = ast.parse((EXAMPLE_SOURCE / f"{MODULE}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    outside_stdlib = imported - set(sys.stdlib_module_names)
    assert outside_stdlib == {"pluggy"}


def test_the_plugin_list_shows_the_installed_classifier_with_its_distribution(
    viewer: Api,
) -> None:
    plugins = {p["name"]: p for p in viewer.ok(viewer.get("/api/v1/plugins"))}

    assert plugins[ENTRY_POINT] == {
        "name": ENTRY_POINT,
        "hooks": ["classify_waste"],
        "distribution": DISTRIBUTION,
        "version": "0.1.0",
        "built_in": False,
    }
    assert "classify_waste" in plugins["waste_rules"]["hooks"]
    assert plugins["waste_rules"]["distribution"] == "valuestream"


def test_classify_stores_the_example_suggestions_next_to_the_built_in_ones(
    editor: Api, factory: Factory
) -> None:
    stream_map, _steps, handoffs = _map_with_handoffs(factory, editor)

    outcome = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    assert {ENTRY_POINT, "waste_rules"} <= set(outcome["classifiers"])
    assert outcome["classifiers"] == sorted(outcome["classifiers"])
    by_classifier: dict[str, list[dict[str, Any]]] = {}
    for finding in outcome["created"]:
        by_classifier.setdefault(finding["classifier"], []).append(finding)
    (example,) = by_classifier[ENTRY_POINT]
    assert example["handoff_id"] == handoffs[1]["id"]
    assert example["step_id"] is None
    assert example["category"] == "transportation"
    assert example["rule"] == "example.unnamed_handoff"
    assert example["status"] == "suggested"
    assert example["source"] == "classifier"
    assert example["confidence"] == 0.55
    assert "'Build' -> 'Check'" in example["evidence"]
    built_in = by_classifier["waste_rules"]
    assert any(f["handoff_id"] == handoffs[0]["id"] for f in built_in)
    stored = editor.ok(
        editor.get(f"/api/v1/maps/{stream_map['id']}/findings", params={"source": "classifier"})
    )["items"]
    assert {(f["classifier"], f["id"]) for f in stored} == {
        (f["classifier"], f["id"]) for f in outcome["created"]
    }


def test_classify_again_stores_no_second_copy_of_the_example_suggestion(
    editor: Api, factory: Factory
) -> None:
    stream_map, _steps, _handoffs = _map_with_handoffs(factory, editor)
    first = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    second = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    assert second["created"] == []
    assert second["skipped_known"] == len(first["created"])


def test_the_example_plugin_reads_its_own_key_of_the_classifier_config(
    database_url: str, tenant: Tenant, plugin_manager: pluggy.PluginManager
) -> None:
    settings = Settings(
        database_url=database_url,
        auth_cache_seconds=0,
        classifier_config={ENTRY_POINT: {"confidence": 0.9}},
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings, plugins=plugin_manager)) as client:
        editor = Api(client, tenant.secrets[Role.editor])
        stream_map, _steps, _handoffs = _map_with_handoffs(Factory(editor), editor)

        outcome = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    example = [f for f in outcome["created"] if f["classifier"] == ENTRY_POINT]
    assert [f["confidence"] for f in example] == [0.9]


def test_the_plugin_is_gone_once_its_directory_leaves_the_path(
    example_plugin_site: Path,
) -> None:
    """What other test modules see: without the directory, no example plugin is loaded."""
    names = packages.plugin_names_without(example_plugin_site)

    assert ENTRY_POINT not in names
    assert "waste_rules" in names


# --- the service's side of the contract: a faulty classifier cannot corrupt stored findings


class _Suggestion:
    """What a careless plugin might return: the right attribute names, any values."""

    def __init__(self, **values: Any) -> None:
        defaults = {
            "category": "delays",
            "step_id": None,
            "handoff_id": None,
            "description": "Something is slow.",
            "evidence": "a hunch",
            "confidence": 0.5,
            "estimated_cost_hours_per_week": None,
            "rule": "careless.rule",
        }
        self.__dict__.update({**defaults, **values})


class _Careless:
    """A classifier that answers whatever the test gives it."""

    def __init__(self, *suggestions: _Suggestion) -> None:
        self.__name__ = "careless"
        self.suggestions = list(suggestions)

    @hookimpl
    def classify_waste(self, flow_map: Any) -> list[_Suggestion]:
        return self.suggestions


def _classify_with(
    settings: Settings, tenant: Tenant, plugin: _Careless, setup: Any
) -> tuple[Any, list[dict[str, Any]], int, Any]:
    """Run classify with only `plugin` registered; answer the classify response, the
    findings as REST lists them afterwards (with that list's status) and what `setup` made."""
    manager = build_plugin_manager(built_ins=False, load_entry_points=False, extra=(plugin,))
    with TestClient(create_app(settings, plugins=manager)) as client:
        editor = Api(client, tenant.secrets[Role.editor])
        made = setup(Factory(editor), plugin)
        stream_map = made["map"]
        response = editor.post(f"/api/v1/maps/{stream_map['id']}/classify")
        listed = editor.get(f"/api/v1/maps/{stream_map['id']}/findings")
        items = listed.json().get("items", []) if listed.status_code == 200 else []
        return response, items, listed.status_code, made


def test_a_suggestion_for_a_step_of_another_map_is_not_stored_on_this_map(
    settings: Settings, tenant: Tenant
) -> None:
    def setup(factory: Factory, plugin: _Careless) -> dict[str, Any]:
        stream = factory.value_stream()
        here = factory.map(stream, kind="current")
        factory.step(here, name="Here", process_time="1 h")
        elsewhere = factory.map(stream, kind="desired")
        foreign = factory.step(elsewhere, name="Elsewhere", process_time="1 h")
        plugin.suggestions.append(_Suggestion(step_id=foreign["id"]))
        return {"map": here, "foreign": foreign}

    response, items, listed, made = _classify_with(settings, tenant, _Careless(), setup)

    _assert_refused_as_the_plugin_s_fault(response, "a step of another map")
    assert listed == 200
    assert [f for f in items if f["step_id"] == made["foreign"]["id"]] == []


def test_a_malformed_suggestion_through_graphql_leaves_the_rest_list_readable(
    settings: Settings, tenant: Tenant
) -> None:
    """GraphQL does not re-validate what it answers, so a bad value would be stored."""
    plugin = _Careless(_Suggestion(confidence=1.5))
    manager = build_plugin_manager(built_ins=False, load_entry_points=False, extra=(plugin,))
    with TestClient(create_app(settings, plugins=manager)) as client:
        editor = Api(client, tenant.secrets[Role.editor])
        stream_map = Factory(editor).map(Factory(editor).value_stream(), kind="current")
        Factory(editor).step(stream_map, name="Only", process_time="1 h")

        editor.graphql(
            "mutation($id: ID!) { classifyMap(id: $id) { skippedKnown } }",
            {"id": stream_map["id"]},
        )
        listed = editor.get(f"/api/v1/maps/{stream_map['id']}/findings")

    assert listed.status_code == 200, listed.text
    assert [f["confidence"] for f in listed.json()["items"]] == []


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"confidence": 1.5}, "confidence above 1"),
        ({"confidence": -0.1}, "negative confidence"),
        ({"estimated_cost_hours_per_week": -3.0}, "negative cost"),
        ({"category": "gossip"}, "unknown category"),
        ({"step_id": "not-a-uuid"}, "step id that is no id"),
    ],
)
def test_a_malformed_suggestion_is_refused_without_a_server_error_or_a_stored_finding(
    settings: Settings, tenant: Tenant, bad: dict[str, Any], why: str
) -> None:
    def setup(factory: Factory, plugin: _Careless) -> dict[str, Any]:
        stream_map = factory.map(factory.value_stream(), kind="current")
        factory.step(stream_map, name="Only", process_time="1 h")
        plugin.suggestions.append(_Suggestion(**bad))
        return {"map": stream_map}

    response, items, listed, _made = _classify_with(settings, tenant, _Careless(), setup)

    _assert_refused_as_the_plugin_s_fault(response, why)
    assert listed == 200, f"{why}: the findings list no longer answers"
    assert items == [], f"{why}: stored {items}"


def _assert_refused_as_the_plugin_s_fault(response: Any, why: str) -> None:
    """Skipping the suggestion (2xx) or an error that names the faulty plugin; never a
    client error (the caller sent nothing wrong) and never an anonymous server error."""
    status = response.status_code
    assert status not in (400, 422), f"{why} blamed on the caller: {response.text}"
    if status >= 500:
        assert "careless" in response.json()["detail"], f"{why}: {response.text}"


# --- several plugins, one finding per kind of waste and target


class _Named(_Careless):
    def __init__(self, name: str, *suggestions: _Suggestion) -> None:
        super().__init__(*suggestions)
        self.__name__ = name


def test_two_plugins_seeing_the_same_waste_make_one_finding_with_both_rules(
    settings: Settings, tenant: Tenant
) -> None:
    first = _Named("stopwatch")
    second = _Named("interviews")
    manager = build_plugin_manager(built_ins=False, load_entry_points=False, extra=(first, second))
    with TestClient(create_app(settings, plugins=manager)) as client:
        editor = Api(client, tenant.secrets[Role.editor])
        factory = Factory(editor)
        stream_map = factory.map(factory.value_stream(), kind="current")
        step = factory.step(stream_map, name="Approve", process_time="1 h")
        first.suggestions.append(
            _Suggestion(
                step_id=step["id"],
                confidence=0.6,
                evidence="waits 9 h",
                rule="stopwatch.wait",
                statement="A wait over 3x the work is a delay.",
                estimated_cost_hours_per_week=2.0,
            )
        )
        second.suggestions.append(
            _Suggestion(
                step_id=step["id"], confidence=0.5, evidence="people complain", rule="ask.mood"
            )
        )

        answer = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))
        listed = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/findings"))["items"]

    [finding] = answer["created"]
    assert listed == [finding]
    assert (finding["classifier"], finding["rule"]) == ("stopwatch", "stopwatch.wait")
    assert finding["rule_statement"] == "A wait over 3x the work is a delay."
    assert finding["evidence"] == "waits 9 h. Also interviews ask.mood: people complain"
    assert [(r["classifier"], r["rule"], r["evidence"]) for r in finding["rules"]] == [
        ("stopwatch", "stopwatch.wait", "waits 9 h"),
        ("interviews", "ask.mood", "people complain"),
    ]
    assert finding["estimated_cost_hours_per_week"] == 2.0
    assert finding["severity"] == pytest.approx((1 - 0.4 * 0.5) * (1 + math.log10(3)))
    assert answer["skipped_known"] == 0
