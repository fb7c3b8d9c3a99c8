"""The benchmark's ASGI app: the real service plus two yardstick routes on the same server.

`GET /bench/bare` runs through the same server, event loop and Litestar app (routing,
middleware, exception handling, serialization) as every endpoint but skips
authentication and the database, so `endpoint rps / bare rps` tells how much of the
stack's own ceiling an endpoint keeps. `GET /bench/bare-db` adds the app's own `session`
dependency (the unit of work a handler gets) and one `SELECT 1` in it: the floor of any
endpoint that reads through the ORM session.
"""

import logging

from litestar import Litestar, get
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from core.config import Settings

BARE_PATH = "/bench/bare"
BARE_DB_PATH = "/bench/bare-db"


@get(BARE_PATH, opt={"exclude_from_auth": True}, include_in_schema=False)
async def bare() -> dict[str, str]:
    """A small JSON answer without authentication or database work."""
    return {"status": "ok"}


@get(BARE_DB_PATH, opt={"exclude_from_auth": True}, include_in_schema=False)
async def bare_db(session: AsyncSession) -> dict[str, int]:
    """One `SELECT 1` through the session a read handler gets, without authentication."""
    value = (await session.execute(text("SELECT 1"))).scalar_one()
    return {"value": int(value)}


def create_bench_app() -> Litestar:
    """Factory for granian: the app `vsm serve` runs, with the yardstick routes added."""
    logging.captureWarnings(True)
    app = create_app(Settings())
    app.register(bare)
    app.register(bare_db)
    return app
