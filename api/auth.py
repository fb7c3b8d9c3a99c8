"""Bearer-token authentication: every route but health, readiness and the API docs."""

import random
import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.state import AppState
from core.actor import Actor
from core.errors import TooManyRequests, Unauthenticated
from core.foundation import authentication, tokens
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
            actor = await _checked(connection, state, token_hash, secret)
        _spend_budget(connection, state, actor.token_id or token_hash)
        return AuthenticationResult(user=actor.for_request(request_id), auth=token_hash)


def _client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    client = connection.scope.get("client")
    return str(client[0]) if client else "unknown"


async def _checked(
    connection: ASGIConnection[Any, Any, Any, Any], state: AppState, token_hash: str, secret: str
) -> Actor:
    """Verify a token not in the cache, unless its address has failed too often lately."""
    address = _client_address(connection)
    if state.failed_auth.enabled:
        refusal = state.failed_auth.exhausted(address)
        if refusal is not None:
            raise TooManyRequests(
                "too many failed authentications from this address; wait before trying again",
                retry_after=refusal.retry_after,
            )
    try:
        return await state.tokens.verify_once(token_hash, lambda: _verify(state, secret))
    except Unauthenticated:
        if state.failed_auth.enabled:
            state.failed_auth.take(address)
        raise


def _spend_budget(
    connection: ASGIConnection[Any, Any, Any, Any], state: AppState, key: object
) -> None:
    if not state.rate.enabled:
        return
    decision = state.rate.take(key)
    budget = (decision, state.rate.window_seconds, "per-token")
    connection.scope.setdefault("state", {})["rate_limit"] = budget
    if not decision.allowed:
        raise TooManyRequests(
            f"this token used its {decision.limit} requests per "
            f"{state.rate.window_seconds:g} s; wait {decision.retry_after} s",
            retry_after=decision.retry_after,
        )


async def _verify(state: AppState, secret: str) -> tuple[Actor, float | None]:
    verified = await authentication.verify(state.database, secret)
    not_after = None
    if verified.expires_at is not None:
        not_after = state.tokens.clock() + (verified.expires_at - utcnow()).total_seconds()
    return verified.actor, not_after


def _is_graphiql_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The GraphiQL page itself holds no data; the queries it sends carry the token."""
    scope = connection.scope
    return (
        scope.get("method") == "GET"
        and scope.get("path") == "/graphql"
        and "text/html" in connection.headers.get("accept", "")
        and not connection.query_params.get("query")
    )
