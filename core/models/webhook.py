"""Outbound webhooks: an organization's subscriptions, each event's deliveries to them, and
every attempt of each delivery.

A delivery is one event for one subscription; its id is the `webhook-id` header of the
Standard Webhooks specification, the same on every attempt and redelivery, so a
receiver recognises a message it already has. Each attempt is logged with its status
code and timing.
"""

import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator
from sqlalchemy import Index, String
from sqlmodel import Field as SQLField

from core.models.base import Entity, Identified, OrgScoped
from core.types import JSONType, UTCDateTime, utcnow


class WebhookSubscription(Entity, table=True):
    __tablename__ = "webhook_subscription"

    url: str = SQLField(max_length=2000, nullable=False)
    events: list[str] = SQLField(default_factory=list, sa_type=JSONType, nullable=False)
    description: str | None = SQLField(default=None, max_length=2000)
    enabled: bool = SQLField(default=True, nullable=False)
    disabled_reason: str | None = SQLField(default=None, max_length=2000)
    secret: str = SQLField(max_length=200, nullable=False)
    previous_secret: str | None = SQLField(default=None, max_length=200)
    previous_secret_expires_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    """Every attempt failed (about a day of them), or the subscription was disabled first."""


class WebhookDelivery(Identified, OrgScoped, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_subscription_order", "subscription_id", "created_at", "id"),
    )

    subscription_id: uuid.UUID = SQLField(
        foreign_key="webhook_subscription.id", ondelete="CASCADE", nullable=False
    )
    event_id: uuid.UUID = SQLField(nullable=False)
    event_type: str = SQLField(max_length=80, nullable=False)
    payload: dict[str, Any] = SQLField(sa_type=JSONType, nullable=False)
    status: DeliveryStatus = SQLField(
        default=DeliveryStatus.pending, sa_type=String(20), nullable=False
    )
    attempts: int = SQLField(default=0, nullable=False)
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    job_id: uuid.UUID | None = SQLField(default=None)


class WebhookAttempt(Identified, OrgScoped, table=True):
    __tablename__ = "webhook_attempt"

    delivery_id: uuid.UUID = SQLField(
        foreign_key="webhook_delivery.id", ondelete="CASCADE", index=True, nullable=False
    )
    at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    status_code: int | None = SQLField(default=None)
    error: str | None = SQLField(default=None, max_length=2000)
    duration_ms: int = SQLField(default=0, nullable=False)


class WebhookSubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="http(s) URL the events are POSTed to")
    events: list[str] = Field(
        min_length=1,
        max_length=50,
        description="event types to receive (see GET /webhook-event-types), or ['*'] for all",
    )
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("url")
    @classmethod
    def _short_enough(cls, value: HttpUrl) -> HttpUrl:
        if len(str(value)) > 2000:
            raise ValueError("at most 2000 characters")
        return value


class WebhookSubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl | None = None
    events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool | None = Field(
        default=None, description="true turns a subscription disabled after failures back on"
    )


class WebhookSubscriptionRead(BaseModel):
    """A subscription as listed: its secret is shown only when made or rotated."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionWithSecret(WebhookSubscriptionRead):
    secret: str = Field(
        description="whsec_...: the key receivers verify signatures with; shown once"
    )


class WebhookAttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveryDetail(WebhookDeliveryRead):
    """A delivery with the log of its attempts, oldest first."""

    attempts_log: list[WebhookAttemptRead]


class WebhookEventType(BaseModel):
    type: str
    description: str
    payload_version: int
