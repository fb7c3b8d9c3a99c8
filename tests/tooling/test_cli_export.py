"""`vsm export` and `vsm report`: files a scheduler can mail, and clear refusals.

The data is arranged through the API; the commands then read the same database the
way an operator runs them, with `VSM_DATABASE_URL` set.
"""

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from api.cli import app
from core.exports.exporters import collect_exporters
from core.plugins import build_plugin_manager
from tests.cli import run_vsm
from tests.factories import Factory

READOUT_SIGNATURES = {"html": b"<", "markdown": b"#", "pdf": b"%PDF"}


@pytest.fixture
def vsm(database_url: str) -> Any:
    """Runs `vsm ARGS...` against the test database; answers click's Result."""
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), env={"VSM_DATABASE_URL": database_url})

    return invoke


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder for what the commands write, apart from the test's database file."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def made(factory: Factory) -> dict[str, Any]:
    return factory.exportable_stream(name="Quote to cash")


def _refused(result: Any, *words: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr if result.stderr else result.output
    for word in words:
        assert word in message, message


# --- vsm export


def test_export_writes_a_value_stream_workbook(
    vsm: Any, made: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "stream.xlsx"

    result = vsm(
        "export",
        "--org",
        "acme",
        "--value-stream",
        made["stream"]["id"],
        "--format",
        "xlsx",
        "--output",
        str(target),
    )

    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.stdout
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Backlog", "Findings", "Targets", "Measurements", "Steps"]
    assert book["Backlog"]["B2"].value == "Automate approval"
    assert not list(tmp_path.glob("*.part"))


def test_export_of_the_portfolio_to_standard_output(
    vsm: Any, made: dict[str, Any], factory: Factory
) -> None:
    factory.value_stream(name="Hire to retire")

    result = vsm("export", "--org", "acme", "--portfolio", "--format", "csv", "--output", "-")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(r["name"] for r in rows) == ["Hire to retire", "Quote to cash"]


def test_export_of_a_backlog_into_a_folder_takes_the_api_s_file_name(
    vsm: Any, made: dict[str, Any], tmp_path: Path
) -> None:
    result = vsm(
        "export",
        "--org",
        "acme",
        "--value-stream",
        made["stream"]["id"],
        "--backlog",
        "--format",
        "csv",
        "-o",
        str(tmp_path),
    )

    assert result.exit_code == 0, result.output
    written = tmp_path / "quote-to-cash-backlog.csv"
    rows = list(csv.DictReader(written.open(encoding="utf-8", newline="")))
    assert rows[0]["title"] == "Automate approval"


def test_export_without_output_writes_into_the_current_folder(
    vsm: Any, made: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = vsm(
        "export", "--org", "acme", "--value-stream", made["stream"]["id"], "--format", "json"
    )

    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "quote-to-cash.json").read_text())
    assert document["value_stream"]["id"] == made["stream"]["id"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--portfolio", "--format", "docx"], ["docx", "available", "xlsx"]),
        (["--value-stream", "{stream}", "--format", "csv"], ["csv", "findings-csv"]),
        (["--value-stream", "{stream}", "--backlog", "--format", "xlsx"], ["xlsx"]),
        (["--value-stream", str(uuid.uuid4()), "--format", "json"], ["not found"]),
        (["--value-stream", "not-an-id", "--format", "json"], ["not-an-id"]),
        (["--format", "json"], ["--value-stream", "--portfolio"]),
        (["--value-stream", "{stream}", "--portfolio", "--format", "json"], ["either"]),
        (["--portfolio", "--backlog", "--format", "csv"], ["--backlog"]),
    ],
)
def test_export_refuses_with_exit_code_2_and_says_why(
    vsm: Any, made: dict[str, Any], tmp_path: Path, args: list[str], words: list[str]
) -> None:
    args = [a.replace("{stream}", made["stream"]["id"]) for a in args]

    result = vsm("export", "--org", "acme", *args, "--output", str(tmp_path / "out"))

    _refused(result, *words)
    assert not (tmp_path / "out").exists()


def test_export_of_an_unknown_organization_is_refused(vsm: Any, made: dict[str, Any]) -> None:
    result = vsm("export", "--org", "nobody", "--portfolio", "--format", "csv")

    _refused(result, "nobody", "not found")


def test_export_cannot_reach_another_organization_s_stream(
    vsm: Any, made: dict[str, Any], other_tenant: Any, tmp_path: Path
) -> None:
    result = vsm(
        "export",
        "--org",
        other_tenant.slug,
        "--value-stream",
        made["stream"]["id"],
        "--format",
        "json",
        "-o",
        str(tmp_path / "x.json"),
    )

    _refused(result, "not found")
    assert not (tmp_path / "x.json").exists()


# --- vsm report


def test_a_scheduled_report_writes_only_to_standard_output(
    made: dict[str, Any], factory: Factory, database_url: str, tmp_path: Path
) -> None:
    """As cron runs it: from the home folder, no terminal; cron mails any standard error."""
    factory.value_stream(name="Hire to retire")

    result = run_vsm(
        "report", "--org", "acme", "--format", "json", "--output", "weekly",
        cwd=tmp_path, database_url=database_url, executable=True,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(line.split()[1] for line in result.stdout.splitlines()) == [
        "weekly/hire-to-retire.json",
        "weekly/portfolio.json",
        "weekly/quote-to-cash.json",
    ]


def test_report_writes_a_readout_per_value_stream_and_the_portfolio(
    vsm: Any, made: dict[str, Any], factory: Factory, tmp_path: Path
) -> None:
    factory.value_stream(name="Hire to retire")
    folder = tmp_path / "weekly" / "2026-48"

    result = vsm("report", "--org", "acme", "--format", "xlsx", "--output", str(folder))

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "hire-to-retire.xlsx",
        "portfolio.xlsx",
        "quote-to-cash.xlsx",
    ]
    assert openpyxl.load_workbook(folder / "portfolio.xlsx").sheetnames == ["Portfolio"]
    summary = openpyxl.load_workbook(folder / "quote-to-cash.xlsx")["Summary"]
    assert summary["B3"].value == "Quote to cash"
    assert result.stdout.count("wrote ") == 3
    assert result.stderr == ""


def test_report_of_one_value_stream_writes_only_its_readout(
    vsm: Any, made: dict[str, Any], factory: Factory, out: Path
) -> None:
    factory.value_stream(name="Hire to retire")

    result = vsm(
        "report",
        "--org",
        "acme",
        "--value-stream",
        made["stream"]["id"],
        "--format",
        "json",
        "-o",
        str(out),
    )

    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["quote-to-cash.json"]


def test_report_in_a_format_without_a_portfolio_form_says_so(
    vsm: Any, made: dict[str, Any], out: Path
) -> None:
    result = vsm("report", "--org", "acme", "--format", "findings-csv", "-o", str(out))

    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["quote-to-cash-findings.csv"]
    assert "no portfolio report" in result.stdout
    assert result.stderr == ""


def test_export_names_each_csv_for_what_it_holds(vsm: Any, made: dict[str, Any], out: Path) -> None:
    stream = made["stream"]["id"]

    for fmt in ("findings-csv", "measurements-csv"):
        result = vsm("export", "--org", "acme", "-f", fmt, "--value-stream", stream, "-o", str(out))
        assert result.exit_code == 0, result.output

    assert sorted(p.name for p in out.iterdir()) == [
        "quote-to-cash-findings.csv",
        "quote-to-cash-measurements.csv",
    ]


def test_report_gives_streams_whose_names_look_alike_a_file_each(
    vsm: Any, factory: Factory, out: Path
) -> None:
    first = factory.value_stream(name="Order / Pay")
    second = factory.value_stream(name="Order Pay")

    result = vsm("report", "--org", "acme", "--format", "json", "-o", str(out))

    assert result.exit_code == 0, result.output
    ids = {
        json.loads(p.read_text())["value_stream"]["id"]
        for p in out.iterdir()
        if p.name.startswith("order-pay")
    }
    assert ids == {first["id"], second["id"]}


def test_report_of_an_organization_without_streams_writes_the_portfolio_only(
    vsm: Any, tenant: Any, out: Path
) -> None:
    result = vsm("report", "--org", "acme", "--format", "json", "-o", str(out))

    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["portfolio.json"]
    assert json.loads((out / "portfolio.json").read_text())["rows"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--org", "acme", "--format", "docx"], ["docx"]),
        (["--org", "acme", "--format", "csv"], ["csv"]),
        (["--org", "nobody", "--format", "json"], ["nobody"]),
        (["--org", "acme", "--format", "json", "--value-stream", str(uuid.uuid4())], ["not found"]),
    ],
)
def test_report_refuses_with_exit_code_2(
    vsm: Any, tenant: Any, tmp_path: Path, args: list[str], words: list[str]
) -> None:
    result = vsm("report", *args, "-o", str(tmp_path / "out"))

    _refused(result, *words)


@pytest.mark.parametrize("fmt", sorted(READOUT_SIGNATURES))
def test_report_in_the_readout_formats(vsm: Any, made: dict[str, Any], out: Path, fmt: str) -> None:
    exporter = collect_exporters(build_plugin_manager()).get(fmt)
    if exporter is None:
        pytest.skip(f"no {fmt} exporter is installed")

    result = vsm("report", "--org", "acme", "--format", fmt, "-o", str(out))

    assert result.exit_code == 0, result.output
    readout = out / f"quote-to-cash.{exporter.extension}"
    assert readout.read_bytes().lstrip().startswith(READOUT_SIGNATURES[fmt])
    if "portfolio" in exporter.subjects:
        assert (out / f"portfolio.{exporter.extension}").stat().st_size > 0
