"""The benchmark's ASGI app: the real service plus two yardstick routes on the same server.

`GET /bench/bare` runs through the same server, event loop and Litestar app (routing,
middleware, exception handling, serialization) as every endpoint but skips
authentication and the database, so `endpoint rps / bare rps` tells how much of the
stack's own ceiling an endpoint keeps. `GET /bench/bare-db` adds the app's own `session`
dependency (the unit of work a handler gets) and one `SELECT 1` in it: the floor of any
endpoint that reads through the ORM session. Its route has no caller, so it gets its
`work` bundle for a viewer of no organization; the session is the app's dependency.
"""

import logging
import uuid
from typing import Any

from litestar import Litestar, Request, get
from litestar.di import Provide
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.state import AppState
from core.actor import Actor
from core.config import Settings
from core.models.token import Role
from core.services.context import Work

BARE_PATH = "/bench/bare"
BARE_DB_PATH = "/bench/bare-db"


@get(BARE_PATH, opt={"exclude_from_auth": True}, include_in_schema=False)
async def bare() -> dict[str, str]:
    """A small JSON answer without authentication or database work."""
    return {"status": "ok"}


NOBODY = Actor(organization_id=uuid.UUID(int=0), role=Role.viewer)


def anonymous_work(request: Request[Any, Any, Any]) -> Work:
    state: AppState = request.app.state.vsm
    return Work.open(state.database, state.settings, NOBODY, write=False)


@get(
    BARE_DB_PATH,
    opt={"exclude_from_auth": True},
    include_in_schema=False,
    dependencies={"work": Provide(anonymous_work, sync_to_thread=False)},
)
async def bare_db(session: AsyncSession) -> dict[str, int]:
    """One `SELECT 1` through the session a read handler gets, without authentication."""
    value = (await session.execute(text("SELECT 1"))).scalar_one()
    return {"value": int(value)}


def create_bench_app(settings: Settings | None = None) -> Litestar:
    """Factory for granian: the app `vsm serve` runs, with the yardstick routes added.

    Settings come from the environment unless given (a benchmark running the app in
    its own process)."""
    logging.captureWarnings(True)
    app = create_app(settings or Settings())
    app.register(bare)
    app.register(bare_db)
    return app
