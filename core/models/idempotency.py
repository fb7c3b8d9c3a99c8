"""The first answer to a request sent with an Idempotency-Key, kept to answer its retries.

A client that lost the answer to a create (a crash, a cut connection) cannot know
whether it happened; sending the same request with the same key again returns
the answer the first one got instead of creating a second object. The answer is
stored in the same transaction as the change it reports, so one never exists
without the other.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field

from core.models.base import Identified, OrgScoped
from core.types import JSONType, UTCDateTime, utcnow


class IdempotentRequest(Identified, OrgScoped, table=True):
    __tablename__ = "idempotent_request"
    __table_args__ = (
        UniqueConstraint("organization_id", "caller", "key"),
        Index("ix_idempotent_request_expires_at", "expires_at"),
    )

    caller: str = Field(max_length=64, description="the token (or person) that sent the key")
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, target and body")
    status_code: int | None = Field(default=None)
    headers: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


def caller_of(token_id: uuid.UUID | None, person_id: uuid.UUID | None) -> str | None:
    """Keys are scoped per caller: a token, else a person; None when there is neither."""
    if token_id is not None:
        return f"token:{token_id}"
    if person_id is not None:
        return f"person:{person_id}"
    return None
