import uuid
from datetime import date, datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.types import utcnow
from core.workflow.vocabulary import ActionKind, ActionStatus


class ActionItemFields(SQLModel):
    kind: ActionKind = ActionKind.action
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner_id: uuid.UUID | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.open


class ActionItem(ActionItemFields, Entity, table=True):
    """A workshop's action item or parking-lot entry, kept with the cycle it came from."""

    __tablename__ = "action_item"
    __table_args__ = (Index("ix_action_item_value_stream_id", "value_stream_id", "id"),)

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    cycle: int
    phase: str = Field(max_length=60)
    kind: ActionKind = Field(default=ActionKind.action, sa_type=String(20))
    status: ActionStatus = Field(default=ActionStatus.open, sa_type=String(20))
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")

    @property
    def overdue(self) -> bool:
        open_ = self.status in (ActionStatus.open, ActionStatus.in_progress)
        return open_ and self.due_date is not None and self.due_date < utcnow().date()


class ActionItemCreate(ActionItemFields):
    model_config = {"extra": "forbid"}


class ActionItemUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    kind: ActionKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner_id: uuid.UUID | None = None
    due_date: date | None = None
    status: ActionStatus | None = None


class ActionItemRead(ActionItemFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    cycle: int
    phase: str
    overdue: bool
    version: int
    created_at: datetime
    updated_at: datetime
