import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.workflow.vocabulary import RiskCategory, RiskStatus


class RiskFields(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    category: RiskCategory = RiskCategory.organizational
    likelihood: int = Field(default=3, ge=1, le=5)
    impact: int = Field(default=3, ge=1, le=5)
    owner_id: uuid.UUID | None = None
    mitigation: str | None = Field(default=None, max_length=10_000)
    status: RiskStatus = RiskStatus.open


class Risk(RiskFields, Entity, table=True):
    __table_args__ = (Index("ix_risk_value_stream_id", "value_stream_id", "id"),)

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    category: RiskCategory = Field(default=RiskCategory.organizational, sa_type=String(30))
    status: RiskStatus = Field(default=RiskStatus.open, sa_type=String(20))
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")

    @property
    def exposure(self) -> int:
        """Likelihood times impact: the usual way to sort a risk log."""
        return self.likelihood * self.impact


class RiskCreate(RiskFields):
    model_config = {"extra": "forbid"}


class RiskUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    category: RiskCategory | None = None
    likelihood: int | None = Field(default=None, ge=1, le=5)
    impact: int | None = Field(default=None, ge=1, le=5)
    owner_id: uuid.UUID | None = None
    mitigation: str | None = Field(default=None, max_length=10_000)
    status: RiskStatus | None = None


class RiskRead(RiskFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    exposure: int
    version: int
    created_at: datetime
    updated_at: datetime
