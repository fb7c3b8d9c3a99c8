"""Value stream maps: the current and desired states of one cycle, with steps and handoffs."""

import enum
import math
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, field_validator
from sqlalchemy import Index, String
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


class MapFields(SQLModel):
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


class MapRead(MapFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    cycle: int
    chosen: bool
    version: int
    created_at: datetime
    updated_at: datetime


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
    queue_size: int | None = Field(default=None, ge=0, le=10_000_000)

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
    tools: list[str] = Field(default_factory=list, sa_type=JSONType)
    artifacts: list[str] = Field(default_factory=list, sa_type=JSONType)
    value_class: ValueClass | None = Field(default=None, sa_type=String(40))


class StepCreate(StepFields):
    """Times as ISO 8601 (`PT39S`, `P5D`) or a number and unit (`3 h`, `2 days`)."""

    model_config = {"extra": "forbid"}

    position: int | None = Field(default=None, ge=0, le=1_000_000, description="default: last")
    process_time: DurationInput | None = None
    wait_time: DurationInput | None = None


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
    queue_size: int | None = Field(default=None, ge=0, le=10_000_000)
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    process_time: DurationInput | None = None
    wait_time: DurationInput | None = None


class StepRead(StepFields):
    id: uuid.UUID
    map_id: uuid.UUID
    position: int
    process_seconds: float | None
    wait_seconds: float | None
    process_time: str | None
    wait_time: str | None
    version: int


class HandoffFields(SQLModel):
    from_step_id: uuid.UUID
    to_step_id: uuid.UUID
    artifact: str | None = Field(default=None, max_length=200)
    cross_team: bool = False


class MapHandoff(HandoffFields, Entity, table=True):
    __tablename__ = "map_handoff"
    __table_args__ = (Index("ix_map_handoff_map_id", "map_id", "id"),)

    map_id: uuid.UUID = Field(foreign_key="value_stream_map.id", ondelete="CASCADE")
    from_step_id: uuid.UUID = Field(foreign_key="map_step.id", ondelete="CASCADE")
    to_step_id: uuid.UUID = Field(foreign_key="map_step.id", ondelete="CASCADE")


class HandoffCreate(HandoffFields):
    model_config = {"extra": "forbid"}


class HandoffUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    artifact: str | None = Field(default=None, max_length=200)
    cross_team: bool | None = None


class HandoffRead(HandoffFields):
    id: uuid.UUID
    map_id: uuid.UUID
    version: int


def iso_duration(seconds: float | None) -> str | None:
    """Without a day part, so a client can send it back under any working calendar.

    None also for a stored value that no duration can be (negative, infinite, not a
    number), which older data may hold: reading a step never fails on its times.
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return format_duration(seconds, days=False)


def step_read(step: MapStep) -> StepRead:
    """The stored seconds, and the same in ISO 8601 for people."""
    data = step.model_dump(warnings=False)
    data["process_time"] = iso_duration(step.process_seconds)
    data["wait_time"] = iso_duration(step.wait_seconds)
    return StepRead.model_validate(data)
