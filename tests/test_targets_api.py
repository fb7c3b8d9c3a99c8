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
