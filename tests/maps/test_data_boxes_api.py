"""Data boxes (demand, working time, cycle times, inventory) and rework loops over the API."""

from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

ACME_BOX = {
    "demand_units": 18_400,
    "demand_working_days": 20,
    "shifts_per_day": 2,
    "shift_hours": 8,
    "break_minutes_per_shift": 20,
}
"""Acme Stamping's demand and working time (Rother & Shook, Learning to See, 1999)."""

ACME_STEPS = [
    ("Stamping", "PT1S", 85, None, "5 days"),
    ("S. Weld #1", "PT39S", 100, 7000, None),
    ("S. Weld #2", "PT46S", 80, 1700, None),
    ("Assembly #1", "PT62S", 100, 2450, None),
    ("Assembly #2", "PT40S", 100, 1840, None),
    ("Shipping", None, None, 4140, None),
]


def acme_map(factory: Factory) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    stream_map = factory.map(factory.value_stream(), **ACME_BOX)
    steps = []
    for name, cycle, uptime, inventory, wait in ACME_STEPS:
        fields: dict[str, Any] = {"name": name, "role": "Operator", "process_time": cycle or 0}
        if cycle:
            fields["cycle_time"] = cycle
        for key, value in (("uptime_percent", uptime), ("queue_size", inventory)):
            if value is not None:
                fields[key] = value
        if wait:
            fields["wait_time"] = wait
        steps.append(factory.step(stream_map, **fields))
    return stream_map, steps


def test_a_map_and_its_steps_keep_their_data_boxes(editor: Api, factory: Factory) -> None:
    stream_map, steps = acme_map(factory)

    stored = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}"))
    assert {key: stored[key] for key in ACME_BOX} == ACME_BOX
    assert steps[3]["cycle_seconds"] == 62
    assert steps[3]["cycle_time"] == "PT1M2S"
    assert steps[2]["uptime_percent"] == 80


def test_the_constraint_and_the_longest_queue_are_told_apart(editor: Api, factory: Factory) -> None:
    """Learning to See's Acme Stamping: takt 60 s; the 62 s assembly cell is the
    constraint while the longest queue (7.6 days) waits in front of the first weld."""
    stream_map, steps = acme_map(factory)

    metrics = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/metrics"))

    assert metrics["takt_time_seconds"] == pytest.approx(60)
    assert metrics["constraint_step_id"] == steps[3]["id"]
    assert metrics["longest_queue_step_id"] == steps[1]["id"]
    assert metrics["steps_short_of_demand"] == [steps[3]["id"]]
    assert round(metrics["lead_time_days"], 1) == 23.6
    assert metrics["steps_missing_wait_time"] == []


def test_the_same_metrics_over_graphql(editor: Api, factory: Factory) -> None:
    stream_map, steps = acme_map(factory)

    answer = editor.graphql(
        """query($id: ID!) { map(id: $id) { demandUnits steps { cycleTime }
        metrics { taktTimeSeconds constraintStepId longestQueueStepId
        stepCapacity { stepId unitsPerDay demandRatio } } } }""",
        {"id": stream_map["id"]},
    )

    found = answer["data"]["map"]
    assert found["demandUnits"] == 18_400
    assert found["steps"][3]["cycleTime"] == "PT1M2S"
    metrics = found["metrics"]
    assert metrics["taktTimeSeconds"] == pytest.approx(60)
    assert metrics["constraintStepId"] == steps[3]["id"]
    assert metrics["longestQueueStepId"] == steps[1]["id"]
    assembly = next(row for row in metrics["stepCapacity"] if row["stepId"] == steps[3]["id"])
    assert assembly["unitsPerDay"] == pytest.approx(55_200 / 62)
    assert assembly["demandRatio"] < 1


@pytest.mark.parametrize(
    ("box", "field"),
    [
        ({"shifts_per_day": 3, "shift_hours": 9}, "shift_hours"),
        ({"shift_hours": 1, "break_minutes_per_shift": 60}, "break_minutes_per_shift"),
        ({"demand_units": 0}, "demand_units"),
    ],
)
def test_a_data_box_without_working_time_is_refused(
    editor: Api, factory: Factory, box: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    response = editor.post(
        f"/api/v1/value-streams/{stream['id']}/maps", {"kind": "current", "name": "M", **box}
    )

    assert_problem(response, 422, field=field)


def test_a_change_that_leaves_no_working_time_is_refused(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), shifts_per_day=3, shift_hours=8)
    url = f"/api/v1/maps/{stream_map['id']}"

    response = editor.patch(url, {"shift_hours": 9}, if_match=f'"{stream_map["version"]}"')

    assert_problem(response, 422, field="shift_hours")
    assert editor.ok(editor.get(url))["shift_hours"] == 8


def test_a_rework_loop_goes_back_and_adds_expected_rework(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream())
    build = factory.step(stream_map, name="Build", process_time="1 h", wait_time="2 h")
    test = factory.step(
        stream_map,
        name="Test",
        process_time="1 h",
        wait_time="3 h",
        percent_complete_accurate=80,
    )

    loop = factory.handoff(stream_map, test, build, rework=True, wait_time="1 h")

    assert loop["rework"] is True
    assert loop["wait_time"] == "PT1H"
    metrics = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/metrics"))
    assert metrics["lead_time_seconds"] == 7 * 3600
    assert metrics["rework_loops"][0]["expected_seconds"] == pytest.approx(0.2 * 8 * 3600)
    assert metrics["lead_time_with_rework_seconds"] == pytest.approx(8.6 * 3600)


def test_a_plain_handoff_back_is_refused_and_names_rework(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream())
    build = factory.step(stream_map, name="Build")
    test = factory.step(stream_map, name="Test")
    factory.handoff(stream_map, build, test)

    response = editor.post(
        f"/api/v1/maps/{stream_map['id']}/handoffs",
        {"from_step_id": test["id"], "to_step_id": build["id"]},
    )

    body = assert_problem(response, 422)
    assert "rework loop" in body["detail"]


def test_a_rework_loop_forward_is_refused(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream())
    build = factory.step(stream_map, name="Build")
    test = factory.step(stream_map, name="Test")

    response = editor.post(
        f"/api/v1/maps/{stream_map['id']}/handoffs",
        {"from_step_id": build["id"], "to_step_id": test["id"], "rework": True},
    )

    assert_problem(response, 422, field="to_step_id")


def test_data_boxes_and_loops_survive_a_document_round_trip(editor: Api, factory: Factory) -> None:
    stream_map, steps = acme_map(factory)
    factory.handoff(stream_map, steps[4], steps[3], rework=True, rework_percent=5, wait_time="1 h")
    exported = editor.get(f"/api/v1/maps/{stream_map['id']}/document", params={"format": "json"})
    other = factory.value_stream()

    imported = editor.ok(
        editor.post(
            f"/api/v1/value-streams/{other['id']}/maps/import",
            content=exported.content,
            headers={"content-type": "application/json"},
        ),
        201,
    )

    before = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/metrics"))
    after = editor.ok(editor.get(f"/api/v1/maps/{imported['id']}/metrics"))
    for key in ("takt_time_seconds", "lead_time_seconds", "expected_rework_seconds"):
        assert after[key] == pytest.approx(before[key])
    assert after["rework_loops"][0]["rework_percent"] == 5
