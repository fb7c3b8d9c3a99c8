"""Value stream maps over REST: steps with durations, handoffs, metrics, waste."""

from typing import Any

import pytest

from core.maps import measuring
from tests.api_client import Api
from tests.factories import Factory


def _three_step_map(factory: Factory, editor: Api) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    stream = factory.value_stream()
    stream_map = factory.map(stream, kind="current")
    steps = [
        factory.step(stream_map, name="Request", role="PO", process_time="PT1H", wait_time="4 h"),
        factory.step(stream_map, name="Build", role="Dev", process_time="2h", wait_time="PT8H"),
        factory.step(stream_map, name="Release", role="Ops", process_time="1 h", wait_time=0),
    ]
    return stream_map, steps


def test_steps_store_durations_in_seconds_and_show_iso(editor: Api, factory: Factory) -> None:
    _stream_map, steps = _three_step_map(factory, editor)

    assert steps[0]["process_seconds"] == 3600
    assert steps[0]["wait_time"] == "PT4H"
    assert [s["position"] for s in steps] == [0, 1, 2]


def test_map_metrics_of_a_chain(editor: Api, factory: Factory) -> None:
    stream_map, steps = _three_step_map(factory, editor)

    metrics = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/metrics"))

    assert metrics["lead_time_seconds"] == 16 * 3600
    assert metrics["process_time_seconds"] == 4 * 3600
    assert metrics["activity_ratio"] == 0.25
    assert metrics["bottleneck_step_id"] == steps[1]["id"]


def test_export_import_round_trip(editor: Api, factory: Factory) -> None:
    stream_map, steps = _three_step_map(factory, editor)
    editor.ok(
        editor.post(
            f"/api/v1/maps/{stream_map['id']}/handoffs",
            {"from_step_id": steps[0]["id"], "to_step_id": steps[1]["id"], "cross_team": True},
        ),
        201,
    )
    editor.ok(
        editor.post(
            f"/api/v1/maps/{stream_map['id']}/handoffs",
            {"from_step_id": steps[1]["id"], "to_step_id": steps[2]["id"]},
        ),
        201,
    )
    for fmt, media in (("json", "application/json"), ("yaml", "application/yaml")):
        exported = editor.get(f"/api/v1/maps/{stream_map['id']}/document", params={"format": fmt})
        other = factory.value_stream()
        document = exported.text.replace("kind: current", "kind: desired").replace(
            '"kind": "current"', '"kind": "desired"'
        )

        imported = editor.ok(
            editor.post(
                f"/api/v1/value-streams/{other['id']}/maps/import",
                content=document.encode(),
                headers={"content-type": media},
            ),
            201,
        )

        again = editor.get(f"/api/v1/maps/{imported['id']}/document", params={"format": fmt}).text
        assert again == document


def test_classify_suggests_waste_and_skips_what_is_known(editor: Api, factory: Factory) -> None:
    stream_map, _steps = _three_step_map(factory, editor)

    first = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))
    second = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    assert "waste_rules" in first["classifiers"]
    assert any(f["category"] == "delays" for f in first["created"])
    assert second["created"] == []
    assert second["skipped_known"] == len(first["created"])


def test_the_old_export_address_still_answers_the_document_and_says_it_is_deprecated(
    editor: Api, factory: Factory
) -> None:
    stream_map = factory.map(factory.value_stream())
    factory.step(stream_map, name="Pick")

    document = editor.get(f"/api/v1/maps/{stream_map['id']}/document", params={"format": "yaml"})
    old = editor.get(f"/api/v1/maps/{stream_map['id']}/export", params={"format": "yaml"})
    described = editor.ok(editor.get("/schema/openapi.json"))["paths"]

    assert old.status_code == 200
    assert old.text == document.text
    assert old.headers["deprecation"] == "true"
    assert "deprecation" not in document.headers
    assert described["/api/v1/maps/{map_id}/export"]["get"]["deprecated"] is True
    assert described["/api/v1/maps/{map_id}/document"]["get"]["deprecated"] is False


def test_map_metrics_are_kept_until_a_step_or_handoff_changes(
    editor: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream_map, steps = _three_step_map(factory, editor)
    url = f"/api/v1/maps/{stream_map['id']}/metrics"
    computed: list[str] = []
    compute = measuring.compute_map_metrics

    def counting(picture: Any) -> Any:
        computed.append(picture.id)
        return compute(picture)

    monkeypatch.setattr(measuring, "compute_map_metrics", counting)
    first = editor.ok(editor.get(url))
    again = editor.ok(editor.get(url))
    editor.ok(editor.patch(f"/api/v1/steps/{steps[0]['id']}", {"wait_time": "PT20H"}, if_match=1))
    changed = editor.ok(editor.get(url))

    assert again == first
    assert computed == [stream_map["id"]] * 2, "once for the map, once after the change"
    assert changed["lead_time_seconds"] == first["lead_time_seconds"] + 16 * 3600
