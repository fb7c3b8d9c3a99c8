"""Per-request dependencies of the REST handlers: the caller, the unit of work, versions."""

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
from core.db import unit_of_work
from core.services.crud import ExpectedVersion
from core.services.reads import Reads

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
VERSION = re.compile(r"\d{1,18}")


def provide_state(request: Request[Any, Any, Any]) -> AppState:
    return request.app.state.vsm


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return request.user


def provide_reads(request: Request[Any, Any, Any]) -> Reads:
    state: AppState = request.app.state.vsm
    return Reads(request.user, state.database.point_reader)


async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler succeeds, else rolled back.

    Reads take SQLite's shared path, writes its BEGIN IMMEDIATE path. A write that
    must name the version it changes is checked for If-Match first, so a refused
    write never opens a transaction. (This was a guard; Litestar copies the handler
    for every guard on every request, GETs included, which cost more than the check.)
    """
    state: AppState = request.app.state.vsm
    write = request.method not in READ_METHODS
    if "expected_version" in request.route_handler.parsed_fn_signature.parameters:
        request.scope.setdefault("state", {})["expected_version"] = parse_if_match(
            request.headers.get("if-match")
        )
    async with unit_of_work(
        state.database.sessionmaker(write=write), read_only=not write
    ) as session:
        if write:
            retention = timedelta(hours=state.settings.idempotency_retention_hours)
            await idempotency.claim(request, session, retention)
        yield session
        if write:
            await idempotency.keep(session, request.user)
    if write and state.write_health.problem is not None:
        state.write_health.succeeded()


def etag(version: int) -> str:
    return f'"{version}"'


def provide_expected_version(
    request: Request[Any, Any, Any], session: AsyncSession
) -> ExpectedVersion:
    """The version(s) parsed from If-Match while the session was provided.

    It takes `session` only so that Litestar resolves it after `provide_session`.
    """
    expected: ExpectedVersion = request.scope["state"]["expected_version"]
    return expected


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
