"""Idempotency keys: a retried request gets the first answer, not a second object.

As the IETF draft "The Idempotency-Key HTTP Header Field" and the large payment
APIs define it: the same key and the same request within the retention window
return the stored answer; the same key with a different request is refused (422);
a retry that arrives while the first is still running is told to wait (409).
Keys are scoped per organization and caller. Only answers of requests that
succeeded are kept: a failed request rolled back, so its retry runs anew.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import BadRequest, Conflict, ValidationFailed
from core.models.idempotency import IdempotentRequest, caller_of
from core.types import utcnow

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
PURGE_BATCH = 100


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    headers: dict[str, str]
    body: bytes


def check_key(key: str) -> str:
    """A key is 1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    if not KEY_PATTERN.fullmatch(key):
        raise BadRequest(
            f"{HEADER} must be 1 to 255 visible ASCII characters, such as a UUID", field=HEADER
        )
    return key


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


async def claim(
    session: AsyncSession,
    actor: Actor,
    key: str,
    request_fingerprint: str,
    *,
    retention: timedelta,
    now: datetime | None = None,
) -> StoredAnswer | None:
    """The stored answer for `key`, or None after claiming it for this request.

    The claim is a row written in the request's own transaction: a concurrent
    request with the same key waits on it (PostgreSQL) or queues behind the whole
    transaction (SQLite), then sees the committed answer or a conflict.
    """
    caller = caller_of(actor.token_id, actor.person_id)
    if caller is None:
        raise BadRequest(f"{HEADER} needs a caller that is a token or a person", field=HEADER)
    now = now or utcnow()
    existing = await _find(session, actor, caller, key)
    if existing is not None and existing.expires_at > now:
        return _answer_of(existing, request_fingerprint)
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    await _purge_expired(session, now)
    session.add(
        IdempotentRequest(
            organization_id=actor.organization_id,
            caller=caller,
            key=key,
            fingerprint=request_fingerprint,
            created_at=now,
            expires_at=now + retention,
        )
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _in_progress() from exc
    return None


async def _find(
    session: AsyncSession, actor: Actor, caller: str | None, key: str
) -> IdempotentRequest | None:
    statement = (
        select(IdempotentRequest)
        .where(IdempotentRequest.organization_id == actor.organization_id)
        .where(IdempotentRequest.caller == caller)
        .where(IdempotentRequest.key == key)
    )
    return (await session.exec(statement)).first()


def _answer_of(record: IdempotentRequest, request_fingerprint: str) -> StoredAnswer:
    if record.fingerprint != request_fingerprint:
        raise ValidationFailed(
            f"this {HEADER} was used for a different request; use a new key for a new request",
            field=HEADER,
        )
    if record.status_code is None or record.body is None:
        raise _in_progress()
    return StoredAnswer(record.status_code, dict(record.headers or {}), record.body)


def _in_progress() -> Conflict:
    return Conflict(
        f"a request with this {HEADER} is still being processed; retry it shortly", field=HEADER
    )


async def record_answer(
    session: AsyncSession,
    actor: Actor,
    key: str,
    *,
    status_code: int,
    headers: dict[str, Any],
    body: bytes,
) -> None:
    """Keep the answer of the request that claimed `key`, in the same transaction."""
    record = await _find(session, actor, caller_of(actor.token_id, actor.person_id), key)
    if record is None:
        raise LookupError(f"no claim of {HEADER} {key!r} in this transaction")
    record.status_code = status_code
    record.headers = {name: str(value) for name, value in headers.items()}
    record.body = body
    session.add(record)
    await session.flush()


async def _purge_expired(session: AsyncSession, now: datetime) -> None:
    """Forget a few expired answers on each claim, so the table stays the window's size."""
    expired = (
        select(IdempotentRequest.id)
        .where(col(IdempotentRequest.expires_at) < now)
        .limit(PURGE_BATCH)
        .scalar_subquery()
    )
    await session.exec(delete(IdempotentRequest).where(col(IdempotentRequest.id).in_(expired)))
