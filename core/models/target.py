"""Flow-metric targets of a value stream and the measurements that show progress."""

import enum
import uuid
from datetime import date, datetime

from pydantic import AwareDatetime
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.metrics.target_progress import MAX_CLOCK_SKEW, Direction, ProgressRead
from core.metrics.units import describe_units
from core.models.base import Entity
from core.ranges import MetricValue
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


UNIT = (
    "the unit baseline, target and measurements are given and shown in; one of the "
    f"metric's units ({describe_units()}). Default: the metric's stored unit. Values are "
    "stored in the metric's stored unit, so changing the unit changes how they read, not "
    "what they mean. A custom metric's unit is free text, and required"
)
IN_UNIT = "in the target's unit"


class TargetFields(SQLModel):
    metric: MetricKey = Field(
        description="the metric the target is set on; the flow and map metrics are defined "
        "in the FlowBucket and MapMetrics schemas, custom is the team's own (custom_key)"
    )
    custom_key: str | None = Field(default=None, max_length=60)
    unit: str | None = Field(default=None, max_length=30, description=UNIT)
    baseline: float = Field(description=f"where the metric stood, {IN_UNIT}")
    target: float = Field(description=f"where the metric should be by due_date, {IN_UNIT}")
    direction: Direction
    start_date: date | None = None
    due_date: date
    owner_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)


class FlowTarget(TargetFields, Entity, table=True):
    __tablename__ = "flow_target"
    __table_args__ = (Index("ix_flow_target_value_stream_id", "value_stream_id", "id"),)

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    metric: MetricKey = Field(sa_type=String(40))
    baseline: float = Field(description="in the metric's stored unit")
    target: float = Field(description="in the metric's stored unit")
    direction: Direction = Field(sa_type=String(20))
    start_date: date
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class TargetCreate(TargetFields):
    model_config = {"extra": "forbid"}

    baseline: MetricValue = Field(description=f"where the metric stood, {IN_UNIT}")
    target: MetricValue = Field(description=f"where the metric should be by due_date, {IN_UNIT}")


class TargetUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    baseline: MetricValue | None = Field(default=None, description=IN_UNIT)
    target: MetricValue | None = Field(default=None, description=IN_UNIT)
    direction: Direction | None = None
    start_date: date | None = None
    due_date: date | None = None
    owner_id: uuid.UUID | None = None
    unit: str | None = Field(
        default=None,
        max_length=30,
        description="another of the metric's units to read the target in; baseline and "
        "target sent with it are in it",
    )
    note: str | None = Field(default=None, max_length=4000)


class TargetFromMaps(SQLModel):
    """A target whose baseline is the current map's value and target the chosen desired map's."""

    model_config = {"extra": "forbid"}

    metric: MetricKey
    due_date: date
    owner_id: uuid.UUID | None = None
    unit: str | None = Field(
        default=None,
        max_length=30,
        description="one of the metric's units; default: the largest in which both "
        "values read as at least 1 (hours for 16 and 8 hours, days for 22 and 10 days)",
    )


class TargetRead(TargetFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    start_date: date
    version: int
    created_at: datetime
    progress: ProgressRead | None = None


class Measurement(Entity, table=True):
    """A value of a target's metric, stored in the metric's canonical unit.

    A measurement taken from delivery flow names the window it measured; there is at
    most one per target and window, so measuring a window again cannot add a copy.
    """

    __table_args__ = (
        Index("ix_measurement_target_at", "target_id", "measured_at", "id"),
        UniqueConstraint("target_id", "window_start", "window_end"),
    )

    target_id: uuid.UUID = Field(foreign_key="flow_target.id", ondelete="CASCADE")
    value: float
    measured_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(default="manual", max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)


MEASURED_AT = (
    "when the value was measured, ISO 8601 with a time zone; default: now. At most "
    f"{MAX_CLOCK_SKEW.total_seconds() / 60:g} minutes ahead of the service's clock"
)


class MeasurementCreate(SQLModel):
    model_config = {"extra": "forbid"}

    value: MetricValue = Field(description=IN_UNIT)
    measured_at: AwareDatetime | None = Field(default=None, description=MEASURED_AT)
    source: str = Field(default="manual", min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MeasurementUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    value: MetricValue | None = Field(default=None, description=IN_UNIT)
    measured_at: AwareDatetime | None = Field(default=None, description=MEASURED_AT)
    source: str | None = Field(default=None, min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MeasurementRead(SQLModel):
    id: uuid.UUID
    target_id: uuid.UUID
    value: float = Field(description=IN_UNIT)
    unit: str | None = Field(default=None, description="the target's unit")
    measured_at: datetime
    source: str
    note: str | None
    window_start: datetime | None = Field(
        default=None,
        description="for a measurement taken from delivery flow: the start of the window "
        "[window_start, window_end) it measured; null for others",
    )
    window_end: datetime | None = Field(
        default=None, description="the end of that window, which is also measured_at"
    )
    version: int


class FlowMeasurementsRead(SQLModel):
    """What measuring a window of delivery flow did: one measurement per target and window.

    Measuring the same window again adds nothing. A target whose value over the window is
    what was measured before keeps that measurement (unchanged); one whose delivery data
    changed since (incidents reported late, say) has its measurement replaced by the new
    value, in place, with an audit event holding the value before and after (replaced).
    """

    recorded: list[MeasurementRead] = Field(
        description="targets measured over this window for the first time"
    )
    replaced: list[MeasurementRead] = Field(
        description="targets measured over this window before, whose value changed since "
        "because the delivery data changed: the measurement now holds the new value"
    )
    unchanged: list[MeasurementRead] = Field(
        description="targets measured over this window before, with the same value: "
        "nothing was written"
    )
