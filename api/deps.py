"""Per-request dependencies of the REST handlers: the caller, the work bundle and its
session, versions."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_428_PRECONDITION_REQUIRED
from sqlmodel.ext.asyncio.session import AsyncSession

from api import idempotency
from api.state import AppState
from core.actor import Actor
from core.services.context import Work
from core.services.crud import ExpectedVersion

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
VERSION = re.compile(r"\d{1,18}")


def provide_state(request: Request[Any, Any, Any]) -> AppState:
    state: AppState = request.app.state.vsm
    return state


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The authentication middleware sets the user of every request it lets through."""
    actor: Actor = request.user
    return actor


def provide_work(request: Request[Any, Any, Any]) -> Work:
    """The request's services bundle: reads get a read unit, every other method a write one.

    Nothing connects here: a detail GET that the point reader serves never opens the
    unit, and the unit is entered only by the `session` dependency.
    """
    state: AppState = request.app.state.vsm
    write = request.method not in READ_METHODS
    return Work.open(state.database, state.settings, request.user, write=write)


async def provide_session(
    request: Request[Any, Any, Any], work: Work
) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler succeeds, else rolled back.

    It depends on `work`, so Litestar resolves it in a later batch than the
    dependencies that need no database (the If-Match precondition among them): a
    request they refuse never opens a transaction.
    """
    unit = work.unit
    async with unit as session:
        if unit.write:
            retention = timedelta(hours=work.settings.idempotency_retention_hours)
            await idempotency.claim(request, unit, work.actor, retention)
            state: AppState = request.app.state.vsm
            unit.after_commit(state.write_health.succeeded)
        yield session


def etag(version: int) -> str:
    return f'"{version}"'


def provide_expected_version(request: Request[Any, Any, Any]) -> ExpectedVersion:
    """The version(s) a write names in If-Match; 428 when it names none."""
    return parse_if_match(request.headers.get("if-match"))


def parse_if_match(header: str | None) -> ExpectedVersion:
    """If-Match as RFC 9110 reads it: `*`, or a list of entity tags compared strongly.

    `*` accepts whatever is stored. A weak tag (`W/"3"`) never matches under the
    strong comparison If-Match requires, and a tag that is none of our versions
    cannot match either. A header of only such tags matches nothing; the service
    answers 412 for it once it has found the object (a missing one is a 404, as
    RFC 9110 13.2.1 wants: preconditions do not hide other answers).
    """
    if header is None:
        raise HTTPException(
            status_code=HTTP_428_PRECONDITION_REQUIRED,
            detail="send If-Match with the ETag you read, so no one else's change is overwritten",
        )
    text = header.strip()
    if text == "*":
        return None
    versions: set[int] = set()
    position = 0
    while position < len(text):
        match = ENTITY_TAG.match(text, position)
        if match is None or match.end() == position:
            return frozenset()
        weak, opaque = match.group(1), match.group(2)
        if not weak and VERSION.fullmatch(opaque):
            versions.add(int(opaque))
        position = match.end()
    if len(versions) == 1:
        return versions.pop()
    return frozenset(versions)
