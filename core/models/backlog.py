"""The transformation backlog: ranked items, their RACI, dependencies and roadmap milestones."""

import enum
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import Field as PydanticField
from pydantic import ValidationInfo, field_validator
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.backlog.ownership import BacklogStatus, RaciRole
from core.metrics import units
from core.metrics.wsjf import wsjf
from core.models.base import Entity
from core.ranges import MetricValue
from core.types import JSONType, UTCDateTime, utcnow

RANK_LENGTH = 64
RANK_TYPE = String(RANK_LENGTH).with_variant(String(RANK_LENGTH, collation="C"), "postgresql")
"""Rank keys compare byte by byte; PostgreSQL's default collation would not."""


class ItemType(enum.StrEnum):
    process = "process"
    automation = "automation"
    tooling = "tooling"
    organization = "organization"
    training = "training"
    other = "other"


class ExpectedEffect(SQLModel):
    """What an item is expected to move, e.g. lead_time by -5 days.

    Read back as stored: an effect kept before its metric and unit were checked still
    reads, and its realised effect says why it cannot be measured.
    """

    model_config = {"extra": "forbid"}

    metric: str = Field(min_length=1, max_length=60)
    change: float | None = None
    unit: str | None = Field(default=None, max_length=30)
    note: str | None = Field(default=None, max_length=500)


EFFECT_METRICS: tuple[str, ...] = tuple(units.QUANTITIES)
"""The metrics an effect may be expected on: the flow and map metrics targets are set on,
which the service measures; a target's custom metric it cannot."""


class ExpectedEffectInput(ExpectedEffect):
    """An expected effect as a client sends it: a metric the service measures, a finite
    change, in one of the metric's units (its stored unit when left out)."""

    metric: str = Field(
        min_length=1,
        max_length=60,
        description="the metric the item should move, a key targets use: "
        + ", ".join(EFFECT_METRICS),
    )
    change: MetricValue | None = Field(
        default=None, description="the expected change, in unit: negative for a fall"
    )
    unit: str | None = PydanticField(
        default=None,
        max_length=30,
        validate_default=True,
        description=f"the unit of change; one of the metric's units ({units.describe_units()})"
        ". Default: the metric's stored unit",
    )

    @field_validator("metric")
    @classmethod
    def _measured_metric(cls, metric: str) -> str:
        if metric not in EFFECT_METRICS:
            raise ValueError(
                f"{metric!r} is not a metric the service measures: use one of "
                + ", ".join(EFFECT_METRICS)
            )
        return metric

    @field_validator("unit")
    @classmethod
    def _unit_of_metric(cls, unit: str | None, info: ValidationInfo) -> str | None:
        metric = info.data.get("metric")
        if metric is None:
            return unit
        try:
            return units.unit_for(metric, unit)
        except units.UnknownUnit as exc:
            raise ValueError(str(exc)) from exc


WsjfScore = int | None
DONE_AT = (
    "when the item last reached done, set by the service when its status becomes done and "
    "cleared when it is reopened; null while not done, and for an item done before the "
    "service kept this whose audit trail does not say when"
)


class BacklogFields(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    type: ItemType = ItemType.process
    status: BacklogStatus = BacklogStatus.proposed
    business_value: WsjfScore = Field(default=None, ge=1, le=100)
    time_criticality: WsjfScore = Field(default=None, ge=1, le=100)
    risk_reduction: WsjfScore = Field(default=None, ge=1, le=100)
    job_size: WsjfScore = Field(default=None, ge=1, le=100)
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    due_date: date | None = None
    milestone_id: uuid.UUID | None = None


class BacklogItem(BacklogFields, Entity, table=True):
    """A backlog is a strict order: no two items of a stream share a rank, in the schema too."""

    __tablename__ = "backlog_item"
    __table_args__ = (
        UniqueConstraint("value_stream_id", "rank"),
        Index("ix_backlog_item_stream_rank_id", "value_stream_id", "rank", "id"),
        Index("ix_backlog_item_stream_wsjf", "value_stream_id", "wsjf_sort", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    type: ItemType = Field(default=ItemType.process, sa_type=String(20))
    status: BacklogStatus = Field(default=BacklogStatus.proposed, sa_type=String(20))
    rank: str = Field(sa_type=RANK_TYPE)
    wsjf_sort: float = Field(
        default=0.0, description="WSJF for sorting; 0 while an input is missing"
    )
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    milestone_id: uuid.UUID | None = Field(
        default=None, foreign_key="milestone.id", ondelete="SET NULL"
    )
    finding_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    step_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    expected_effects: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def wsjf(self) -> float | None:
        return wsjf(*(getattr(self, name) for name in WSJF_INPUTS), strict=False)

    @property
    def overdue(self) -> bool:
        return is_overdue(self.status, self.due_date, utcnow().date())


WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "job_size")
"""An item's scores that its WSJF is computed from, in `core.metrics.wsjf.wsjf`'s order."""


def item_wsjf(values: Mapping[str, Any]) -> float | None:
    """The WSJF of an item's values; None while an input is missing."""
    return wsjf(*(values.get(name) for name in WSJF_INPUTS), strict=False)


def is_overdue(status: str, due_date: date | None, today: date) -> bool:
    """Past its due date and neither done nor dropped."""
    still_open = status not in (BacklogStatus.done, BacklogStatus.dropped)
    return still_open and due_date is not None and due_date < today


def backlog_derived(values: Mapping[str, Any]) -> dict[str, Any]:
    """What an item's answer shows beyond its columns, from the columns alone.

    A page of items read without ORM objects gets these from each row, as
    `backlog_read` gets them from an item; both say the same by construction.
    """
    return {
        "wsjf": item_wsjf(values),
        "overdue": is_overdue(values["status"], values["due_date"], utcnow().date()),
    }


class BacklogLinks(SQLModel):
    finding_ids: list[uuid.UUID] = PydanticField(default_factory=list, max_length=200)
    step_ids: list[uuid.UUID] = PydanticField(default_factory=list, max_length=200)
    expected_effects: list[ExpectedEffectInput] = PydanticField(default_factory=list, max_length=50)


class BacklogCreate(BacklogFields, BacklogLinks):
    model_config = {"extra": "forbid"}

    after_id: uuid.UUID | None = Field(
        default=None, description="place the item right after this one; default: at the end"
    )


class BacklogUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    type: ItemType | None = None
    status: BacklogStatus | None = None
    business_value: WsjfScore = Field(default=None, ge=1, le=100)
    time_criticality: WsjfScore = Field(default=None, ge=1, le=100)
    risk_reduction: WsjfScore = Field(default=None, ge=1, le=100)
    job_size: WsjfScore = Field(default=None, ge=1, le=100)
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    due_date: date | None = None
    milestone_id: uuid.UUID | None = None
    finding_ids: list[uuid.UUID] | None = PydanticField(default=None, max_length=200)
    step_ids: list[uuid.UUID] | None = PydanticField(default=None, max_length=200)
    expected_effects: list[ExpectedEffectInput] | None = PydanticField(default=None, max_length=50)


class BacklogMove(SQLModel):
    """Put an item between two neighbours; give one of them (or neither: to the top)."""

    model_config = {"extra": "forbid"}

    after_id: uuid.UUID | None = None
    before_id: uuid.UUID | None = None


class BacklogRead(BacklogFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    rank: str
    wsjf: float | None
    finding_ids: list[uuid.UUID]
    step_ids: list[uuid.UUID]
    expected_effects: list[ExpectedEffect]
    done_at: datetime | None = Field(default=None, description=DONE_AT)
    overdue: bool
    version: int
    created_at: datetime
    updated_at: datetime


class BacklogDependency(Entity, table=True):
    """`item_id` cannot finish before `depends_on_id`; the graph stays acyclic."""

    __tablename__ = "backlog_dependency"
    __table_args__ = (UniqueConstraint("item_id", "depends_on_id"),)

    item_id: uuid.UUID = Field(foreign_key="backlog_item.id", index=True, ondelete="CASCADE")
    depends_on_id: uuid.UUID = Field(foreign_key="backlog_item.id", ondelete="CASCADE")


class DependencyCreate(SQLModel):
    model_config = {"extra": "forbid"}

    depends_on_id: uuid.UUID


class RaciAssignment(Entity, table=True):
    __tablename__ = "raci_assignment"
    __table_args__ = (UniqueConstraint("item_id", "person_id", "role"),)

    item_id: uuid.UUID = Field(foreign_key="backlog_item.id", index=True, ondelete="CASCADE")
    person_id: uuid.UUID = Field(foreign_key="person.id", ondelete="CASCADE")
    role: RaciRole = Field(sa_type=String(1))


class RaciCreate(SQLModel):
    model_config = {"extra": "forbid"}

    person_id: uuid.UUID
    role: RaciRole


class RaciRead(RaciCreate):
    id: uuid.UUID
    item_id: uuid.UUID
    version: int


class MilestoneFields(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    due_date: date | None = None


class Milestone(MilestoneFields, Entity, table=True):
    value_stream_id: uuid.UUID = Field(
        foreign_key="value_stream.id", index=True, ondelete="CASCADE"
    )


class MilestoneCreate(MilestoneFields):
    model_config = {"extra": "forbid"}


class MilestoneUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    due_date: date | None = None


class MilestoneProgress(SQLModel):
    """Done items over live (not dropped) items: of a milestone, or of a whole backlog."""

    items: int
    done: int
    percent: float | None


class MilestoneRead(MilestoneFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    version: int
    progress: MilestoneProgress


def backlog_read(item: BacklogItem) -> BacklogRead:
    """The stored item with what is worked out from it: its WSJF and whether it is late."""
    values = item.model_dump(warnings=False)
    return BacklogRead.model_validate({**values, **backlog_derived(values)})
