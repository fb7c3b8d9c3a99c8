"""Background jobs, kept in the application database.

A job is written in the transaction of the change that asked for it, so it exists
exactly when that change committed. Workers claim it under a lease (`locked_by`,
`locked_until`); a worker that dies mid-job loses nothing, because its lease runs out
and another worker claims the job again. `attempts` counts claims: a finish or failure
is stored only by the worker holding the claim it names, so a worker whose lease ran out
cannot overwrite what the next one did.
"""

import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, LargeBinary, String
from sqlmodel import Field

from core.models.base import Entity, OrgScoped
from core.models.token import Role
from core.types import JSONType, UTCDateTime, utcnow


class JobStatus(enum.StrEnum):
    queued = "queued"
    """Waiting for its `run_at` and a worker; a failed job waits here for its retry."""
    running = "running"
    succeeded = "succeeded"
    dead = "dead"
    """Failed on its last attempt, or refused as unknown: kept for a person to read and
    retry (`POST /jobs/{id}/retry`)."""


class Job(Entity, table=True):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_run_at", "status", "run_at"),)

    kind: str = Field(max_length=60, nullable=False)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    status: JobStatus = Field(default=JobStatus.queued, sa_type=String(20), nullable=False)
    attempts: int = Field(default=0, nullable=False)
    max_attempts: int = Field(default=5, nullable=False)
    run_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    locked_by: str | None = Field(default=None, max_length=200)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    output_bytes: int | None = Field(default=None)
    output_media_type: str | None = Field(default=None, max_length=200)
    output_name: str | None = Field(default=None, max_length=300)
    role: Role = Field(sa_type=String(16), nullable=False)
    """The role of whoever asked: the job runs with it, never with more."""
    token_id: uuid.UUID | None = Field(default=None)


class JobOutput(OrgScoped, table=True):
    """The file a job made, apart from the job, so lists of jobs never read files."""

    __tablename__ = "job_output"

    job_id: uuid.UUID = Field(foreign_key="job.id", primary_key=True, ondelete="CASCADE")
    data: bytes = Field(sa_type=LargeBinary, nullable=False)


class JobRead(BaseModel):
    """A job as its status resource shows it; the output is downloaded on its own."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    kind: str
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    result: dict[str, Any] | None
    output_media_type: str | None
    output_name: str | None
    output_bytes: int | None
