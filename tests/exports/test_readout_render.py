"""Readouts for leaders (HTML, Markdown, PDF) and the SVG picture of a map.

A realistic engagement is built through the API, exported the way a client asks for
it, and read back: every section is there, user text is escaped, the map picture has a
box per step, the Markdown has its tables and the PDF shows the stream. The renderers
are pure functions of snapshots, so their layout and speed are also checked directly.
"""

import io
import random
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.exports.snapshots import (
    BacklogEntry,
    MapSnapshot,
    TargetEntry,
    Timebox,
    ValueStreamSnapshot,
)
from core.maps.flowmap import FlowMap, Handoff, Step
from core.metrics.map_metrics import compute_map_metrics
from core.metrics.target_progress import ProgressRead
from core.models.backlog import MilestoneProgress, MilestoneRead
from core.models.target import MeasurementRead
from core.models.value_stream import ValueStreamRead
from core.models.value_stream_map import HandoffRead, MapRead, StepRead
from plugins import readout
from plugins.map_picture import map_svg, map_svg_parts
from plugins.readout.charts import Charts
from plugins.readout.templating import CHUNK
from tests.api_client import Api
from tests.factories import Factory

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


# -- an engagement built through the API ----------------------------------------------------


def build_engagement(factory: Factory, admin: Api) -> dict[str, Any]:
    """A value stream in its desired-state phase with maps, waste, backlog and targets."""
    api = factory.api
    owner = factory.person(name="Dana Owner")
    stream = factory.value_stream(
        name="Quote to cash", description="From a customer's quote to cash in the bank & back."
    )
    stream = api.ok(
        api.patch(
            f"/api/v1/value-streams/{stream['id']}",
            {"owner_id": owner["id"]},
            if_match=stream["version"],
        )
    )
    sponsor = factory.sponsor(stream)
    factory.risk(stream, title="Teams resist the new flow")
    factory.action_item(stream, title="Book the workshop room")
    factory.signoff(stream, sponsor["person_id"])

    admin_factory = Factory(admin)
    for phase in ("planning", "current_state"):
        moved = admin_factory.transition(
            stream["id"], phase, force=True, justification="Readout test: skip to mapping"
        )
        assert moved.status_code == 201, moved.text

    current = factory.map(stream, kind="current", name="Quote to cash today")
    specs = [
        ("Receive quote request", "Sales rep", "Sales", "30 min", "1 day", 90),
        (EVIL, "Solution architect", "Engineering", "4 h", "3 days", 70),
        ("Price the deal", "Deal desk", "Finance", "2 h", "2 days", 80),
        ("Legal review", "Counsel", "Legal", "1 h", "5 days", 95),
        ("Approve discount", "Sales manager", "Sales", "15 min", "2 days", 100),
        ("Send contract", "Sales rep", "Sales", "20 min", "4 h", 98),
    ]
    steps = [
        factory.step(
            current,
            name=name,
            role=role,
            team=team,
            process_time=pt,
            wait_time=wt,
            percent_complete_accurate=pca,
            people=2,
            queue_size=5,
        )
        for name, role, team, pt, wt, pca in specs
    ]
    # Pricing and legal run in parallel after the architect; both feed the approval.
    links = [(0, 1, False), (1, 2, True), (1, 3, True), (2, 4, False), (3, 4, True), (4, 5, False)]
    for a, b, cross in links:
        api.ok(
            api.post(
                f"/api/v1/maps/{current['id']}/handoffs",
                {
                    "from_step_id": steps[a]["id"],
                    "to_step_id": steps[b]["id"],
                    "cross_team": cross,
                    "artifact": "ticket",
                },
            ),
            201,
        )
    classified = api.ok(api.post(f"/api/v1/maps/{current['id']}/classify"))
    moved = admin_factory.transition(
        stream["id"], "desired_state", force=True, justification="Readout test: to desired"
    )
    assert moved.status_code == 201, moved.text

    desired = factory.map(stream, kind="desired", name="Quote to cash tomorrow", chosen=True)
    desired_steps = [
        factory.step(desired, name=name, role=role, process_time=pt, wait_time=wt)
        for name, role, pt, wt in [
            ("Self-service quote", "Customer", "10 min", "0 s"),
            ("Automated pricing", "Pricing engine", "1 min", "10 min"),
            ("Standard contract", "Sales rep", "20 min", "4 h"),
        ]
    ]

    seller = factory.person(name="Sam Seller")
    first = factory.milestone(stream, name="Pilot <b>team</b>", due_date="2026-09-30")
    second = factory.milestone(stream, name="Roll-out", due_date="2027-03-31")
    items = [
        factory.backlog_item(
            stream,
            title="Automate pricing rules",
            status="in_progress",
            owner_id=owner["id"],
            milestone_id=first["id"],
            business_value=8,
            time_criticality=5,
            risk_reduction=3,
            job_size=5,
        ),
        factory.backlog_item(
            stream,
            title="Standard contract | template",
            status="done",
            owner_id=seller["id"],
            milestone_id=first["id"],
        ),
        factory.backlog_item(stream, title="Self-service quotes", milestone_id=second["id"]),
        factory.backlog_item(stream, title="Train the deal desk"),
    ]
    targets = [
        factory.target(stream, metric="lead_time", baseline=14, target=3, unit="days"),
        factory.target(
            stream,
            metric="deployment_frequency",
            baseline=2,
            target=20,
            direction="higher_is_better",
            unit="deployments per week",
        ),
    ]
    for index, target in enumerate(targets):
        for week in range(8):
            at = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(weeks=week)
            value = target["baseline"] + (target["target"] - target["baseline"]) * week / 12
            api.ok(
                api.post(
                    f"/api/v1/targets/{target['id']}/measurements",
                    {"value": round(value + index, 2), "measured_at": at.isoformat()},
                ),
                201,
            )
    return {
        "stream": stream,
        "owner": owner,
        "current": current,
        "steps": steps,
        "desired": desired,
        "desired_steps": desired_steps,
        "findings": classified["created"],
        "milestones": [first, second],
        "items": items,
        "targets": targets,
    }


@pytest.fixture
def made(factory: Factory, admin: Api) -> dict[str, Any]:
    return build_engagement(factory, admin)


def export(api: Api, made: dict[str, Any], fmt: str) -> Any:
    response = api.get(f"/api/v1/value-streams/{made['stream']['id']}/export?format={fmt}")
    assert response.status_code == 200, response.text
    return response


def html_readout(api: Api, made: dict[str, Any]) -> str:
    return export(api, made, "html").text


def section(html: str, name: str) -> str:
    match = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no {name} section"
    return match.group(1)


# -- the exporters -----------------------------------------------------------------------------


def test_the_readout_and_picture_exporters_are_listed(viewer: Api) -> None:
    exporters = {e["name"]: e for e in viewer.ok(viewer.get("/api/v1/exporters"))}

    expected = {
        "html": ("text/html", "html", ["portfolio", "value_stream"], "readout"),
        "markdown": ("text/markdown", "md", ["portfolio", "value_stream"], "readout"),
        "pdf": ("application/pdf", "pdf", ["portfolio", "value_stream"], "readout"),
        "svg": ("image/svg+xml", "svg", ["map"], "map_picture"),
    }
    for name, (media_type, extension, subjects, plugin) in expected.items():
        exporter = exporters[name]
        assert (exporter["media_type"], exporter["extension"]) == (media_type, extension)
        assert exporter["subjects"] == subjects
        assert exporter["plugin"] == plugin


def test_the_html_readout_shows_every_section(viewer: Api, made: dict[str, Any]) -> None:
    response = export(viewer, made, "html")
    html = response.text

    assert response.headers["content-type"].startswith("text/html")
    assert 'filename="quote-to-cash.html"' in response.headers["content-disposition"]
    assert "<h1>Quote to cash</h1>" in html
    assert "Dana Owner" in html
    status = section(html, "status")
    assert "Desired state" in status and "Cycle" in status
    assert "sign-off" in status.lower()
    maps = section(html, "maps")
    assert 'class="maps side-by-side"' in maps
    pictures = re.findall(r'<svg [^>]*class="vsm-map"[^>]*data-map-id="([^"]+)"', maps)
    assert pictures == [made["current"]["id"], made["desired"]["id"]]
    assert maps.count('class="vsm-box"') == len(made["steps"]) + len(made["desired_steps"])
    assert "vsm-ladder" in maps and "vsm-totals" in maps
    comparison = section(html, "comparison")
    for label in ("Lead time", "Process time", "Activity ratio", "Rolled %C&amp;A", "Handoffs"):
        assert f"<td>{label}</td>" in comparison
    assert "better" in comparison
    waste = section(html, "waste")
    assert made["findings"], "the classifier found nothing to show"
    assert "h/week" in waste or "—" in waste
    backlog = section(html, "backlog")
    for name in ("Pilot &lt;b&gt;team&lt;/b&gt;", "Roll-out", "No milestone"):
        assert name in backlog
    for item in made["items"]:
        assert item["title"] in backlog
    assert "Dana Owner" in backlog and "Sam Seller" in backlog
    assert "1 of 2 done" in backlog
    targets = section(html, "targets")
    assert targets.count('class="chart-svg"') == len(made["targets"])
    assert "Lead time" in targets and "Deployment frequency" in targets
    history = section(html, "history")
    assert history.count("<tr>") == 1 + 3  # the header and three forced moves
    assert "forced" in history and "Readout test" in history


def test_user_text_is_escaped_everywhere(viewer: Api, made: dict[str, Any]) -> None:
    html = html_readout(viewer, made)
    markdown = export(viewer, made, "markdown").text
    svg = viewer.get(f"/api/v1/maps/{made['current']['id']}/render?format=svg").text

    for document in (html, markdown, svg):
        assert EVIL not in document
        assert "<b>team</b>" not in document
    assert ESCAPED in html and ESCAPED in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_the_html_readout_is_self_contained(viewer: Api, made: dict[str, Any]) -> None:
    html = html_readout(viewer, made)

    assert "<style>" in html
    assert not re.search(r"<(link|script|iframe|img)\b", html)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html)
    for match in re.finditer(r"https?://[^\"' )]+", html):
        before = html[max(0, match.start() - 14) : match.start()]
        assert "xmlns" in before, f"an external address in the readout: {match.group(0)}"


def test_the_markdown_readout_has_the_tables(viewer: Api, made: dict[str, Any]) -> None:
    response = export(viewer, made, "markdown")
    markdown = response.text

    assert response.headers["content-type"].startswith("text/markdown")
    assert markdown.startswith("# Quote to cash\n")
    for heading in (
        "## Phase and gate",
        "## Current and desired state",
        "## Current versus desired state",
        "## Top waste by what it costs the flow",
        "## Transformation backlog by milestone",
        "## Targets",
        "## Recent history",
    ):
        assert f"\n{heading}\n" in markdown
    for header in (
        "| Phase | Cycle | Days in phase |",
        "| # | Step | Role | PT | WT | %C&A | Value |",
        "| Metric | Current | Desired | Change | Change % | |",
        "| Waste | Where | Finding | Wait on the critical path (of lead time) "
        "| Expected rework (of all rework) | People's time | Status |",
        "| Item | Type | Status | Owner | Team | Due | WSJF |",
        "| Target | Baseline | Target | Latest | Progress | Status | Due | Measurements |",
        "| When | Move | From | To | Cycle | Reason |",
    ):
        assert header in markdown
    assert "Standard contract \\| template" in markdown
    # Every table row has as many cells as its header.
    for table in re.findall(r"((?:^\|.*\|\n)+)", markdown, re.M):
        rows = table.strip().split("\n")
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, table


def test_the_map_picture_has_a_box_per_step_and_marks_cross_team_handoffs(
    viewer: Api, made: dict[str, Any]
) -> None:
    response = viewer.get(f"/api/v1/maps/{made['current']['id']}/render?format=svg")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    boxes = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "vsm-box"]
    assert len(boxes) == len(made["steps"])
    steps = {e.get("data-step-id") for e in root.iter(f"{SVG}g") if e.get("data-step-id")}
    assert steps == {s["id"] for s in made["steps"]}
    assert not list(root.iter(f"{SVG}script"))
    handoffs = [e for e in root.iter() if "vsm-handoff" in (e.get("class") or "")]
    assert len(handoffs) == 6
    crossing = [e for e in handoffs if "cross-team" in e.get("class", "")]
    assert len(crossing) == 3
    assert all(e.get("stroke-dasharray") for e in crossing)
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for label in ("Sales rep", "PT 30 min", "WT 1 d", "%C&A 90 %", "Lead time", "Activity ratio"):
        assert label in texts


def test_the_portfolio_readouts_list_every_value_stream(
    viewer: Api, factory: Factory, made: dict[str, Any]
) -> None:
    factory.value_stream(name="Hire to retire <i>now</i>")

    html = viewer.get("/api/v1/portfolio/export?format=html")
    markdown = viewer.get("/api/v1/portfolio/export?format=markdown")

    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    table = section(html.text, "value-streams")
    assert table.count("<tr>") == 1 + 2
    assert "Quote to cash" in table and "Hire to retire &lt;i&gt;now&lt;/i&gt;" in table
    assert "Desired state" in table and "Pre-planning" in table
    assert "1 of 4 done" in table
    assert markdown.status_code == 200, markdown.text
    assert "| Value stream | Owner | Phase |" in markdown.text
    assert "Hire to retire &lt;i&gt;now&lt;/i&gt;" in markdown.text


def test_the_pdf_readout_shows_the_value_stream_on_its_first_page(
    viewer: Api, made: dict[str, Any]
) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a dev dependency) is missing")
    response = export(viewer, made, "pdf")

    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(response.content)
    try:
        assert len(document) >= 2
        page = document[0]
        text = page.get_textpage().get_text_range()
        assert "Quote to cash" in text
        assert "Phase and gate" in text
        image = page.render(scale=1).to_pil().convert("L")
        inked = sum(image.histogram()[:200])
        assert inked > 0.005 * image.width * image.height
        everything = "".join(p.get_textpage().get_text_range() for p in document)
        assert "Current versus desired state" in everything
        assert "Automate pricing rules" in everything
    finally:
        document.close()


def test_the_pdf_of_the_portfolio_renders(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get("/api/v1/portfolio/export?format=pdf")

    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")


# -- the renderers as pure functions -------------------------------------------------------------


def synthetic_map(
    steps: int, *, branches: bool = False, cyclic: bool = False, seed: int = 7
) -> MapSnapshot:
    rnd = random.Random(seed)
    map_id = uuid.uuid4()
    rows = []
    for position in range(steps):
        pt, wt = rnd.choice([600, 3600, 7200]), rnd.choice([0, 3600, 86400, 259200])
        rows.append(
            StepRead(
                id=uuid.uuid4(),
                map_id=map_id,
                position=position,
                name=f"Step {position}",
                role=rnd.choice(["Developer", "Tester", "Operator"]),
                process_seconds=pt,
                wait_seconds=wt,
                process_time=f"PT{pt}S",
                wait_time=f"PT{wt}S",
                percent_complete_accurate=rnd.choice([70, 90, 100]),
                version=1,
            )
        )
    pairs: list[tuple[int, int]] = []
    if branches:
        pairs = [(i, i + 1) for i in range(steps - 1) if i % 5 != 2]
        pairs += [(i - 1, i + 1) for i in range(3, steps - 1, 5)]
    if cyclic:
        pairs = [(i, i + 1) for i in range(steps - 1)] + [(steps - 1, 0)]
    handoffs = [
        HandoffRead(
            id=uuid.uuid4(),
            map_id=map_id,
            version=1,
            from_step_id=rows[a].id,
            to_step_id=rows[b].id,
            cross_team=a % 2 == 0,
        )
        for a, b in pairs
    ]
    metrics = None
    if not cyclic:
        flow = FlowMap(
            id=str(map_id),
            name="m",
            kind="current",
            steps=tuple(
                Step(
                    id=str(r.id),
                    name=r.name,
                    position=r.position,
                    process_seconds=r.process_seconds,
                    wait_seconds=r.wait_seconds,
                    percent_complete_accurate=r.percent_complete_accurate,
                )
                for r in rows
            ),
            handoffs=tuple(
                Handoff(id=str(h.id), from_step=str(h.from_step_id), to_step=str(h.to_step_id))
                for h in handoffs
            ),
        )
        metrics = compute_map_metrics(flow).model_dump()
    stream_map = MapRead(
        id=map_id,
        value_stream_id=uuid.uuid4(),
        cycle=1,
        chosen=False,
        version=1,
        created_at=NOW,
        updated_at=NOW,
        kind="current",
        name="A long flow",
    )
    return MapSnapshot(map=stream_map, steps=rows, handoffs=handoffs, findings=[], metrics=metrics)


def synthetic_stream(*, steps: int, items: int, targets: int, points: int) -> ValueStreamSnapshot:
    stream_id = uuid.uuid4()
    current = synthetic_map(steps, branches=True)
    milestones = [
        MilestoneRead(
            id=uuid.uuid4(),
            value_stream_id=stream_id,
            version=1,
            name=f"Milestone {i}",
            due_date=date(2026, 6 + i, 1),
            progress=MilestoneProgress(items=items // 4, done=i, percent=None),
        )
        for i in range(4)
    ]
    backlog = [
        BacklogEntry(
            id=uuid.uuid4(),
            value_stream_id=stream_id,
            rank=f"{i:06d}",
            wsjf=None,
            finding_ids=[],
            step_ids=[],
            expected_effects=[],
            overdue=False,
            version=1,
            created_at=NOW,
            updated_at=NOW,
            title=f"Item {i}",
            status="ready" if i % 3 else "done",
            milestone_id=milestones[i % 5].id if i % 5 < 4 else None,
        )
        for i in range(items)
    ]
    entries = []
    for _ in range(targets):
        target_id = uuid.uuid4()
        entries.append(
            TargetEntry(
                id=target_id,
                value_stream_id=stream_id,
                start_date=date(2024, 6, 1),
                version=1,
                created_at=NOW,
                metric="flow_time",
                unit="days",
                baseline=20,
                target=10,
                direction="lower_is_better",
                due_date=date(2026, 12, 31),
                progress=ProgressRead(
                    latest_value=15,
                    latest_at=NOW,
                    percent_of_way=50,
                    status="on_track",
                    expected_percent_now=55,
                    reason="50% of the way, 55% expected by now",
                ),
                measurements=[
                    MeasurementRead(
                        id=uuid.uuid4(),
                        target_id=target_id,
                        value=20 - week * 0.05 + (week % 3),
                        measured_at=NOW - timedelta(weeks=points - week),
                        source="manual",
                        note=None,
                        version=1,
                    )
                    for week in range(points)
                ],
            )
        )
    return ValueStreamSnapshot(
        exported_at=NOW,
        organization="Acme",
        value_stream=ValueStreamRead(
            id=stream_id,
            name="A big stream",
            phase="execution",
            cycle=2,
            phase_entered_at=NOW,
            version=1,
            created_at=NOW,
            updated_at=NOW,
        ),
        gate={"phase": "execution", "next_phase": "current_state", "passed": True, "criteria": []},
        timebox=Timebox(days_in_phase=40, timebox_days=None, overdue=False),
        maps=[current.model_copy(update={"map": current.map.model_copy(update={"cycle": 2})})],
        backlog=backlog,
        milestones=milestones,
        targets=entries,
    )


def test_a_map_of_200_steps_renders_in_wrapped_rows() -> None:
    """How long it takes is measured by `python -m bench.readout` (a 200-step map)."""
    snapshot = synthetic_map(200, branches=True)

    svg = map_svg(snapshot)

    root = ET.fromstring(svg)
    boxes = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "vsm-box"]
    assert len(boxes) == 200
    rows = {float(b.get("y")) for b in boxes}
    columns = {float(b.get("x")) for b in boxes}
    assert len(columns) == 6 and len(rows) > 20
    assert float(root.get("width")) < 1600


def test_parallel_steps_stack_in_rows_and_the_ladder_follows_the_critical_path() -> None:
    snapshot = synthetic_map(8, branches=True)
    assert snapshot.metrics is not None

    root = ET.fromstring(map_svg(snapshot, columns=10))

    groups = {g.get("data-step-id"): g for g in root.iter(f"{SVG}g") if g.get("data-step-id")}
    place = {
        step_id: (float(g.find(f"{SVG}rect").get("x")), float(g.find(f"{SVG}rect").get("y")))
        for step_id, g in groups.items()
    }
    assert len({y for _, y in place.values()}) == 2  # a branch runs in a second row
    critical = [str(i) for i in snapshot.metrics["critical_path"]]
    assert all("critical" in groups[i].get("class") for i in critical)
    ladder = next(e for e in root.iter(f"{SVG}g") if e.get("class") == "vsm-ladder")
    assert len([t for t in ladder.iter(f"{SVG}text") if t.get("class") == "vsm-wait"]) == len(
        critical
    )


def test_a_long_map_cut_into_parts_keeps_every_box_and_unique_ids() -> None:
    snapshot = synthetic_map(60)

    parts = map_svg_parts(snapshot, columns=6, bands_per_part=4)

    assert len(parts) == 3
    roots = [ET.fromstring(part) for part in parts]
    assert (
        sum(1 for root in roots for e in root.iter(f"{SVG}rect") if e.get("class") == "vsm-box")
        == 60
    )
    ids = [e.get("id") for root in roots for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert sum(1 for root in roots for e in root.iter() if e.get("class") == "vsm-totals") == 1


def test_a_map_whose_handoffs_form_a_cycle_or_has_no_steps_still_draws() -> None:
    cyclic = ET.fromstring(map_svg(synthetic_map(5, cyclic=True)))
    empty = ET.fromstring(map_svg(synthetic_map(0)))

    assert len([e for e in cyclic.iter(f"{SVG}rect") if e.get("class") == "vsm-box"]) == 5
    assert "cycle" in " ".join(t.text or "" for t in cyclic.iter(f"{SVG}text"))
    assert "No steps" in " ".join(t.text or "" for t in empty.iter(f"{SVG}text"))


def test_twenty_target_charts_of_two_years_each_are_deterministic() -> None:
    """How long they take is measured by `python -m bench.readout` (case vs-charts)."""
    snapshot = synthetic_stream(steps=3, items=0, targets=20, points=104)
    charts = Charts()

    drawn = [charts.target(t) for t in snapshot.targets]

    assert drawn[0] == Charts().target(snapshot.targets[0])
    for svg, target in zip(drawn, snapshot.targets, strict=True):
        root = ET.fromstring(svg)
        assert root.get("class") == "chart-svg"
        ids = re.findall(r'id="([^"]+)"', svg)
        assert ids and all(i.startswith(f"t{target.id.hex[:12]}-") for i in ids)
        assert "<metadata>" not in svg and "Date" not in svg


def test_a_big_readout_streams_in_chunks() -> None:
    snapshot = synthetic_stream(steps=200, items=500, targets=3, points=20)
    exporter = next(e for e in readout.register_exporters() if e.name == "html")

    chunks = list(exporter.chunks("value_stream", snapshot))

    assert len(chunks) > 3
    html = b"".join(chunks).decode()
    assert html.count("<tr>") > 500
    assert 'class="maps stacked"' in html
    assert html.count('class="vsm-box"') == 200
    assert html.rstrip().endswith("</html>")


def test_the_pdf_is_streamed_from_a_temporary_file_in_chunks() -> None:
    snapshot = synthetic_stream(steps=12, items=150, targets=2, points=30)
    exporter = next(e for e in readout.register_exporters() if e.name == "pdf")

    chunks = list(exporter.chunks("value_stream", snapshot))

    assert chunks[0].startswith(b"%PDF")
    assert len(chunks) > 1 and all(len(c) <= CHUNK for c in chunks)
    assert io.BytesIO(b"".join(chunks)).getvalue().rstrip().endswith(b"%%EOF")


def test_the_pdf_lists_the_top_of_each_milestone_and_points_to_the_workbook() -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a dev dependency) is missing")
    snapshot = synthetic_stream(steps=30, items=60, targets=1, points=10)
    exporters = {e.name: e for e in readout.register_exporters()}

    html = b"".join(exporters["html"].chunks("value_stream", snapshot)).decode()
    document = pdfium.PdfDocument(b"".join(exporters["pdf"].chunks("value_stream", snapshot)))
    try:
        text = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in document)
    finally:
        document.close()

    # Milestone 0 holds items 0, 5, ... 55 in rank order: the PDF stops after ten.
    assert re.search(r"\bItem 45\b", text) and not re.search(r"\bItem (50|55)\b", text)
    assert text.count("And 2 more items lower in the backlog") == 5
    assert "the XLSX workbook export lists them all" in text
    assert re.search(r"\bItem 55\b", html) and "more items lower" not in html
    assert "A big stream" in text and "Current state" in text


@pytest.mark.parametrize("fmt", ["html", "markdown", "pdf"])
def test_a_new_value_stream_with_nothing_recorded_yet_still_reads_well(fmt: str) -> None:
    empty = synthetic_stream(steps=0, items=0, targets=0, points=0).model_copy(
        update={"maps": [], "milestones": [], "gate": {"passed": False, "criteria": []}}
    )
    exporter = next(e for e in readout.register_exporters() if e.name == fmt)

    document = b"".join(exporter.chunks("value_stream", empty))

    if fmt == "pdf":
        assert document.startswith(b"%PDF")
        return
    text = document.decode()
    for note in (
        "No current-state map in this cycle yet.",
        "No desired-state map has been chosen in this cycle yet.",
        "No waste findings in this cycle yet.",
        "The backlog is empty.",
        "No flow-metric targets recorded yet.",
        "No phase transitions yet.",
    ):
        assert note in text
