"""The executive summary's rules: red, amber or green with the reasons, the decisions a
steering meeting has to take, and what changed since the last readout."""

from datetime import UTC, datetime

import pytest

from core.exports.readout_figures import ReadoutFigures, TargetFigure, changes
from core.metrics.rag import (
    Rag,
    RiskFigures,
    StreamFigures,
    TargetFigures,
    decisions,
    portfolio_rag,
    stream_rag,
)
from tests.api_client import Api
from tests.factories import Factory


def stream(**overrides: object) -> StreamFigures:
    values: dict[str, object] = {
        "name": "Quote to cash",
        "phase": "Map",
        "next_phase": "Desired state",
        "overdue": False,
        "days_in_phase": 3,
        "timebox_days": 14,
        "gate_passed": True,
        "blocking": (),
        "targets": (TargetFigures("lead time", "on_track", "ahead of plan"),),
        "open_risks": (RiskFigures("Key analyst leaves", 6, "Vera"),),
    }
    return StreamFigures(**{**values, **overrides})  # type: ignore[arg-type]


def test_a_stream_on_course_is_green() -> None:
    assert stream_rag(stream()).rag is Rag.green


@pytest.mark.parametrize(
    ("overrides", "rag", "reason"),
    [
        ({"overdue": True, "days_in_phase": 20}, Rag.red, "20 days in Map, past its timebox"),
        (
            {"targets": (TargetFigures("lead time", "off_track", "2 days behind"),)},
            Rag.red,
            "target lead time is off track",
        ),
        (
            {"gate_passed": False, "blocking": ("Sponsor sign-off",)},
            Rag.amber,
            "the gate to Desired state is blocked by 1 criterion",
        ),
        (
            {"targets": (TargetFigures("lead time", "no_data", ""),)},
            Rag.amber,
            "target lead time has no measurement yet",
        ),
        (
            {"open_risks": (RiskFigures("Vendor exits", 16, None),)},
            Rag.amber,
            "risk Vendor exits has exposure 16",
        ),
    ],
)
def test_the_colour_follows_the_worst_reason(
    overrides: dict[str, object], rag: Rag, reason: str
) -> None:
    rated = stream_rag(stream(**overrides))

    assert rated.rag is rag
    assert reason in rated.reasons


def test_red_keeps_the_amber_reasons_after_the_red_ones() -> None:
    rated = stream_rag(stream(overdue=True, days_in_phase=20, gate_passed=False, blocking=("x",)))

    assert rated.reasons[0].endswith("past its timebox")
    assert rated.reasons[1].startswith("the gate to Desired state is blocked")


def test_the_decisions_name_what_to_decide_most_pressing_first() -> None:
    needed = decisions(
        stream(
            overdue=True,
            days_in_phase=20,
            gate_passed=False,
            blocking=("Sponsor sign-off", "Risk log"),
            targets=(TargetFigures("lead time", "off_track", "12 days against 8 planned"),),
            open_risks=(RiskFigures("Vendor exits", 20, None),),
        )
    )

    assert needed == [
        "Quote to cash has been in Map for 20 days, past its timebox of 14 days: extend the "
        "timebox, move on, or stop",
        "Target lead time is off track (12 days against 8 planned): change course or the target",
        "The gate to Desired state is blocked by Sponsor sign-off, Risk log: who unblocks it, "
        "by when",
        "Risk Vendor exits, exposure 20 of 25 (no owner): accept, mitigate or escalate",
    ]


def test_a_stream_on_course_needs_no_decision() -> None:
    assert decisions(stream()) == []


def figures(**overrides: object) -> ReadoutFigures:
    values: dict[str, object] = {
        "value_stream_id": "s",
        "at": datetime(2026, 11, 30, tzinfo=UTC),
        "name": "Quote to cash",
        "phase": "map",
        "phase_name": "Map",
        "cycle": 1,
        "gate_passed": False,
        "overdue": False,
        "days_in_phase": 3,
        "lead_time_seconds": 20 * 86400,
        "activity_ratio": 0.05,
        "rolled_pca_percent": 40.0,
        "backlog_done": 2,
        "backlog_total": 10,
        "targets": {"t": TargetFigure(name="lead time", status="at_risk")},
    }
    return ReadoutFigures.model_validate({**values, **overrides})


def test_what_changed_since_the_last_readout_reads_as_sentences() -> None:
    before = figures()
    now = figures(
        phase="desired_state",
        phase_name="Desired state",
        lead_time_seconds=15 * 86400,
        backlog_done=5,
        targets={"t": TargetFigure(name="lead time", status="on_track")},
        open_risks=[{"title": "Vendor exits", "exposure": 12, "owner": None}],
    )

    assert changes(before, now) == [
        "Moved from Map to Desired state.",
        "Lead time 20.0 days → 15.0 days (-25 %).",
        "3 backlog items more done (5 of 10).",
        "Target lead time went from at risk to on track.",
        "New open risk Vendor exits (exposure 12).",
    ]


def test_nothing_changed_says_nothing() -> None:
    assert changes(figures(), figures()) == []


def test_a_gate_that_opened_in_the_same_phase_is_said() -> None:
    assert changes(figures(), figures(gate_passed=True)) == ["The gate now passes."]


@pytest.mark.parametrize(
    ("row", "rag", "reasons"),
    [
        ({"overdue": False, "blocking": 0, "target_counts": {"on_track": 2}}, Rag.green,
         ("on course",)),
        ({"overdue": True, "blocking": 2, "target_counts": {}}, Rag.red,
         ("past its timebox", "gate blocked by 2 criteria")),
        ({"overdue": False, "blocking": 0, "target_counts": {"off_track": 1, "at_risk": 2}},
         Rag.red, ("1 target off track", "2 targets at risk")),
        ({"overdue": False, "blocking": 1, "target_counts": {"no_data": 1}}, Rag.amber,
         ("gate blocked by 1 criterion", "1 target without data")),
    ],
)  # fmt: skip
def test_a_portfolio_row_is_coloured_by_the_same_rule(
    row: dict[str, object], rag: Rag, reasons: tuple[str, ...]
) -> None:
    rated = portfolio_rag(**row)  # type: ignore[arg-type]

    assert (rated.rag, rated.reasons) == (rag, reasons)


def test_the_portfolio_readout_colours_each_stream(viewer: Api, factory: Factory) -> None:
    factory.value_stream(name="Blocked at the start")

    markdown = viewer.get("/api/v1/portfolio/export", params={"format": "markdown"}).text

    row = next(line for line in markdown.splitlines() if "Blocked at the start" in line)
    assert row.startswith("| **Amber**: gate blocked by ")
    assert "1 amber." in markdown
