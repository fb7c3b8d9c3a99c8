"""Value stream maps: the current and desired states of one cycle, with steps and handoffs."""

import enum
import math
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, field_validator
from sqlalchemy import Index, String
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from core.durations import format_duration
from core.maps.flowmap import ValueClass
from core.models.base import Entity
from core.types import JSONType


class MapKind(enum.StrEnum):
    current = "current"
    desired = "desired"


WaitsIn = Literal["calendar", "working"]


def _not_a_flag(value: object) -> object:
    """JSON `true` is a number to lax validation; as a duration it is a mistake."""
    if isinstance(value, bool):
        raise ValueError("a duration is text like PT1H or 3 h, or a number of seconds")
    return value


DurationInput = Annotated[
    str | int | float,
    BeforeValidator(_not_a_flag),
    Field(description="ISO 8601 (PT39S, P5D) or a number and unit (3 h, 2 working days)"),
]


_DEMAND = (
    "customer demand: units the customer takes in demand_working_days working days "
    "(Learning to See's data box); null: not stated, so no takt time"
)
_DEMAND_DAYS = (
    "the working days the demand is stated over: 1 for a day, 5 for a week, 20 for a "
    "month of 20 working days"
)
_SHIFTS = "shifts worked per working day"
_SHIFT_HOURS = "hours per shift; null: the map's hours_per_working_day"
_BREAKS = "minutes of breaks per shift, not available for work"


class DataBoxFields(SQLModel):
    """The map's data box: what the customer asks for, and the working time to make it."""

    demand_units: float | None = Field(default=None, gt=0, le=1e12, description=_DEMAND)
    demand_working_days: float = Field(default=1.0, gt=0, le=366, description=_DEMAND_DAYS)
    shifts_per_day: int = Field(default=1, ge=1, le=24, description=_SHIFTS)
    shift_hours: float | None = Field(default=None, gt=0, le=24, description=_SHIFT_HOURS)
    break_minutes_per_shift: float = Field(default=0.0, ge=0, le=1440, description=_BREAKS)


class MapFields(DataBoxFields):
    kind: MapKind
    name: str = Field(min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)
    hours_per_working_day: float = Field(default=8.0, gt=0, le=24)
    waits_in: WaitsIn = "calendar"


class ValueStreamMap(MapFields, Entity, table=True):
    __tablename__ = "value_stream_map"
    __table_args__ = (
        Index("ix_value_stream_map_stream_cycle", "value_stream_id", "cycle"),
        Index("ix_value_stream_map_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    cycle: int
    kind: MapKind = Field(sa_type=String(20))
    waits_in: WaitsIn = Field(default="calendar", sa_type=String(20))
    chosen: bool = False
    demand_working_days: float = Field(default=1.0, sa_column_kwargs={"server_default": "1"})
    shifts_per_day: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    break_minutes_per_shift: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class MapCreate(MapFields):
    model_config = {"extra": "forbid"}

    chosen: bool = False


class MapUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)
    hours_per_working_day: float | None = Field(default=None, gt=0, le=24)
    waits_in: WaitsIn | None = None
    chosen: bool | None = None
    demand_units: float | None = Field(default=None, gt=0, le=1e12, description=_DEMAND)
    demand_working_days: float | None = Field(default=None, gt=0, le=366, description=_DEMAND_DAYS)
    shifts_per_day: int | None = Field(default=None, ge=1, le=24, description=_SHIFTS)
    shift_hours: float | None = Field(default=None, gt=0, le=24, description=_SHIFT_HOURS)
    break_minutes_per_shift: float | None = Field(default=None, ge=0, le=1440, description=_BREAKS)


class MapRead(MapFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    cycle: int
    chosen: bool
    version: int
    created_at: datetime
    updated_at: datetime


_INVENTORY = (
    "inventory: units waiting in front of the step. When the step's wait is not "
    "measured and the map states demand, the wait is these units' days of demand"
)
_UPTIME = "uptime: percent of the available time the step can run (null: 100)"
_BATCH = "units made between changeovers"
_CYCLE = (
    "cycle time per unit: how often the step completes one, as ISO 8601 or a number and "
    "unit; with uptime and the map's working time it gives the step's capacity"
)
_CHANGEOVER = "changeover time: switching from one kind of unit to another"


class StepFields(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    role: str | None = Field(default=None, max_length=120)
    team: str | None = Field(default=None, max_length=120)
    people: int | None = Field(default=None, ge=0, le=100_000)
    percent_complete_accurate: float | None = Field(default=None, ge=0, le=100)
    tools: list[str] = Field(default_factory=list, max_length=50)
    artifacts: list[str] = Field(default_factory=list, max_length=50)
    automated: bool = False
    cicd_stage: bool = False
    value_class: ValueClass | None = None
    queue_size: int | None = Field(default=None, ge=0, le=10_000_000, description=_INVENTORY)
    uptime_percent: float | None = Field(default=None, gt=0, le=100, description=_UPTIME)
    batch_size: int | None = Field(default=None, ge=1, le=10_000_000, description=_BATCH)

    @field_validator("tools", "artifacts")
    @classmethod
    def _short_names(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value or len(value) > 200:
                raise ValueError("each entry needs 1 to 200 characters")
        return values


class MapStep(StepFields, Entity, table=True):
    """One activity; times are stored normalized, in seconds."""

    __tablename__ = "map_step"
    __table_args__ = (Index("ix_map_step_map_position", "map_id", "position", "id"),)

    map_id: uuid.UUID = Field(foreign_key="value_stream_map.id", ondelete="CASCADE")
    position: int
    process_seconds: float | None = None
    wait_seconds: float | None = None
    cycle_seconds: float | None = None
    changeover_seconds: float | None = None
    tools: list[str] = Field(default_factory=list, sa_type=JSONType)
    artifacts: list[str] = Field(default_factory=list, sa_type=JSONType)
    value_class: ValueClass | None = Field(default=None, sa_type=String(40))


class StepCreate(StepFields):
    """Times as ISO 8601 (`PT39S`, `P5D`) or a number and unit (`3 h`, `2 days`)."""

    model_config = {"extra": "forbid"}

    position: int | None = Field(default=None, ge=0, le=1_000_000, description="default: last")
    process_time: DurationInput | None = None
    wait_time: DurationInput | None = None
    cycle_time: DurationInput | None = Field(default=None, description=_CYCLE)
    changeover_time: DurationInput | None = Field(default=None, description=_CHANGEOVER)


class StepUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    role: str | None = Field(default=None, max_length=120)
    team: str | None = Field(default=None, max_length=120)
    people: int | None = Field(default=None, ge=0, le=100_000)
    percent_complete_accurate: float | None = Field(default=None, ge=0, le=100)
    tools: list[str] | None = Field(default=None, max_length=50)
    artifacts: list[str] | None = Field(default=None, max_length=50)
    automated: bool | None = None
    cicd_stage: bool | None = None
    value_class: ValueClass | None = None
    queue_size: int | None = Field(default=None, ge=0, le=10_000_000, description=_INVENTORY)
    uptime_percent: float | None = Field(default=None, gt=0, le=100, description=_UPTIME)
    batch_size: int | None = Field(default=None, ge=1, le=10_000_000, description=_BATCH)
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    process_time: DurationInput | None = None
    wait_time: DurationInput | None = None
    cycle_time: DurationInput | None = Field(default=None, description=_CYCLE)
    changeover_time: DurationInput | None = Field(default=None, description=_CHANGEOVER)


class StepRead(StepFields):
    id: uuid.UUID
    map_id: uuid.UUID
    position: int
    process_seconds: float | None
    wait_seconds: float | None
    cycle_seconds: float | None = None
    changeover_seconds: float | None = None
    process_time: str | None
    wait_time: str | None
    cycle_time: str | None = None
    changeover_time: str | None = None
    version: int


_REWORK = (
    "a rework loop: the work goes back from a later step (from_step_id) to an earlier "
    "one (to_step_id) and runs through the steps between again. Lead time leaves it "
    "out; expected rework counts it"
)
_REWORK_PERCENT = (
    "percent of the work sent back along a rework loop; null: 100 - %C&A of the step "
    "sending it back"
)
_LOOP_WAIT = "a rework loop's own wait before the earlier step takes the work up again"


class HandoffFields(SQLModel):
    from_step_id: uuid.UUID
    to_step_id: uuid.UUID
    artifact: str | None = Field(default=None, max_length=200)
    cross_team: bool = False
    rework: bool = Field(default=False, description=_REWORK)
    rework_percent: float | None = Field(default=None, gt=0, le=100, description=_REWORK_PERCENT)


class MapHandoff(HandoffFields, Entity, table=True):
    __tablename__ = "map_handoff"
    __table_args__ = (Index("ix_map_handoff_map_id", "map_id", "id"),)

    map_id: uuid.UUID = Field(foreign_key="value_stream_map.id", ondelete="CASCADE")
    from_step_id: uuid.UUID = Field(foreign_key="map_step.id", ondelete="CASCADE")
    to_step_id: uuid.UUID = Field(foreign_key="map_step.id", ondelete="CASCADE")
    rework: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    wait_seconds: float | None = None


class HandoffCreate(HandoffFields):
    model_config = {"extra": "forbid"}

    wait_time: DurationInput | None = Field(default=None, description=_LOOP_WAIT)


class HandoffUpdate(SQLModel):
    """A handoff's ends and whether it is a rework loop stay; replace it to change them."""

    model_config = {"extra": "forbid"}

    artifact: str | None = Field(default=None, max_length=200)
    cross_team: bool | None = None
    rework_percent: float | None = Field(default=None, gt=0, le=100, description=_REWORK_PERCENT)
    wait_time: DurationInput | None = Field(default=None, description=_LOOP_WAIT)


class HandoffRead(HandoffFields):
    id: uuid.UUID
    map_id: uuid.UUID
    wait_seconds: float | None = None
    wait_time: str | None = None
    version: int


def iso_duration(seconds: float | None) -> str | None:
    """Without a day part, so a client can send it back under any working calendar.

    None also for a stored value that no duration can be (negative, infinite, not a
    number), which older data may hold: reading a step never fails on its times.
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return format_duration(seconds, days=False)


STEP_DURATIONS = (
    ("process_time", "process_seconds"),
    ("wait_time", "wait_seconds"),
    ("cycle_time", "cycle_seconds"),
    ("changeover_time", "changeover_seconds"),
)
"""A step's durations as people send them, and the seconds they are stored as."""


def step_read(step: MapStep) -> StepRead:
    """The stored seconds, and the same in ISO 8601 for people."""
    data = step.model_dump(warnings=False)
    for given, stored in STEP_DURATIONS:
        data[given] = iso_duration(getattr(step, stored))
    return StepRead.model_validate(data)


def handoff_read(handoff: MapHandoff) -> HandoffRead:
    data = handoff.model_dump(warnings=False)
    data["wait_time"] = iso_duration(handoff.wait_seconds)
    return HandoffRead.model_validate(data)
