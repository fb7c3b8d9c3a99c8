import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import Float, Index, String
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.types import JSONType, UTCDateTime
from core.waste.vocabulary import WasteCategory


class FindingStatus(enum.StrEnum):
    suggested = "suggested"
    confirmed = "confirmed"
    dismissed = "dismissed"


class FindingFields(SQLModel):
    step_id: uuid.UUID | None = None
    handoff_id: uuid.UUID | None = None
    category: WasteCategory
    description: str = Field(min_length=1, max_length=4000)
    evidence: str | None = Field(default=None, max_length=4000)
    estimated_cost_hours_per_week: float | None = Field(default=None, ge=0, le=1_000_000)
    confidence: float | None = Field(default=None, ge=0, le=1)


class WasteFinding(FindingFields, Entity, table=True):
    """Waste seen on a map: suggested by a classifier or recorded by a person, then triaged."""

    __tablename__ = "waste_finding"
    __table_args__ = (
        Index("ix_waste_finding_map_status", "map_id", "status", "severity", "id"),
        Index("ix_waste_finding_map_id", "map_id", "id"),
        Index("ix_waste_finding_map_severity", "map_id", "severity", "id"),
    )

    map_id: uuid.UUID = Field(foreign_key="value_stream_map.id", ondelete="CASCADE")
    value_stream_id: uuid.UUID = Field(
        foreign_key="value_stream.id", index=True, ondelete="CASCADE"
    )
    step_id: uuid.UUID | None = Field(default=None, foreign_key="map_step.id", ondelete="CASCADE")
    handoff_id: uuid.UUID | None = Field(
        default=None, foreign_key="map_handoff.id", ondelete="CASCADE"
    )
    category: WasteCategory = Field(sa_type=String(40))
    status: FindingStatus = Field(default=FindingStatus.suggested, sa_type=String(20))
    source: str = Field(max_length=20, description="'classifier' or 'person'")
    classifier: str | None = Field(default=None, max_length=120)
    rule: str | None = Field(default=None, max_length=120)
    rule_statement: str | None = Field(default=None, max_length=1000)
    rules: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONType)
    severity: float = Field(
        default=0.0, sa_column_kwargs={"server_default": "0"}, sa_type=Float, nullable=False
    )
    recorded_by_person_id: uuid.UUID | None = None
    triaged_by_token_id: uuid.UUID | None = None
    triaged_by_person_id: uuid.UUID | None = None
    triage_reason: str | None = Field(default=None, max_length=4000)
    triaged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FindingCreate(FindingFields):
    """A finding a person records; it starts confirmed, since a person saw it."""

    model_config = {"extra": "forbid"}


class FindingUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    category: WasteCategory | None = None
    description: str | None = Field(default=None, min_length=1, max_length=4000)
    evidence: str | None = Field(default=None, max_length=4000)
    estimated_cost_hours_per_week: float | None = Field(default=None, ge=0, le=1_000_000)


class TriageDecision(SQLModel):
    model_config = {"extra": "forbid"}

    status: FindingStatus
    reason: str | None = Field(default=None, max_length=4000)


class FiredRule(SQLModel):
    """One rule that saw the waste of a finding, with its own numbers."""

    rule: str | None = Field(default=None, description="the rule's stable key")
    statement: str | None = Field(
        default=None, description="the rule in words, with the thresholds it applied"
    )
    evidence: str | None = Field(default=None, description="the numbers that made it fire")
    confidence: float | None = Field(default=None, description="from 0 to 1")
    estimated_cost_hours_per_week: float | None = None
    classifier: str | None = Field(default=None, description="the plugin whose rule it is")


class FindingRead(FindingFields):
    id: uuid.UUID
    map_id: uuid.UUID
    value_stream_id: uuid.UUID
    status: FindingStatus
    source: str
    classifier: str | None
    rule: str | None
    recorded_by_person_id: uuid.UUID | None
    triaged_by_token_id: uuid.UUID | None
    triaged_by_person_id: uuid.UUID | None
    triage_reason: str | None
    triaged_at: datetime | None
    version: int
    created_at: datetime
    rule_statement: str | None = Field(
        default=None, description="the leading rule in words, with the thresholds it applied"
    )
    rules: list[FiredRule] = Field(
        default_factory=list,
        description="every rule that saw this waste at this step or handoff, most confident "
        "first; empty for a finding a person recorded",
    )
    severity: float = Field(
        default=0.0,
        description="how much the finding weighs, so the most telling waste is triaged "
        "first: findings are listed by it, highest first. The chance that the waste is "
        "real (its rules' confidences taken as independent evidence, 1 - (1-c1)(1-c2)...) "
        "x (1 + log10(1 + estimated hours lost a week))",
    )

    @field_validator("rules", mode="before")
    @classmethod
    def _no_rules_stored(cls, rules: Any) -> Any:
        """Findings stored before rules were recorded, and people's findings, have none."""
        return [] if rules is None else rules
