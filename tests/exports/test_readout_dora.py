"""The readout's DORA performance section: the last whole weeks' four keys with their tiers,
next to the targets, naming the benchmark (HTML, Markdown, PDF)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.metrics.flow import bucket_floor
from tests.api_client import Api
from tests.factories import Factory, dora_benchmark


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def week_start() -> datetime:
    """The Monday of the last whole week before now, which the readout shows last."""
    return bucket_floor(datetime.now(UTC), "week") - timedelta(weeks=1)


@pytest.fixture
def delivering(factory: Factory, week_start: datetime) -> dict[str, Any]:
    """A stream that deployed twice a day last week, each change six hours after its commit."""
    stream = factory.value_stream(name="Checkout")
    deployments = [
        {
            "external_id": f"R-{day}-{n}",
            "deployed_at": _iso(at),
            "commit_times": [_iso(at - timedelta(hours=6))],
        }
        for day in range(7)
        for n in range(2)
        for at in [week_start + timedelta(days=day, hours=10 + 4 * n)]
    ]
    factory.ingest(stream, "deployments", deployments)
    return stream


def _readout(api: Api, stream: dict[str, Any], fmt: str) -> Any:
    response = api.get(f"/api/v1/value-streams/{stream['id']}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def _section(html: str) -> str:
    match = re.search(r'<section id="dora">(.*?)</section>', html, re.S)
    assert match, "no DORA section"
    return match.group(1)


def test_the_html_readout_shows_each_week_s_tiers_by_the_named_report(
    viewer: Api, delivering: dict[str, Any], week_start: datetime
) -> None:
    html = _readout(viewer, delivering, "html").text

    dora = _section(html)
    assert "<h2>DORA performance</h2>" in dora
    assert "Accelerate State of DevOps Report 2023" in dora
    assert "published by DORA (DevOps Research and Assessment), Google Cloud on 2023-10-05" in dora
    rows = re.findall(r"<tr><td>(Week of [^<]+)</td>(.*?)</tr>", dora)
    assert [label for label, _ in rows][-1] == f"Week of {week_start.date().isoformat()}"
    assert len(rows) == 6
    last = rows[-1][1]
    assert "2 a day" in last and "6 h" in last and "0 %" in last
    assert last.count('<span class="badge tier-elite">Elite</span>') == 3
    assert html.index('id="targets"') < html.index('id="dora"') < html.index('id="history"')


def test_the_markdown_readout_has_the_tiers_table(
    viewer: Api, delivering: dict[str, Any], week_start: datetime
) -> None:
    markdown = _readout(viewer, delivering, "markdown").text

    assert "\n## DORA performance\n" in markdown
    assert "Tiers by the Accelerate State of DevOps Report 2023" in markdown
    header = "| Week | Deployment frequency | Lead time for changes | Change failure rate |"
    assert header in markdown
    week = f"| Week of {week_start.date().isoformat()} |"
    (row,) = [line for line in markdown.splitlines() if line.startswith(week)]
    assert row == (f"{week} 2 a day · **Elite** | 6 h · **Elite** | 0 % · **Elite** | — |")


def test_the_readout_names_the_organization_s_own_thresholds(
    admin: Api, viewer: Api, delivering: dict[str, Any]
) -> None:
    admin.ok(admin.put("/api/v1/dora-benchmark", dora_benchmark(), if_match=0))

    markdown = _readout(viewer, delivering, "markdown").text

    assert (
        "Tiers by the Acme delivery standard 2026, published by Acme engineering council on "
        "2026-01-15: the organization's own thresholds." in markdown
    )
    assert "6 h · **High**" in markdown


def test_the_pdf_readout_shows_the_section(viewer: Api, delivering: dict[str, Any]) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a dev dependency) is missing")

    document = pdfium.PdfDocument(_readout(viewer, delivering, "pdf").content)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()

    assert "DORA performance" in text
    assert "Accelerate State of DevOps Report 2023" in text
    assert "Elite" in text


def test_a_stream_without_deliveries_says_so(viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream(name="Quiet")

    html = _readout(viewer, stream, "html").text

    assert "No deployments or incidents reported in these weeks." in _section(html)
