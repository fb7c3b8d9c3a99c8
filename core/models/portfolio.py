"""The portfolio's read model: one row per value stream, as a PMO tool lists them."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class TargetStatusCounts(BaseModel):
    """How many of a value stream's targets stand where, by the target status rule."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    achieved: int = 0
    no_data: int = 0


class PortfolioRow(BaseModel):
    """A value stream's phase, cycle, timebox and what blocks its gate, at a glance."""

    id: uuid.UUID
    name: str
    owner_id: uuid.UUID | None
    phase: str
    phase_name: str | None
    cycle: int
    phase_entered_at: datetime
    days_in_phase: float
    timebox_days: float | None
    overdue: bool
    gate_passed: bool
    blocking_criteria: int
    backlog_items: int
    backlog_done: int
    backlog_percent: float | None
    targets: TargetStatusCounts
    version: int
