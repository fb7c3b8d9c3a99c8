"""The API docs page (/schema) and GraphiQL (/graphql) work without the internet:
every script and stylesheet comes from the service itself."""

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api_client import Api

PAGES = ["/schema", "/graphql"]
REFERENCE = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.I)
CHROMIUM = Path("/usr/bin/chromium")


def page(anonymous: Api, path: str) -> str:
    response = anonymous.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return str(response.text)


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_loads_everything_from_the_service(anonymous: Api, path: str) -> None:
    references = REFERENCE.findall(page(anonymous, path))
    scripts_and_styles = [r for r in references if not r.startswith("data:")]

    assert scripts_and_styles, "the page references its scripts"
    for reference in scripts_and_styles:
        assert not urlsplit(reference).netloc, f"{path} loads {reference} from elsewhere"
        served = anonymous.get(reference)
        assert served.status_code == 200, reference
        assert len(served.content) > 1000, reference
        kind = "javascript" if reference.endswith(".js") else "css"
        assert kind in served.headers["content-type"], reference


def test_the_assets_are_pinned_releases_with_their_licences() -> None:
    static = Path(__file__).parents[2] / "api" / "static"

    releases = sorted(p.name for p in static.iterdir())
    total = sum(f.stat().st_size for f in static.rglob("*") if f.is_file())

    assert releases == ["graphiql-3.8.3", "react-18.2.0", "swagger-ui-5.36.0"]
    assert all((static / r / "LICENSE").is_file() for r in releases)
    assert total < 8 * 1024 * 1024


@pytest.mark.skipif(
    not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)),
    reason=f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests",
)
def test_both_pages_render_in_chromium_without_network_access(running_server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing")
    served_from = urlsplit(running_server).netloc
    elsewhere: list[str] = []

    def only_the_service(route: Any) -> None:
        if urlsplit(route.request.url).netloc in (served_from, ""):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page()
            tab.route("**/*", only_the_service)
            tab.goto(f"{running_server}/schema", wait_until="load")
            title = tab.locator(".swagger-ui .info .title")
            title.wait_for(timeout=20_000)
            docs_title = title.inner_text()
            first_operation = tab.locator(".swagger-ui .opblock-summary-path").first.inner_text()

            tab.goto(f"{running_server}/graphql", wait_until="load")
            editor = tab.locator(".graphiql-container .graphiql-query-editor")
            editor.wait_for(timeout=20_000)
            run_button = tab.locator(".graphiql-execute-button").count()
        finally:
            browser.close()

    assert elsewhere == []
    assert docs_title.startswith("valuestream")
    assert first_operation == "/health"
    assert run_button == 1
