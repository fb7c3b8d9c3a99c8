"""Targets and measurements over REST and GraphQL: dates, units and flow measurements."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def measurements_url(target: dict[str, Any]) -> str:
    return f"/api/v1/targets/{target['id']}/measurements"


def measured(api: Api, target: dict[str, Any]) -> list[dict[str, Any]]:
    return api.ok(api.get(measurements_url(target)))["items"]


# -- measurements are not dated in the future ----------------------------------------------


@pytest.mark.parametrize("ahead", [timedelta(minutes=10), timedelta(days=365)])
def test_a_measurement_dated_ahead_of_the_clock_is_refused(
    editor: Api, factory: Factory, ahead: timedelta
) -> None:
    target = factory.target(factory.value_stream())

    response = editor.post(
        measurements_url(target),
        {"value": 15, "measured_at": iso(datetime.now(UTC) + ahead)},
    )

    body = assert_problem(response, 422, code="VALIDATION_FAILED", field="measured_at")
    assert "in the future" in body["detail"]
    assert measured(editor, target) == []


def test_a_measurement_a_minute_ahead_is_within_the_clock_skew(
    editor: Api, factory: Factory
) -> None:
    target = factory.target(factory.value_stream())
    soon = datetime.now(UTC) + timedelta(minutes=1)

    factory.measurement(target, 15, measured_at=iso(soon))

    assert [m["value"] for m in measured(editor, target)] == [15]


def test_a_measurement_cannot_be_moved_into_the_future(editor: Api, factory: Factory) -> None:
    target = factory.target(factory.value_stream())
    measurement = factory.measurement(target, 15, measured_at="2026-01-05T00:00:00Z")
    next_year = iso(datetime.now(UTC) + timedelta(days=365))

    response = editor.patch(
        f"/api/v1/measurements/{measurement['id']}", {"measured_at": next_year}, if_match=1
    )

    assert_problem(response, 422, code="VALIDATION_FAILED", field="measured_at")


def test_graphql_refuses_a_measurement_in_the_future(editor: Api, factory: Factory) -> None:
    target = factory.target(factory.value_stream())
    next_year = iso(datetime.now(UTC) + timedelta(days=365))

    answer = editor.graphql(
        "mutation($t: ID!, $at: DateTime!) {"
        " createMeasurement(targetId: $t, input: {value: 15, measuredAt: $at}) { id } }",
        {"t": target["id"], "at": next_year},
    )

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["measured_at"]
    assert measured(editor, target) == []


def test_flow_cannot_be_measured_over_a_window_ending_in_the_future(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    factory.target(stream, metric="change_failure_rate", baseline=40, target=10, unit="percent")
    start = datetime.now(UTC) - timedelta(days=7)

    response = editor.post(
        f"/api/v1/value-streams/{stream['id']}/targets/measure-flow",
        {"start": iso(start), "end": iso(start + timedelta(days=60))},
    )

    assert_problem(response, 422, code="VALIDATION_FAILED", field="end")


# -- units: a closed set per metric, stored canonically, read in the target's unit ----------


def targets_url(stream: dict[str, Any]) -> str:
    return f"/api/v1/value-streams/{stream['id']}/targets"


def test_an_unknown_unit_is_refused_listing_the_units_of_the_metric(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    body = {
        "metric": "lead_time",
        "unit": "hrs",
        "baseline": 20,
        "target": 10,
        "direction": "lower_is_better",
        "due_date": "2027-06-30",
    }

    response = editor.post(targets_url(stream), body)

    problem = assert_problem(response, 422, code="VALIDATION_FAILED", field="unit")
    (error,) = problem["errors"]
    assert error["allowed"] == ["seconds", "minutes", "hours", "days", "weeks"]
    assert editor.ok(editor.get(targets_url(stream)))["items"] == []


def test_graphql_lists_the_units_of_the_metric_too(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    answer = editor.graphql(
        "mutation($s: ID!) { createTarget(valueStreamId: $s, input: {metric: deployment_frequency,"
        ' unit: "per month", baseline: 1, target: 4, direction: higher_is_better,'
        ' dueDate: "2027-06-30"}) { id } }',
        {"s": stream["id"]},
    )

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"] == [
        {
            "field": "unit",
            "message": "'per month' is not a unit of deployment_frequency: use one of "
            "deployments per day, deployments per week",
            "allowed": ["deployments per day", "deployments per week"],
        }
    ]


def test_a_target_without_a_unit_reads_in_its_metrics_stored_unit(factory: Factory) -> None:
    target = factory.target(
        factory.value_stream(),
        metric="deployment_frequency",
        unit=None,
        baseline=0.5,
        target=2,
        direction="higher_is_better",
    )

    assert (target["unit"], target["baseline"], target["target"]) == ("deployments per day", 0.5, 2)


def test_changing_the_unit_changes_how_values_read_not_what_they_mean(
    editor: Api, factory: Factory
) -> None:
    target = factory.target(
        factory.value_stream(),
        metric="lead_time",
        unit="days",
        baseline=20,
        target=10,
        start_date="2026-01-01",
    )
    factory.measurement(target, 15, measured_at="2026-02-01T00:00:00Z")
    before = editor.ok(editor.get(f"/api/v1/targets/{target['id']}"))

    after = editor.ok(
        editor.patch(f"/api/v1/targets/{target['id']}", {"unit": "hours"}, if_match=1)
    )

    assert (after["unit"], after["baseline"], after["target"]) == ("hours", 480, 240)
    assert after["progress"]["latest_value"] == 360
    assert after["progress"]["percent_of_way"] == before["progress"]["percent_of_way"] == 50
    assert [m["value"] for m in measured(editor, target)] == [360]
    assert [m["unit"] for m in measured(editor, target)] == ["hours"]


def test_values_sent_with_a_new_unit_are_in_that_unit(editor: Api, factory: Factory) -> None:
    target = factory.target(factory.value_stream(), unit="days", baseline=20, target=10)

    after = editor.ok(
        editor.patch(f"/api/v1/targets/{target['id']}", {"unit": "weeks", "target": 1}, if_match=1)
    )

    assert (after["baseline"], after["target"]) == (pytest.approx(20 / 7), 1)


def test_a_measurement_is_given_and_read_in_its_targets_unit(editor: Api, factory: Factory) -> None:
    target = factory.target(
        factory.value_stream(),
        metric="change_failure_rate",
        unit="percent",
        baseline=40,
        target=10,
        start_date="2026-01-01",
    )
    measurement = factory.measurement(target, 25, measured_at="2026-02-01T00:00:00Z")

    patched = editor.ok(
        editor.patch(f"/api/v1/measurements/{measurement['id']}", {"value": 20}, if_match=1)
    )

    assert (measurement["value"], measurement["unit"]) == (25, "percent")
    assert (patched["value"], patched["unit"]) == (20, "percent")
    read = editor.ok(editor.get(f"/api/v1/targets/{target['id']}"))
    assert read["progress"]["latest_value"] == 20
    assert read["progress"]["percent_of_way"] == pytest.approx(66.67)


def test_graphql_reads_values_in_the_targets_unit(editor: Api, factory: Factory) -> None:
    target = factory.target(factory.value_stream(), unit="hours", baseline=58, target=45)
    factory.measurement(target, 50.5, measured_at="2026-02-01T00:00:00Z")

    answer = editor.graphql(
        "query($t: ID!) { target(id: $t) { unit baseline target"
        " measurements { value unit } progress { latestValue } } }",
        {"t": target["id"]},
    )

    assert answer["data"]["target"] == {
        "unit": "hours",
        "baseline": 58,
        "target": 45,
        "measurements": [{"value": 50.5, "unit": "hours"}],
        "progress": {"latestValue": 50.5},
    }


def test_a_custom_metric_keeps_its_own_unit(factory: Factory) -> None:
    target = factory.target(
        factory.value_stream(),
        metric="custom",
        custom_key="approvals_per_sprint",
        unit="approvals a sprint",
        baseline=10,
        target=40,
        direction="higher_is_better",
    )

    assert (target["unit"], target["baseline"], target["target"]) == ("approvals a sprint", 10, 40)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metric": "custom", "unit": "approvals"}, "custom_key"),
        ({"metric": "custom", "custom_key": "approvals"}, "unit"),
        ({"metric": "lead_time", "custom_key": "approvals"}, "custom_key"),
    ],
)
def test_custom_metric_rules_name_their_field(
    editor: Api, factory: Factory, body: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()
    full = {
        "baseline": 20,
        "target": 10,
        "direction": "lower_is_better",
        "due_date": "2027-06-30",
        **body,
    }

    response = editor.post(targets_url(stream), full)

    problem = assert_problem(response, 422, code="VALIDATION_FAILED")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "Value error" not in problem["detail"]


def mapped_stream(
    factory: Factory, current: list[tuple[str, str]], desired: list[tuple[str, str]]
) -> dict[str, Any]:
    stream = factory.value_stream()
    for kind, steps, extra in (("current", current, {}), ("desired", desired, {"chosen": True})):
        stream_map = factory.map(stream, kind=kind, **extra)
        for index, (process, wait) in enumerate(steps):
            factory.step(stream_map, name=f"Step {index}", process_time=process, wait_time=wait)
    return stream


def test_a_target_from_the_maps_reads_in_a_human_unit(editor: Api, factory: Factory) -> None:
    stream = mapped_stream(factory, [("P2D", "P20DT9H50M")], [("P1D", "P9D")])

    target = editor.ok(
        editor.post(
            f"{targets_url(stream)}/from-maps", {"metric": "lead_time", "due_date": "2027-06-30"}
        ),
        201,
    )

    assert target["unit"] == "days"
    assert target["baseline"] == pytest.approx(1_936_200 / 86_400)
    assert target["target"] == 10


def test_a_target_from_the_maps_may_choose_its_unit(editor: Api, factory: Factory) -> None:
    stream = mapped_stream(factory, [("1 h", "15 h")], [("1 h", "7 h")])

    target = editor.ok(
        editor.post(
            f"{targets_url(stream)}/from-maps",
            {"metric": "lead_time", "due_date": "2027-06-30", "unit": "minutes"},
        ),
        201,
    )

    assert (target["unit"], target["baseline"], target["target"]) == ("minutes", 960, 480)


def test_an_activity_ratio_from_the_maps_reads_in_percent(editor: Api, factory: Factory) -> None:
    stream = mapped_stream(factory, [("1 h", "9 h")], [("1 h", "1 h")])

    target = editor.ok(
        editor.post(
            f"{targets_url(stream)}/from-maps",
            {"metric": "activity_ratio", "due_date": "2027-06-30"},
        ),
        201,
    )

    assert (target["unit"], target["baseline"], target["target"]) == ("percent", 10, 50)


def test_a_flow_time_target_in_hours_is_measured_in_hours(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    target = factory.target(stream, metric="flow_time", unit="hours", baseline=48, target=24)
    factory.ingest(
        stream,
        "work-items",
        [
            {
                "external_id": "F-1",
                "type": "feature",
                "created": "2026-01-05T00:00:00Z",
                "finished": "2026-01-06T12:00:00Z",
            }
        ],
    )

    answer = editor.ok(
        editor.post(
            f"/api/v1/value-streams/{stream['id']}/targets/measure-flow",
            {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"},
        ),
        201,
    )

    assert [(m["target_id"], m["value"], m["unit"]) for m in answer["recorded"]] == [
        (target["id"], 36, "hours")
    ]


def test_flow_velocity_is_measured_as_a_rate(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    target = factory.target(
        stream,
        metric="flow_velocity",
        unit="items per week",
        baseline=5,
        target=10,
        direction="higher_is_better",
    )
    factory.ingest(
        stream,
        "work-items",
        [
            {
                "external_id": f"F-{n}",
                "type": "feature",
                "created": "2026-01-05T00:00:00Z",
                "finished": f"2026-01-{6 + n:02d}T12:00:00Z",
            }
            for n in range(7)
        ],
    )

    two_weeks = editor.ok(
        editor.post(
            f"/api/v1/value-streams/{stream['id']}/targets/measure-flow",
            {"start": "2026-01-05T00:00:00Z", "end": "2026-01-19T00:00:00Z"},
        ),
        201,
    )

    assert [(m["target_id"], m["value"]) for m in two_weeks["recorded"]] == [(target["id"], 3.5)]


# -- measure-flow: one measurement per target and window ------------------------------------

WEEK = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"}


def deployments_and_a_rate_target(factory: Factory) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stream with four deployments that week and a change-failure-rate target in percent."""
    stream = factory.value_stream()
    target = factory.target(
        stream, metric="change_failure_rate", unit="percent", baseline=40, target=10
    )
    factory.ingest(
        stream,
        "deployments",
        [{"external_id": f"D{n}", "deployed_at": f"2026-01-0{5 + n}T10:00:00Z"} for n in range(4)],
    )
    return stream, target


def measure(api: Api, stream: dict[str, Any], window: dict[str, str]) -> Any:
    return api.post(f"/api/v1/value-streams/{stream['id']}/targets/measure-flow", window)


def test_measuring_a_window_again_records_nothing_new(editor: Api, factory: Factory) -> None:
    stream, target = deployments_and_a_rate_target(factory)
    first = editor.ok(measure(editor, stream, WEEK), 201)

    again = editor.ok(measure(editor, stream, WEEK), 200)

    (recorded,) = first["recorded"]
    assert (again["recorded"], again["replaced"]) == ([], [])
    assert again["unchanged"] == [recorded]
    assert [(m["value"], m["window_start"], m["window_end"]) for m in measured(editor, target)] == [
        (0, WEEK["start"], WEEK["end"])
    ]


def test_the_same_window_written_in_another_zone_is_the_same_window(
    editor: Api, factory: Factory
) -> None:
    stream, target = deployments_and_a_rate_target(factory)
    editor.ok(measure(editor, stream, WEEK), 201)

    again = editor.ok(
        measure(
            editor,
            stream,
            {"start": "2026-01-05T01:00:00+01:00", "end": "2026-01-12T01:00:00+01:00"},
        ),
        200,
    )

    assert len(again["unchanged"]) == 1
    assert len(measured(editor, target)) == 1


def test_new_delivery_data_replaces_the_windows_measurement_with_an_audit_trail(
    editor: Api, factory: Factory
) -> None:
    stream, target = deployments_and_a_rate_target(factory)
    (first,) = editor.ok(measure(editor, stream, WEEK), 201)["recorded"]
    factory.ingest(
        stream,
        "incidents",
        [
            {
                "external_id": "INC-1",
                "opened_at": "2026-01-06T12:00:00Z",
                "deployment_external_id": "D1",
            }
        ],
    )

    again = editor.ok(measure(editor, stream, WEEK), 200)

    (replaced,) = again["replaced"]
    assert (replaced["id"], replaced["value"], replaced["version"]) == (first["id"], 25, 2)
    assert [m["value"] for m in measured(editor, target)] == [25]
    audit = editor.ok(
        editor.get("/api/v1/audit", params={"entity_type": "measurement", "entity_id": first["id"]})
    )["items"]
    changes = [(e["action"], (e["before"] or {}).get("value"), e["after"]["value"]) for e in audit]
    assert sorted(changes, key=str) == sorted(
        [("create", None, 0.0), ("update", 0.0, 0.25)], key=str
    )


def test_another_window_is_another_measurement(editor: Api, factory: Factory) -> None:
    stream, target = deployments_and_a_rate_target(factory)
    editor.ok(measure(editor, stream, WEEK), 201)

    editor.ok(
        measure(editor, stream, {"start": "2026-01-05T00:00:00Z", "end": "2026-01-08T00:00:00Z"}),
        201,
    )

    assert len(measured(editor, target)) == 2


def test_graphql_measures_a_window_once(editor: Api, factory: Factory) -> None:
    stream, target = deployments_and_a_rate_target(factory)
    mutation = (
        "mutation($s: ID!, $a: DateTime!, $b: DateTime!) {"
        " recordFlowMeasurements(valueStreamId: $s, start: $a, end: $b) {"
        " recorded { id value unit windowStart } replaced { id } unchanged { id } } }"
    )
    variables = {"s": stream["id"], "a": WEEK["start"], "b": WEEK["end"]}

    first = editor.graphql(mutation, variables)["data"]["recordFlowMeasurements"]
    again = editor.graphql(mutation, variables)["data"]["recordFlowMeasurements"]

    (recorded,) = first["recorded"]
    assert (recorded["value"], recorded["unit"]) == (0, "percent")
    assert datetime.fromisoformat(recorded["windowStart"]) == datetime(2026, 1, 5, tzinfo=UTC)
    assert again == {"recorded": [], "replaced": [], "unchanged": [{"id": recorded["id"]}]}
    assert len(measured(editor, target)) == 1


def test_a_cleared_unit_is_the_metrics_stored_unit_again(editor: Api, factory: Factory) -> None:
    target = factory.target(factory.value_stream(), unit="days", baseline=2, target=1)

    after = editor.ok(editor.patch(f"/api/v1/targets/{target['id']}", {"unit": None}, if_match=1))

    assert (after["unit"], after["baseline"], after["target"]) == ("seconds", 172_800, 86_400)


def test_a_custom_metrics_unit_cannot_be_cleared(editor: Api, factory: Factory) -> None:
    target = factory.target(
        factory.value_stream(),
        metric="custom",
        custom_key="approvals",
        unit="approvals a week",
        baseline=10,
        target=40,
        direction="higher_is_better",
    )

    response = editor.patch(f"/api/v1/targets/{target['id']}", {"unit": None}, if_match=1)

    assert_problem(response, 422, code="VALIDATION_FAILED", field="unit")


def test_the_share_of_defects_is_measured_from_the_finished_work(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    target = factory.target(
        stream,
        metric="flow_distribution_defect",
        unit="percent",
        baseline=40,
        target=20,
        direction="lower_is_better",
    )
    factory.ingest(
        stream,
        "work-items",
        [
            {
                "external_id": f"W-{n}",
                "type": kind,
                "created": "2026-01-05T00:00:00Z",
                "finished": "2026-01-06T12:00:00Z",
            }
            for n, kind in enumerate(["feature", "feature", "feature", "defect"])
        ],
    )

    answer = editor.ok(
        editor.post(
            f"/api/v1/value-streams/{stream['id']}/targets/measure-flow",
            {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"},
        ),
        201,
    )

    assert [(m["target_id"], m["value"], m["unit"]) for m in answer["recorded"]] == [
        (target["id"], 25, "percent")
    ]
