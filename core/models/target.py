"""Flow-metric targets of a value stream and the measurements that show progress."""

import enum
import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, ConfigDict, model_validator
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from core.metrics.targets import (
    EXPECTED_PERCENT,
    MAX_CLOCK_SKEW,
    PERCENT_OF_WAY,
    STATUS_RULE,
    Direction,
    TargetStatus,
)
from core.models.base import Entity
from core.types import UTCDateTime, utcnow


class MetricKey(enum.StrEnum):
    lead_time = "lead_time"
    process_time = "process_time"
    activity_ratio = "activity_ratio"
    rolled_pca = "rolled_pca"
    handoffs = "handoffs"
    flow_velocity = "flow_velocity"
    flow_time = "flow_time"
    flow_efficiency = "flow_efficiency"
    flow_load = "flow_load"
    flow_distribution_feature = "flow_distribution_feature"
    flow_distribution_defect = "flow_distribution_defect"
    flow_distribution_risk = "flow_distribution_risk"
    flow_distribution_debt = "flow_distribution_debt"
    deployment_frequency = "deployment_frequency"
    lead_time_for_changes = "lead_time_for_changes"
    change_failure_rate = "change_failure_rate"
    time_to_restore = "time_to_restore"
    custom = "custom"


class TargetFields(SQLModel):
    metric: MetricKey
    custom_key: str | None = Field(default=None, max_length=60)
    unit: str | None = Field(default=None, max_length=30)
    baseline: float
    target: float
    direction: Direction
    start_date: date | None = None
    due_date: date
    owner_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)


class FlowTarget(TargetFields, Entity, table=True):
    __tablename__ = "flow_target"

    value_stream_id: uuid.UUID = Field(
        foreign_key="value_stream.id", index=True, ondelete="CASCADE"
    )
    metric: MetricKey = Field(sa_type=String(40))
    direction: Direction = Field(sa_type=String(20))
    start_date: date
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class TargetCreate(TargetFields):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _custom_needs_key(self) -> "TargetCreate":
        if self.metric == MetricKey.custom and not (self.custom_key and self.unit):
            raise ValueError("a custom metric needs custom_key and unit")
        if self.metric != MetricKey.custom and self.custom_key:
            raise ValueError("custom_key is only for the custom metric")
        return self


class TargetUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    baseline: float | None = None
    target: float | None = None
    direction: Direction | None = None
    start_date: date | None = None
    due_date: date | None = None
    owner_id: uuid.UUID | None = None
    unit: str | None = Field(default=None, max_length=30)
    note: str | None = Field(default=None, max_length=4000)


class TargetFromMaps(SQLModel):
    """A target whose baseline is the current map's value and target the chosen desired map's."""

    model_config = ConfigDict(extra="forbid")

    metric: MetricKey
    due_date: date
    owner_id: uuid.UUID | None = None


class ProgressRead(SQLModel):
    """Where a target stands now, computed from its measurements, never stored."""

    latest_value: float | None = Field(
        description="the latest measurement taken up to now, in the target's unit"
    )
    latest_at: datetime | None = Field(description="when the latest measurement was taken")
    percent_of_way: float | None = Field(description=PERCENT_OF_WAY)
    status: TargetStatus = Field(description=STATUS_RULE)
    expected_percent_now: float | None = Field(description=EXPECTED_PERCENT)
    reason: str = Field(description="the status in words, with the numbers behind it")


class TargetRead(TargetFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    start_date: date
    version: int
    created_at: datetime
    progress: ProgressRead | None = None


class Measurement(Entity, table=True):
    __table_args__ = (Index("ix_measurement_target_at", "target_id", "measured_at"),)

    target_id: uuid.UUID = Field(foreign_key="flow_target.id", ondelete="CASCADE")
    value: float
    measured_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(default="manual", max_length=40)
    note: str | None = Field(default=None, max_length=2000)


MEASURED_AT = (
    "when the value was measured, ISO 8601 with a time zone; default: now. At most "
    f"{MAX_CLOCK_SKEW.total_seconds() / 60:g} minutes ahead of the service's clock"
)


class MeasurementCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    measured_at: AwareDatetime | None = Field(default=None, description=MEASURED_AT)
    source: str = Field(default="manual", min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MeasurementUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    value: float | None = None
    measured_at: AwareDatetime | None = Field(default=None, description=MEASURED_AT)
    source: str | None = Field(default=None, min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MeasurementRead(SQLModel):
    id: uuid.UUID
    target_id: uuid.UUID
    value: float
    measured_at: datetime
    source: str
    note: str | None
    version: int
