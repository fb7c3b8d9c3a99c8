"""Delivery data ingested from trackers and pipelines, from which flow and DORA metrics come.

Durations are computed once at ingest (flow seconds, active seconds, lead seconds,
restore seconds) so the aggregates stay plain, portable SQL.
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field

from core.models.base import Identified, OrgScoped, Timestamped
from core.types import UTCDateTime


class WorkItemType(enum.StrEnum):
    feature = "feature"
    defect = "defect"
    risk = "risk"
    debt = "debt"


class WorkItem(Identified, OrgScoped, Timestamped, table=True):
    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("value_stream_id", "external_id"),
        Index("ix_work_item_stream_finished", "value_stream_id", "finished_at"),
        Index("ix_work_item_stream_started", "value_stream_id", "start_at"),
        Index("ix_work_item_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    external_id: str = Field(max_length=200)
    type: WorkItemType = Field(sa_type=String(20))
    title: str | None = Field(default=None, max_length=500)
    created: datetime = Field(sa_type=UTCDateTime)
    started: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    start_at: datetime = Field(sa_type=UTCDateTime, description="started, or created if never")
    flow_seconds: float | None = None
    active_seconds: float | None = None
    waiting_seconds: float | None = None
    blocked_seconds: float | None = None


class WorkItemState(Identified, OrgScoped, table=True):
    __tablename__ = "work_item_state"

    work_item_id: uuid.UUID = Field(foreign_key="work_item.id", index=True, ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(max_length=100)
    flag: str = Field(max_length=20)


class Deployment(Identified, OrgScoped, Timestamped, table=True):
    __table_args__ = (
        UniqueConstraint("value_stream_id", "external_id"),
        Index("ix_deployment_stream_at", "value_stream_id", "deployed_at"),
        Index("ix_deployment_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    external_id: str = Field(max_length=200)
    deployed_at: datetime = Field(sa_type=UTCDateTime)
    succeeded: bool = True
    caused_incident: bool = False
    incident_external_id: str | None = Field(default=None, max_length=200)


class DeploymentChange(Identified, OrgScoped, table=True):
    """One commit shipped by a deployment, with its lead time for changes."""

    __tablename__ = "deployment_change"
    __table_args__ = (Index("ix_deployment_change_stream_at", "value_stream_id", "deployed_at"),)

    deployment_id: uuid.UUID = Field(foreign_key="deployment.id", index=True, ondelete="CASCADE")
    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    committed_at: datetime = Field(sa_type=UTCDateTime)
    deployed_at: datetime = Field(sa_type=UTCDateTime)
    succeeded: bool = True
    lead_seconds: float


class Incident(Identified, OrgScoped, Timestamped, table=True):
    __table_args__ = (
        UniqueConstraint("value_stream_id", "external_id"),
        Index("ix_incident_stream_resolved", "value_stream_id", "resolved_at"),
        Index("ix_incident_stream_deployment", "value_stream_id", "deployment_external_id"),
        Index("ix_incident_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    external_id: str = Field(max_length=200)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    restore_seconds: float | None = None
    deployment_external_id: str | None = Field(default=None, max_length=200)
