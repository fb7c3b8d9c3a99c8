"""What the event watcher last saw of each value stream, to tell subscribers what changed.

Gates, timeboxes, milestones and targets change state without a write naming the change:
a write elsewhere unblocks a gate, time makes a phase overdue or a milestone missed, a
measurement or the calendar moves a target off track. The watcher (`core.webhooks.watch`)
compares each stream's state with what it saw before and emits an event per difference.
"""

import uuid
from datetime import datetime

from sqlmodel import Field

from core.models.base import OrgScoped
from core.types import JSONType, UTCDateTime


class StreamWatch(OrgScoped, table=True):
    __tablename__ = "stream_watch"

    value_stream_id: uuid.UUID = Field(
        foreign_key="value_stream.id", primary_key=True, ondelete="CASCADE"
    )
    revision: int = Field(nullable=False)
    gate_passed: bool = Field(nullable=False)
    overdue: bool = Field(nullable=False)
    target_statuses: dict[str, str] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    missed_milestones: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    checked_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
