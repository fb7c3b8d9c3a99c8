"""CSV and XLSX exports read back into the same rows the service holds."""

import csv
import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from core.exports.exporters import collect_exporters
from core.exports.snapshots import ValueStreamSnapshot
from core.plugins import build_plugin_manager
from plugins.tabular_export.xlsx_writer import CHUNK_SIZE, XLSX_MEDIA_TYPE
from tests.api_client import Api
from tests.factories import Factory

VALUE_STREAM_SHEETS = ["Summary", "Backlog", "Findings", "Targets", "Measurements", "Steps"]


@pytest.fixture
def made(factory: Factory) -> dict[str, Any]:
    return factory.exportable_stream(name="Quote to cash")


def _export(api: Api, url: str, fmt: str) -> Any:
    response = api.get(url, params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def _csv(api: Api, url: str, fmt: str = "csv") -> list[dict[str, str]]:
    response = _export(api, url, fmt)
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def _snapshot(api: Api, stream_id: str) -> dict[str, Any]:
    return _export(api, f"/api/v1/value-streams/{stream_id}/export", "json").json()


def _workbook(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content))


def _records(sheet: Any) -> list[dict[str, Any]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _section(lines: list[tuple[Any, Any]], title: str) -> dict[Any, Any]:
    """The summary lines under a section title, up to the next title."""
    start = lines.index((title, None)) + 1
    end = next((n for n in range(start, len(lines)) if lines[n][1] is None), len(lines))
    return dict(lines[start:end])


# --- CSV


def test_backlog_csv_has_every_item_in_rank_order_with_names_for_ids(
    viewer: Api, made: dict[str, Any]
) -> None:
    stream_id = made["stream"]["id"]
    expected = _snapshot(viewer, stream_id)["backlog"]

    rows = _csv(viewer, f"/api/v1/value-streams/{stream_id}/backlog/export")

    assert [r["id"] for r in rows] == [item["id"] for item in expected]
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    first = rows[0]
    assert first["title"] == "Automate approval"
    assert first["owner"] == "Vera Owner"
    assert first["accountable"] == "Vera Owner"
    assert first["responsible"] == 'Zoë "Z" Ökland'
    assert first["team"] == "Order team"
    assert first["milestone"] == "Q1 release"
    assert first["status"] == "ready"
    assert first["due_date"] == "2027-02-15"
    assert float(first["wsjf"]) == pytest.approx(expected[0]["wsjf"])
    assert first["findings"] == "1"
    assert first["overdue"] == "false"
    assert rows[2]["title"] == 'Zoë\'s "big", odd\nitem'
    assert rows[2]["status"] == "done"


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(
    viewer: Api, made: dict[str, Any]
) -> None:
    rows = _csv(viewer, f"/api/v1/value-streams/{made['stream']['id']}/backlog/export")

    assert rows[1]["title"] == "'=HYPERLINK('http://x.example','click')"


def test_portfolio_csv_has_one_row_per_value_stream_matching_the_portfolio(
    viewer: Api, factory: Factory, made: dict[str, Any]
) -> None:
    factory.value_stream(name="Hire to retire")
    listed = viewer.ok(viewer.get("/api/v1/portfolio", params={"limit": 100}))["items"]

    rows = _csv(viewer, "/api/v1/portfolio/export")

    assert sorted(r["id"] for r in rows) == sorted(p["id"] for p in listed)
    by_id = {r["id"]: r for r in rows}
    for entry in listed:
        row = by_id[entry["id"]]
        assert row["name"] == entry["name"]
        assert row["phase"] == entry["phase"]
        assert row["phase_name"] == entry["phase_name"]
        assert int(row["cycle"]) == entry["cycle"]
        assert int(row["backlog_items"]) == entry["backlog_items"]
        assert int(row["backlog_done"]) == entry["backlog_done"]
        assert int(row["blocking_criteria"]) == entry["blocking_criteria"]
        assert row["gate_passed"] == str(entry["gate_passed"]).lower()
        for status, count in entry["targets"].items():
            assert int(row[f"targets_{status}"]) == count
    quote = by_id[made["stream"]["id"]]
    assert quote["owner"] == "Vera Owner"
    assert int(quote["backlog_items"]) == 3
    assert int(quote["backlog_done"]) == 1
    assert quote["blocking"]


def test_findings_csv_lists_the_waste_of_every_map_with_names_and_labels(
    viewer: Api, made: dict[str, Any]
) -> None:
    rows = _csv(viewer, f"/api/v1/value-streams/{made['stream']['id']}/export", "findings-csv")

    assert len(rows) == 1
    (row,) = rows
    assert row["map"] == "As is"
    assert row["map_kind"] == "current"
    assert row["step"] == "Approve"
    assert row["category"] == "Delays, wait time and bottlenecks"
    assert row["category_key"] == "delays"
    assert row["status"] == "confirmed"
    assert row["source"] == "person"
    assert float(row["cost_hours_per_week"]) == 12.5
    assert float(row["confidence"]) == 0.8
    assert row["id"] == made["finding"]["id"]


def test_measurements_csv_has_every_measurement_with_its_target(
    viewer: Api, made: dict[str, Any]
) -> None:
    rows = _csv(viewer, f"/api/v1/value-streams/{made['stream']['id']}/export", "measurements-csv")

    assert [(r["metric"], r["value"], r["source"]) for r in rows] == [
        ("lead_time", "18.0", "manual"),
        ("lead_time", "15.0", "jira"),
    ]
    first = rows[0]
    assert first["unit"] == "days"
    assert float(first["baseline"]) == 20
    assert float(first["target"]) == 10
    assert first["direction"] == "lower_is_better"
    assert first["due_date"] == "2027-06-30"
    assert datetime.fromisoformat(first["measured_at"]) == datetime.fromisoformat(
        "2026-09-01T00:00:00+00:00"
    )
    assert first["target_id"] == made["targets"][0]["id"]


def test_csv_streams_one_line_per_row(viewer: Api, made: dict[str, Any]) -> None:
    snapshot = ValueStreamSnapshot.model_validate(_snapshot(viewer, made["stream"]["id"]))
    exporter = collect_exporters(build_plugin_manager())["csv"]

    chunks = list(exporter.chunks("backlog", snapshot))

    assert len(chunks) == 1 + len(snapshot.backlog)
    assert all(chunk.endswith(b"\r\n") for chunk in chunks)


def test_csv_is_not_offered_for_a_whole_value_stream(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get(
        f"/api/v1/value-streams/{made['stream']['id']}/export", params={"format": "csv"}
    )

    assert response.status_code == 422
    assert "findings-csv" in response.json()["detail"]


# --- XLSX


def test_value_stream_workbook_has_every_sheet_with_the_stream_s_values(
    viewer: Api, made: dict[str, Any]
) -> None:
    stream_id = made["stream"]["id"]
    response = _export(viewer, f"/api/v1/value-streams/{stream_id}/export", "xlsx")

    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    book = _workbook(response.content)
    assert book.sheetnames == VALUE_STREAM_SHEETS

    lines = [row[:2] for row in book["Summary"].iter_rows(values_only=True) if row[0]]
    summary = dict(lines)
    current = _section(lines, "Current-state map")
    desired = _section(lines, "Desired-state map")
    assert summary["Value stream"] == "Quote to cash"
    assert summary["Owner"] == "Vera Owner"
    assert summary["Items"] == 3
    assert summary["Done"] == 1
    hours = 1 + 24 + 0.25 + 48 + 2 + 4
    assert current["Lead time (days)"] == pytest.approx(hours / 24)
    assert desired["Lead time (days)"] == pytest.approx(5 / 24)
    assert current["Cross-team handoffs"] == 1

    backlog = _records(book["Backlog"])
    assert [r["title"] for r in backlog] == [
        "Automate approval",
        "=HYPERLINK('http://x.example','click')",
        'Zoë\'s "big", odd\nitem',
    ]
    assert backlog[0]["owner"] == "Vera Owner"
    assert backlog[0]["due_date"] == datetime(2027, 2, 15)
    assert backlog[0]["rank"] == 1
    assert backlog[0]["overdue"] is False

    findings = _records(book["Findings"])
    assert [(f["step"], f["category_key"], f["cost_hours_per_week"]) for f in findings] == [
        ("Approve", "delays", 12.5)
    ]
    targets = _records(book["Targets"])
    assert [t["metric"] for t in targets] == ["lead_time", "approvals_per_week"]
    assert targets[0]["latest_value"] == 15
    assert targets[0]["percent_of_way"] == pytest.approx(0.5)
    measurements = _records(book["Measurements"])
    assert [(m["metric"], m["value"]) for m in measurements] == [
        ("lead_time", 18),
        ("lead_time", 15),
    ]
    assert measurements[0]["measured_at"] == datetime(2026, 9, 1)
    steps = _records(book["Steps"])
    as_is = [s for s in steps if s["map"] == "As is"]
    assert [s["step"] for s in as_is] == ['Quote "fast" <b>now</b>', "Approve", "Ship"]
    assert as_is[0]["process_hours"] == 1
    assert as_is[0]["wait_hours"] == 24
    assert as_is[0]["percent_complete_accurate"] == pytest.approx(0.8)
    assert len(steps) == 5


def test_workbook_cells_are_typed_and_sheets_have_a_frozen_filtered_header(
    viewer: Api, made: dict[str, Any]
) -> None:
    response = _export(viewer, f"/api/v1/value-streams/{made['stream']['id']}/export", "xlsx")
    book = _workbook(response.content)

    for name in VALUE_STREAM_SHEETS[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert sheet["A1"].font.b, name
    backlog = book["Backlog"]
    header = [cell.value for cell in backlog[1]]
    due = backlog.cell(row=2, column=header.index("due_date") + 1)
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    targets = book["Targets"]
    header = [cell.value for cell in targets[1]]
    share = targets.cell(row=2, column=header.index("percent_of_way") + 1)
    assert share.number_format == "0.0%"
    formula = backlog.cell(row=3, column=[c.value for c in backlog[1]].index("title") + 1)
    assert formula.data_type == "s"


def test_portfolio_workbook_has_one_sheet_with_a_row_per_value_stream(
    viewer: Api, factory: Factory, made: dict[str, Any]
) -> None:
    factory.value_stream(name="Hire to retire")

    response = _export(viewer, "/api/v1/portfolio/export", "xlsx")

    book = _workbook(response.content)
    assert book.sheetnames == ["Portfolio"]
    rows = _records(book["Portfolio"])
    assert sorted(r["name"] for r in rows) == ["Hire to retire", "Quote to cash"]
    quote = next(r for r in rows if r["name"] == "Quote to cash")
    assert quote["backlog_items"] == 3
    assert quote["backlog_done_percent"] == pytest.approx(1 / 3, 0.01)
    assert quote["overdue"] in (True, False)


def test_an_empty_value_stream_still_makes_a_workbook(viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    response = _export(viewer, f"/api/v1/value-streams/{stream['id']}/export", "xlsx")

    book = _workbook(response.content)
    assert book.sheetnames == VALUE_STREAM_SHEETS
    assert _records(book["Backlog"]) == []


def test_xlsx_streams_in_chunks_of_at_most_64_kib(viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream(name="Big")
    snapshot = ValueStreamSnapshot.model_validate(_snapshot(viewer, stream["id"]))
    item = _snapshot_item(snapshot)
    snapshot.backlog = [
        item.model_copy(update={"title": f"Item {n} " + "x" * 150}) for n in range(3000)
    ]
    exporter = collect_exporters(build_plugin_manager())["xlsx"]

    chunks = list(exporter.chunks("value_stream", snapshot))

    assert len(chunks) > 1
    assert all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    book = _workbook(b"".join(chunks))
    assert book["Backlog"].max_row == 3001


def _snapshot_item(snapshot: ValueStreamSnapshot) -> Any:
    from core.exports.snapshots import BacklogEntry

    now = datetime(2026, 1, 1)
    return BacklogEntry.model_validate(
        {
            "id": "00000000-0000-0000-0000-000000000001",
            "value_stream_id": snapshot.value_stream.id,
            "title": "Item",
            "rank": "a",
            "wsjf": 2.0,
            "finding_ids": [],
            "step_ids": [],
            "expected_effects": [],
            "overdue": False,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "due_date": date(2027, 1, 1),
        }
    )
