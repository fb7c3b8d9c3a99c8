"""Scheduled readouts: when an organization's leaders get which readout, and where, and
the history of every delivery.

A schedule is a cron expression read in its own time zone. Each tick it is due makes one
delivery, unique per schedule and tick, so however many workers look for due schedules a
tick is delivered once; a worker that finds several ticks missed (the service was down)
delivers the latest of them once, not one per missed tick.
"""

import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field as SQLField

from core.models.base import Entity, Identified, OrgScoped
from core.types import JSONType, UTCDateTime, utcnow


class ReadoutScope(enum.StrEnum):
    value_stream = "value_stream"
    value_streams = "value_streams"
    portfolio = "portfolio"


class ReadoutDestination(enum.StrEnum):
    email = "email"
    """Mailed over SMTP (VSM_SMTP_*) to `recipients`, the files attached."""
    directory = "directory"
    """Written into `directory`, a folder below VSM_READOUT_DIRECTORY."""
    webhook = "webhook"
    """The organization's webhook subscribers to `report.delivered` get its file's URL."""


class ReadoutSchedule(Entity, table=True):
    __tablename__ = "readout_schedule"
    __table_args__ = (Index("ix_readout_schedule_due", "enabled", "next_run_at"),)

    name: str = SQLField(max_length=200, nullable=False)
    cron: str = SQLField(max_length=100, nullable=False)
    timezone: str = SQLField(max_length=60, nullable=False)
    scope: ReadoutScope = SQLField(sa_type=String(20), nullable=False)
    value_stream_ids: list[str] = SQLField(default_factory=list, sa_type=JSONType, nullable=False)
    format: str = SQLField(max_length=40, nullable=False)
    destination: ReadoutDestination = SQLField(sa_type=String(20), nullable=False)
    recipients: list[str] = SQLField(default_factory=list, sa_type=JSONType, nullable=False)
    directory: str | None = SQLField(default=None, max_length=500)
    enabled: bool = SQLField(default=True, nullable=False)
    next_run_at: datetime = SQLField(sa_type=UTCDateTime, nullable=False)


class ReadoutDeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class ReadoutDelivery(Identified, OrgScoped, table=True):
    __tablename__ = "readout_delivery"
    __table_args__ = (UniqueConstraint("schedule_id", "tick"),)

    schedule_id: uuid.UUID = SQLField(
        foreign_key="readout_schedule.id", ondelete="CASCADE", nullable=False
    )
    tick: datetime = SQLField(sa_type=UTCDateTime, nullable=False)
    status: ReadoutDeliveryStatus = SQLField(
        default=ReadoutDeliveryStatus.pending, sa_type=String(20), nullable=False
    )
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    files: list[str] = SQLField(default_factory=list, sa_type=JSONType, nullable=False)
    bytes: int | None = SQLField(default=None)
    error: str | None = SQLField(default=None, max_length=2000)
    job_id: uuid.UUID | None = SQLField(default=None)
    figures: list[dict[str, Any]] = SQLField(default_factory=list, sa_type=JSONType, nullable=False)
    """Each value stream as the readout showed it (`core.exports.readout_figures`), for the
    next readout's "what changed since"."""


class ReadoutScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    cron: str = Field(
        min_length=1, max_length=100, description="five fields, e.g. '0 8 * * MON' (Monday 8:00)"
    )
    timezone: str = Field(
        default="UTC", max_length=60, description="an IANA zone, e.g. Europe/Berlin"
    )
    scope: ReadoutScope
    value_stream_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="one for scope value_stream, one or more for value_streams, none for portfolio",
    )
    format: str = Field(default="html", max_length=40, description="an exporter name")
    destination: ReadoutDestination
    recipients: list[EmailStr] = Field(
        default_factory=list, max_length=50, description="for email: who gets it"
    )
    directory: str | None = Field(
        default=None,
        max_length=500,
        description="for directory: a folder below VSM_READOUT_DIRECTORY, relative to it",
    )
    enabled: bool = True


class ReadoutScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    cron: str | None = Field(default=None, min_length=1, max_length=100)
    timezone: str | None = Field(default=None, max_length=60)
    format: str | None = Field(default=None, max_length=40)
    recipients: list[EmailStr] | None = Field(default=None, max_length=50)
    directory: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class ReadoutScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    name: str
    cron: str
    timezone: str
    scope: ReadoutScope
    value_stream_ids: list[uuid.UUID]
    format: str
    destination: ReadoutDestination
    recipients: list[str]
    directory: str | None
    enabled: bool
    next_run_at: datetime
    created_at: datetime
    updated_at: datetime


class ReadoutDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    schedule_id: uuid.UUID
    tick: datetime
    status: ReadoutDeliveryStatus
    created_at: datetime
    delivered_at: datetime | None
    files: list[str]
    bytes: int | None
    error: str | None
    job_id: uuid.UUID | None
