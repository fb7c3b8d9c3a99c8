"""Bearer-token authentication: every route but health, readiness and the API docs."""

import random
import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.state import AppState
from core.actor import Actor
from core.db import unit_of_work
from core.errors import Unauthenticated
from core.services import tokens
from core.types import utcnow

PUBLIC_PATHS = ["^/health$", "^/ready$", "^/schema"]
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Keep a caller's X-Request-ID when it is sane, so logs and audit events correlate.

    A new id is 128 random bits from `random`, not a uuid4: a correlation id needs no
    cryptographic randomness, and uuid4 reads os.urandom, a system call that lets go of
    the GIL on every request (measurably slower under load).
    """
    state = connection.scope.setdefault("state", {})
    existing = state.get("request_id")
    if existing:
        return str(existing)
    given = connection.headers.get("x-request-id", "")
    request_id = given if REQUEST_ID_PATTERN.fullmatch(given) else f"{random.getrandbits(128):032x}"
    state["request_id"] = request_id
    return request_id


def bearer_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization")
    if not header:
        raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        request_id = request_id_of(connection)
        if _is_graphiql_page(connection):
            return AuthenticationResult(user=None, auth=None)
        state: AppState = connection.app.state.vsm
        secret = bearer_secret(connection)
        token_hash = tokens.hash_token(secret)
        actor = state.tokens.get(token_hash)
        if actor is None:
            actor = await state.tokens.verify_once(token_hash, lambda: _verify(state, secret))
        return AuthenticationResult(user=actor.for_request(request_id), auth=token_hash)


async def _verify(state: AppState, secret: str) -> tuple[Actor, float | None]:
    async with unit_of_work(state.database.sessionmaker(write=False), read_only=True) as session:
        token = await tokens.authenticate(session, secret)
    actor = tokens.actor_for(token)
    if tokens.needs_touch(token):
        async with unit_of_work(state.database.sessionmaker(write=True)) as session:
            await tokens.mark_used(session, token.id)
    not_after = None
    if token.expires_at is not None:
        not_after = state.tokens.clock() + (token.expires_at - utcnow()).total_seconds()
    return actor, not_after


def _is_graphiql_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The GraphiQL page itself holds no data; the queries it sends carry the token."""
    scope = connection.scope
    return (
        scope.get("method") == "GET"
        and scope.get("path") == "/graphql"
        and "text/html" in connection.headers.get("accept", "")
        and not connection.query_params.get("query")
    )
