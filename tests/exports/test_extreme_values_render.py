"""Every exporter renders every number the database may hold.

Input validation keeps new values in range, but rows stored before it (or written by
another tool) can hold anything a float column takes: 1e308, -1e308, the smallest
subnormal, infinities and, on PostgreSQL, NaN. The rows are inserted directly here,
past the API's validation, and every export of the stream must still answer 200 with
a file that says what the values are.
"""

import io
import json
import math
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
import sqlalchemy

from core.models.target import FlowTarget, Measurement
from core.models.value_stream_map import MapStep
from plugins.formatting import duration, number
from plugins.readout.charts import sparkline
from tests import dbs
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory

TINY = 5e-324
INF = float("inf")


def _strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: no NaN, no Infinity."""

    def refuse(constant: str) -> Any:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def extreme(factory: Factory, tenant: Tenant, database_url: str) -> dict[str, Any]:
    """A stream whose targets, measurements and step times hold the extremes of a float."""
    made = factory.exportable_stream(name="Extremes")
    stream_id = uuid.UUID(made["stream"]["id"])
    org = tenant.organization.id
    huge_id, endless_id, flat_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def target(ident: uuid.UUID, key: str, baseline: float, goal: float) -> FlowTarget:
        return FlowTarget(
            id=ident,
            organization_id=org,
            value_stream_id=stream_id,
            metric="custom",
            custom_key=key,
            unit="things",
            baseline=baseline,
            target=goal,
            direction="lower_is_better",
            start_date=date(2026, 1, 1),
            due_date=date(2027, 1, 1),
        )

    measured = {
        huge_id: [1e308, -1e308, TINY, -TINY],
        endless_id: [INF, -INF, 3.0],
        flat_id: [0.0, 0.0],
    }
    if dbs.is_postgres():
        measured[endless_id].append(math.nan)  # SQLite stores NaN as NULL: it cannot get in

    async def work(session: Any) -> None:
        session.add_all(
            [
                target(huge_id, "huge", 1e308, -1e308),
                target(endless_id, "endless", INF, -INF),
                target(flat_id, "flat", 0.0, 0.0),
            ]
        )
        await session.flush()
        for ident, values in measured.items():
            for day, value in enumerate(values, start=1):
                session.add(
                    Measurement(
                        organization_id=org,
                        target_id=ident,
                        value=value,
                        measured_at=datetime(2026, 2, day, tzinfo=UTC),
                    )
                )
        first_step = uuid.UUID(made["steps"][0]["id"])
        await session.exec(
            sqlalchemy.update(MapStep)
            .where(MapStep.id == first_step)
            .values(process_seconds=1e308, wait_seconds=1e308)
        )

    run_in_db(database_url, work)
    return made


def _export(api: Api, made: dict[str, Any], fmt: str) -> Any:
    response = api.get(
        f"/api/v1/value-streams/{made['stream']['id']}/export", params={"format": fmt}
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    "fmt", ["json", "html", "markdown", "pdf", "xlsx", "measurements-csv", "mermaid"]
)
def test_every_export_of_a_stream_holding_extreme_values_answers(
    viewer: Api, extreme: dict[str, Any], fmt: str
) -> None:
    response = _export(viewer, extreme, fmt)

    assert response.content


def test_the_json_export_stays_strict_json_and_keeps_what_json_can_hold(
    viewer: Api, extreme: dict[str, Any]
) -> None:
    document = _strict_json(_export(viewer, extreme, "json").text)

    targets = {t["custom_key"]: t for t in document["targets"]}
    assert (targets["huge"]["baseline"], targets["huge"]["target"]) == (1e308, -1e308)
    assert [m["value"] for m in targets["huge"]["measurements"]] == [1e308, -1e308, TINY, -TINY]
    assert targets["endless"]["baseline"] is None, "JSON has no infinity: it is null"
    assert [m["value"] for m in targets["endless"]["measurements"]][:3] == [None, None, 3.0]


def test_the_readouts_write_extreme_values_readably(viewer: Api, extreme: dict[str, Any]) -> None:
    markdown = _export(viewer, extreme, "markdown").text
    html = _export(viewer, extreme, "html").text

    rows = markdown.splitlines()
    assert any("1e+308" in row and "-1e+308" in row for row in rows if row.startswith("| Huge"))
    assert any("∞" in row and "-∞" in row for row in rows if row.startswith("| Endless"))
    assert "values x 1e+308" in html, "the chart of the huge target is drawn scaled"
    assert re.search(r"\d values? not drawn: not a finite number", html)
    assert not re.search(r"\d{30}", markdown + html), "no number is written out in full"


def test_the_workbook_keeps_numbers_a_spreadsheet_cannot_hold_as_text(
    viewer: Api, extreme: dict[str, Any]
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(viewer, extreme, "xlsx").content))

    rows = list(book["Measurements"].iter_rows(values_only=True))
    header = rows[0]
    values = {
        (row[header.index("metric")], row[header.index("value")])
        for row in rows[1:]
        if row[header.index("metric")] in ("huge", "endless", "flat")
    }
    assert {("huge", "1e+308"), ("huge", "-1e+308"), ("huge", "4.94e-324")} <= values
    assert {("endless", "∞"), ("endless", "-∞"), ("endless", 3), ("flat", 0)} <= values


def test_the_map_of_a_step_with_extreme_times_renders(viewer: Api, extreme: dict[str, Any]) -> None:
    for fmt in ("svg", "mermaid"):
        response = viewer.get(
            f"/api/v1/maps/{extreme['current']['id']}/render", params={"format": fmt}
        )
        assert response.status_code == 200, response.text
        assert not re.search(r"\d{30}", response.text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e308, "1e+308"),
        (-1e308, "-1e+308"),
        (TINY, "4.94e-324"),
        (0.004, "0.004"),
        (0.0, "0"),
        (-0.0, "0"),
        (1234.5, "1,234"),
        (INF, "∞"),
        (-INF, "-∞"),
        (math.nan, "NaN"),
    ],
)
def test_numbers_are_written_short_whatever_their_size(value: float, shown: str) -> None:
    assert number(value) == shown


def test_durations_of_any_size_are_written_short() -> None:
    assert duration(1e308) == "1.16e+303 d"
    assert duration(INF) == "∞ s"


def test_a_sparkline_spans_the_whole_float_range_and_leaves_gaps_for_non_numbers() -> None:
    assert sparkline([-1e308, 0.0, 1e308]) == "▁▅█"
    assert sparkline([1.0, math.nan, INF, 2.0]) == "▁  █"
    assert sparkline([7.0, 7.0]) == "▄▄"
    assert sparkline([math.nan]) == " "
