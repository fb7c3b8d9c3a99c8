"""The HTML readout as a leader sees it: opened from a file in headless Chromium.

The maps and every target chart must actually be drawn (present, with a size, and
not blank on screen), and the page must run no script: user text that looks like
one stays text. Uses Debian's chromium; skipped with the reason when it is missing.
"""

import io
import os
from pathlib import Path
from typing import Any

import pytest

from tests.api_client import Api
from tests.exports.test_readout_analytics import looped_stream
from tests.exports.test_readout_render import EVIL, build_engagement, export
from tests.factories import Factory

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium package "
        "(`make test` does so when it runs as root) to run the browser tests",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright (a dev dependency) is missing: pip install -e '.[dev]'",
)
Image = pytest.importorskip("PIL.Image", reason="Pillow (which matplotlib brings) is missing")


def inked_share(png: bytes) -> float:
    """The share of pixels that are not (nearly) white."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    return sum(picture.histogram()[:235]) / (picture.width * picture.height)


@pytest.fixture
def page() -> Any:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 900})
        finally:
            browser.close()


def test_the_html_readout_draws_the_maps_and_every_chart_in_chromium(
    factory: Factory, admin: Api, viewer: Api, tmp_path: Path, page: Any
) -> None:
    made = build_engagement(factory, admin)
    readout = tmp_path / "readout.html"
    readout.write_bytes(export(viewer, made, "html").content)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(readout.as_uri(), wait_until="load")

    assert page.title().startswith("Quote to cash")
    maps = page.locator("svg.vsm-map")
    assert maps.count() == 2
    for index in range(2):
        box = maps.nth(index).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
    steps = page.locator("svg.vsm-map rect.vsm-box")
    assert steps.count() == len(made["steps"]) + len(made["desired_steps"])
    assert all((steps.nth(i).bounding_box() or {}).get("width", 0) > 10 for i in range(6))
    region = page.locator("#maps")
    region.scroll_into_view_if_needed()
    assert inked_share(region.screenshot()) > 0.03

    charts = page.locator("svg.chart-svg")
    assert charts.count() == len(made["targets"])
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 80, box
        line = chart.locator("path").first
        assert (line.bounding_box() or {}).get("width", 0) > 0
        assert inked_share(chart.screenshot()) > 0.01

    assert page.get_by_text(EVIL).count() >= 1, "the step's name is shown as text"
    assert dialogs == [], "user text ran as a script"
    assert requests == [readout.as_uri()], "the readout loaded something from elsewhere"


def test_the_delivery_and_cycle_sections_are_drawn_and_fit_the_page(
    factory: Factory, admin: Api, viewer: Api, tmp_path: Path, page: Any
) -> None:
    """What a leader reads of delivery and across cycles is on screen, inside the page's
    width: the spread of flow time with its method, the aging work, the forecast, and this
    cycle against the previous one."""
    stream = looped_stream(factory, admin)
    readout = tmp_path / "readout.html"
    readout.write_bytes(export(viewer, {"stream": stream}, "html").content)

    page.goto(readout.as_uri(), wait_until="load")

    width = page.evaluate("document.documentElement.clientWidth")
    for region in ("#delivery-analytics", "#cycles-compared"):
        section = page.locator(region)
        section.scroll_into_view_if_needed()
        box = section.bounding_box()
        assert box and box["height"] > 200 and box["x"] + box["width"] <= width, (region, box)
        assert inked_share(section.screenshot()) > 0.02, region
        overflowing = page.evaluate(
            f"[...document.querySelectorAll('{region} table')]"
            ".filter(t => t.scrollWidth > t.clientWidth + 1).length"
        )
        assert overflowing == 0, region
    flow = page.locator("#delivery-analytics table.spreads tr", has_text="Flow time")
    assert flow.inner_text().split("\t")[2:] == ["5", "6 d", "6 d", "8.8 d", "9.6 d"]
    assert page.get_by_text("linear interpolation between the two nearest ranks").is_visible()
    assert page.locator("#delivery-analytics .card .value.late").inner_text() == "1"
    forecast = page.locator("#delivery-analytics table.forecast tbody tr")
    assert forecast.count() == 3
    lead = page.locator("#compared-previous_current tr", has_text="Lead time").first
    assert lead.inner_text().split("\t") == ["Lead time", "10 d", "6 d", "-4 d", "-40 %", "better"]
