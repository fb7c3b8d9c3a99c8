"""The readout shows what a leader looks for in delivery and across cycles: the spread of
every duration with its percentile method, the aging work in progress now and week by
week, when the work in progress is likely done, and this cycle's current state against
the previous cycle's maps; in HTML, Markdown and PDF."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.exports.snapshots import ValueStreamSnapshot
from plugins.readout.context import stream_context
from tests.api_client import Api
from tests.exports.test_readout_render import section
from tests.factories import Factory

DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def two_step_map(factory: Factory, stream: dict[str, Any], wait: str, **extra: Any) -> Any:
    """Two steps of a day's work each, waiting `wait` before each: lead time 2 d + 2 waits."""
    made = factory.map(stream, **extra)
    build = factory.step(made, name="Build", role="Developer", process_time="1 day", wait_time=wait)
    check = factory.step(made, name="Check", role="Tester", process_time="1 day", wait_time=wait)
    factory.api.ok(
        factory.api.post(
            f"/api/v1/maps/{made['id']}/handoffs",
            {"from_step_id": build["id"], "to_step_id": check["id"]},
        ),
        201,
    )
    return made


def force(admin: Api, stream: dict[str, Any], *phases: str) -> None:
    for phase in phases:
        moved = Factory(admin).transition(
            stream["id"], phase, force=True, justification="Readout analytics test"
        )
        assert moved.status_code == 201, moved.text


@pytest.fixture
def looped(factory: Factory, admin: Api) -> dict[str, Any]:
    return looped_stream(factory, admin)


def looped_stream(factory: Factory, admin: Api) -> dict[str, Any]:
    """A stream in its second cycle, with delivery data relative to now.

    Cycle 1 mapped a lead time of 10 days (two steps of 1 day, each waiting 4) and chose a
    desired state of 4 days (waits of 1); cycle 2's current state came about at 6 days
    (waits of 2). Five features finished 20 days ago after 2, 4, 6, 8 and 10 days; two are
    in progress, begun 9 and 3 days ago.
    """
    stream = factory.value_stream(name="Order to delivery")
    force(admin, stream, "planning", "current_state")
    two_step_map(factory, stream, "4 days", kind="current", name="Orders in cycle 1")
    force(admin, stream, "desired_state")
    two_step_map(factory, stream, "1 day", kind="desired", name="Orders planned", chosen=True)
    force(admin, stream, "transformation_plan", "execution", "iterate")
    two_step_map(factory, stream, "2 days", kind="current", name="Orders in cycle 2")
    now = datetime.now(UTC).replace(microsecond=0)
    finished = now - 20 * DAY
    items = [
        {
            "external_id": f"D-{days}",
            "type": "feature",
            "title": f"Delivered in {days} days",
            "created": iso(finished - days * DAY),
            "started": iso(finished - days * DAY),
            "finished": iso(finished),
        }
        for days in (2, 4, 6, 8, 10)
    ]
    items += [
        {
            "external_id": f"F-{days}",
            "type": "feature",
            "title": f"Begun {days} days ago",
            "created": iso(now - days * DAY),
            "started": iso(now - days * DAY),
        }
        for days in (9, 3)
    ]
    factory.ingest(stream, "work-items", items)
    return stream


def export(api: Api, stream: dict[str, Any], fmt: str) -> Any:
    response = api.get(f"/api/v1/value-streams/{stream['id']}/export?format={fmt}")
    assert response.status_code == 200, response.text
    return response


def cells(html: str) -> list[list[str]]:
    """Each table row's cells as text."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def test_the_html_readout_shows_the_spread_of_flow_time_and_names_its_method(
    viewer: Api, looped: dict[str, Any]
) -> None:
    """Flow times of 2, 4, 6, 8 and 10 days: mean 6, and by linear interpolation (Hyndman
    and Fan's definition 7) p50 6, p85 at position 3.4 = 8 + 0.4 x 2 = 8.8 and p95 at 3.8 =
    8 + 0.8 x 2 = 9.6 days."""
    html = export(viewer, looped, "html").text

    delivery = section(html, "delivery-analytics")
    assert (
        "Percentiles (p50, p85, p95) by linear interpolation between the two nearest ranks"
        in delivery
    )
    rows = cells(delivery)
    assert ["Duration", "Measured over", "Count", "Mean", "p50", "p85", "p95"] in rows
    assert [
        "Flow time",
        "work items finished, from start to finish",
        "5",
        "6 d",
        "6 d",
        "8.8 d",
        "9.6 d",
    ] in rows
    assert [
        "Lead time for changes",
        "commits of successful deployments, from commit to deploy",
        "0",
        "—",
        "—",
        "—",
        "—",
    ] in rows


def test_the_html_readout_shows_the_aging_work_now_and_at_each_weeks_end(
    viewer: Api, looped: dict[str, Any]
) -> None:
    """Vacanti's aging work in progress: F-9, begun 9 days ago, is older than the
    features' p85 flow time of 8.8 days; F-3 is not. Their ages' p50 is 6 days, their p85
    3 + 0.85 x 6 = 8.1 days."""
    html = export(viewer, looped, "html").text

    delivery = section(html, "delivery-analytics")
    assert re.search(r"In progress</div><div class=\"value\">2<", delivery)
    assert "Older than their type's p85 flow time" in delivery
    assert re.search(r"<div class=\"value late\">1</div>", delivery)
    assert "6 d · 8.1 d · 8.7 d" in delivery
    rows = cells(delivery)
    assert ["feature", "2", "1", "8.1 d", "8.8 d", "5"] in rows
    oldest = [r for r in rows if r and r[0].startswith(("F-9", "F-3"))]
    assert oldest == [
        ["F-9 · Begun 9 days ago", "feature", "9 d", "8.8 d", "older than p85"],
        ["F-3 · Begun 3 days ago", "feature", "3 d", "8.8 d", ""],
    ]
    weeks = [r for r in rows if len(r) == 8 and re.match(r"\d{4}-\d{2}-\d{2}", r[0])]
    assert len(weeks) == 12
    assert weeks[-1][0].endswith("(so far)")
    assert weeks[-1][4:8] == ["2", "1", "6 d", "8.1 d"]
    assert sum(int(w[1]) for w in weeks) == 5


def test_the_readout_says_when_the_work_in_progress_is_likely_done_reproducibly(
    viewer: Api, looped: dict[str, Any]
) -> None:
    first = section(export(viewer, looped, "html").text, "delivery-analytics")
    again = section(export(viewer, looped, "html").text, "delivery-analytics")

    assert "When will the 2 work items in progress now be done?" in first
    forecast = [r for r in cells(first) if r and r[0].endswith("%")]
    assert [r[0] for r in forecast] == ["50 %", "85 %", "95 %"]
    days = [int(r[2]) for r in forecast]
    assert days == sorted(days) and days[0] >= 1
    assert "Monte Carlo" in first and "10,000 trials (seed 0)" in first
    assert "5 items finished in 90 days" in first
    assert forecast == [r for r in cells(again) if r and r[0].endswith("%")]


def test_the_readout_compares_this_cycle_with_the_previous_one(
    viewer: Api, looped: dict[str, Any]
) -> None:
    """Cycle 1's current state took 10 days and its desired state planned 4; cycle 2's
    current state takes 6: 4 days (40 %) better than before, 2 days (50 %) worse than
    planned."""
    html = export(viewer, looped, "html").text

    cycles = section(html, "cycles-compared")
    before = section_part(cycles, "compared-previous_current")
    planned = section_part(cycles, "compared-previous_desired")
    assert "cycle 1: Orders in cycle 1" in before and "cycle 2: Orders in cycle 2" in before
    assert ["Lead time", "10 d", "6 d", "-4 d", "-40 %", "better"] in cells(before)
    assert "cycle 1: Orders planned" in planned
    assert ["Lead time", "4 d", "6 d", "+2 d", "+50 %", "worse"] in cells(planned)


def section_part(html: str, element_id: str) -> str:
    match = re.search(rf'<div class="cycles-compared" id="{element_id}">(.*?)</div>', html, re.S)
    assert match, element_id
    return match.group(1)


def test_the_markdown_readout_has_the_same_numbers(viewer: Api, looped: dict[str, Any]) -> None:
    text = export(viewer, looped, "markdown").text

    assert "## Delivery: flow, aging work and forecast" in text
    assert "Percentiles (p50, p85, p95) by linear interpolation" in text
    assert (
        "| Flow time | work items finished, from start to finish | 5 | 6 d | 6 d | 8.8 d | 9.6 d |"
        in text
    )
    assert "**2** in progress, **1** older than their type's p85 flow time" in text
    assert "| feature | 2 | 1 | 8.1 d | 8.8 d | 5 |" in text
    assert re.search(
        r"\| \d{4}-\d{2}-\d{2} \(so far\) \| \d+ \| .* \| 2 \| 1 \| 6 d \| 8\.1 d \|", text
    )
    assert re.search(r"\| 85 % \| \d{4}-\d{2}-\d{2} \| \d+ \|", text)
    assert "## This cycle against the previous one" in text
    assert "| Lead time | 10 d | 6 d | -4 d | -40 % | better |" in text
    assert "| Lead time | 4 d | 6 d | +2 d | +50 % | worse |" in text


def test_the_pdf_readout_shows_the_analytics(viewer: Api, looped: dict[str, Any]) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a dev dependency) is missing")
    response = export(viewer, looped, "pdf")

    document = pdfium.PdfDocument(response.content)
    try:
        text = "".join(p.get_textpage().get_text_range() for p in document)
    finally:
        document.close()
    flat = " ".join(text.split())

    assert "Delivery: flow, aging work and forecast" in flat
    assert "linear interpolation between the two nearest ranks" in flat
    assert "Flow time work items finished, from start to finish 5 6 d 6 d 8.8 d 9.6 d" in flat
    assert "older than their type's p85 flow time" in flat.lower()
    assert "When will the 2 work items in progress now be done?" in flat
    assert "This cycle against the previous one" in flat
    assert "Lead time 10 d 6 d -4 d -40 % better" in flat


def test_a_stream_without_delivery_data_or_an_earlier_cycle_says_so(
    viewer: Api, factory: Factory
) -> None:
    stream = factory.value_stream()

    html = export(viewer, stream, "html").text
    text = export(viewer, stream, "markdown").text

    assert "No delivery data yet" in section(html, "delivery-analytics")
    assert "needs a current-state map in this cycle and one in a cycle before it" in section(
        html, "cycles-compared"
    )
    assert "_No delivery data yet" in text


def test_a_snapshot_stored_before_the_analytics_still_renders() -> None:
    """Older stored snapshots have neither field: they load with the defaults."""
    from tests.exports.test_readout_render import synthetic_stream

    stored = synthetic_stream(steps=4, items=2, targets=1, points=3).model_dump(mode="json")
    del stored["delivery"], stored["cycles_compared"]

    context = stream_context(ValueStreamSnapshot.model_validate(stored))

    assert (context["delivery"], context["cycles_compared"]) == (None, [])


def test_a_stream_in_its_third_cycle_tells_its_story_from_cycle_one_to_today(
    viewer: Api, factory: Factory, admin: Api
) -> None:
    """Cycle 1 took 10 days, cycle 2 took 6; cycle 3's current state takes 4 (waits of a
    day): 60 % less than cycle 1. Earlier cycles stay in the readout after iterating."""
    stream = looped_stream(factory, admin)
    force(admin, stream, "desired_state", "transformation_plan", "execution", "iterate")
    two_step_map(factory, stream, "1 day", kind="current", name="Orders in cycle 3")

    html = export(viewer, stream, "html").text
    markdown = export(viewer, stream, "markdown").text

    rows = cells(section(html, "story"))
    assert rows[1][:3] == ["cycle 1", "Orders in cycle 1", "10 d"]
    assert rows[2][:3] == ["cycle 2", "Orders in cycle 2", "6 d"]
    assert rows[1][5] == "4 d", "what cycle 1 planned"
    assert rows[2][6] == "-40 %"
    assert rows[3][:3] == ["today (cycle 3)", "Orders in cycle 3", "4 d"]
    assert rows[3][6] == "-60 %"
    assert "| **today** (cycle 3) | Orders in cycle 3 | 4 d |" in markdown
