"""Headers every answer carries: no sniffing, no caching of private data, no framing.

API answers hold an organization's data and sometimes a secret shown once: no
cache may keep them. HTML pages (the API docs, GraphiQL, HTML readouts) may not be
framed by another site. A caller's rate budget rides along so clients can pace
themselves instead of waiting for a 429.
"""

import re

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from api.limits import rate_limit_headers

PRIVATE_PREFIXES = ("/api/", "/graphql")


def allowed_methods(app: Litestar) -> dict[str, str]:
    """`Allow` per route, from the routes as registered.

    Litestar makes each route's OPTIONS answer while the app is still merging the
    handlers of one path, so it can list only some of them; the routes know them all.
    """
    return {
        path_template(route.path): ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


def path_template(litestar_path: str) -> str:
    """`/items/{item_id:uuid}` as the request scope and the OpenAPI name it: `/items/{item_id}`."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", litestar_path)


async def response_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    if scope.get("method") == "OPTIONS" and "allow" in headers:
        allow = scope["app"].state.vsm.allowed_methods.get(scope.get("path_template"))
        if allow:
            headers["Allow"] = allow
    headers["X-Content-Type-Options"] = "nosniff"
    if str(scope.get("path", "")).startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if headers.get("content-type", "").startswith("text/html"):
        headers["X-Frame-Options"] = "DENY"
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    budget = scope.get("state", {}).get("rate_limit")
    if budget is not None:
        decision, window, policy = budget
        for name, value in rate_limit_headers(decision, window, policy).items():
            headers[name] = value
