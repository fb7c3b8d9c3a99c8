"""The JavaScript and CSS of the API docs page (Swagger UI) and GraphiQL, served by the
service itself, so both pages work where the browser cannot reach a public CDN.

The files are the unmodified builds of pinned npm releases, each with its licence, in a
directory named for the release (the URL changes with the version, so browsers may cache
them for good): swagger-ui-dist 5.36.0 (Apache-2.0), graphiql 3.8.3 (MIT), react and
react-dom 18.2.0 (MIT). GraphiQL 3.8.3 with React 18.2.0 is the pairing strawberry's own
page uses; the files match the subresource-integrity hashes strawberry pins.
"""

from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/assets"
DIRECTORY = Path(__file__).parent / "static"
SWAGGER_UI = f"{ASSETS_PATH}/swagger-ui-5.36.0"


def assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[DIRECTORY],
        cache_control=CacheControlHeader(max_age=31_536_000, public=True),
        opt={"exclude_from_auth": True},
        include_in_schema=False,
    )


def swagger_ui() -> SwaggerRenderPlugin:
    """The docs page at /schema, drawn by the served copy of Swagger UI."""
    return SwaggerRenderPlugin(
        js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_UI}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_UI}/swagger-ui-standalone-preset.js",
        path="/swagger",
        favicon='<link rel="icon" href="data:,">',
    )


def graphiql_page() -> str:
    template = (Path(__file__).parent / "graphql" / "graphiql.html").read_text(encoding="utf-8")
    return template.replace("{assets}", ASSETS_PATH)
