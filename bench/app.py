"""The benchmark's ASGI app: the real service plus one bare route on the same server.

The bare route is the yardstick. It runs through the same server, event loop and
Litestar app (routing, exception handling, logging config) but skips
authentication and the database, so `endpoint rps / bare rps` tells how much of
the framework's own ceiling an endpoint keeps.
"""

import logging

from litestar import Litestar, get

from api.app import create_app
from core.config import Settings

BARE_PATH = "/bench/bare"


@get(BARE_PATH, opt={"exclude_from_auth": True}, include_in_schema=False)
async def bare() -> dict[str, str]:
    """A small JSON answer without authentication or database work."""
    return {"status": "ok"}


def create_bench_app() -> Litestar:
    """Factory for granian: the app `vsm serve` runs, with the bare route added."""
    logging.captureWarnings(True)
    app = create_app(Settings())
    app.register(bare)
    return app
