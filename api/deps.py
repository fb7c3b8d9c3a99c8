"""Per-request dependencies of the REST handlers: the caller, the unit of work, versions."""

import re
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_428_PRECONDITION_REQUIRED
from sqlmodel.ext.asyncio.session import AsyncSession

from api.state import AppState
from core.actor import Actor
from core.db import unit_of_work
from core.errors import StaleVersion
from core.services.reads import Reads

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ETAG_PATTERN = re.compile(r'^(?:W/)?"(\d{1,18})"$')


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
        yield session


def etag(version: int) -> str:
    return f'"{version}"'


def provide_expected_version(request: Request[Any, Any, Any], session: AsyncSession) -> int:
    """The version parsed from If-Match while the session was provided.

    It takes `session` only so that Litestar resolves it after `provide_session`.
    """
    return int(request.scope["state"]["expected_version"])


def parse_if_match(header: str | None) -> int:
    if header is None:
        raise HTTPException(
            status_code=HTTP_428_PRECONDITION_REQUIRED,
            detail="send If-Match with the ETag you read, so no one else's change is overwritten",
        )
    match = ETAG_PATTERN.fullmatch(header.strip())
    if match is None:
        raise StaleVersion(f"If-Match {header!r} does not match the current ETag")
    return int(match.group(1))
