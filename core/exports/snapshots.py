"""Read-only pictures of a value stream, a map and the portfolio, for exporters.

They are pydantic models of the same Read models the API answers with, so the JSON
export is exactly what an importer reads back, and every exporter plugin works on
plain data without touching the database.
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.backlog.effects import ItemEffects
from core.delivery.flow_metrics import FlowReport
from core.delivery.forecast import Forecast
from core.delivery.work_item_age import WorkItemAgeReport
from core.exports.readout_figures import ReadoutFigures
from core.metrics.flow import FlowBucket
from core.metrics.map_metrics import Change
from core.models.action_item import ActionItemRead
from core.models.backlog import BacklogRead, MilestoneRead, RaciRead
from core.models.deliverable import DeliverableRead
from core.models.participant import ParticipantRead
from core.models.risk import RiskRead
from core.models.signoff import SignoffRead
from core.models.target import MeasurementRead, TargetRead
from core.models.value_stream import PhaseTransitionRead, ValueStreamRead
from core.models.value_stream_map import HandoffRead, MapRead, StepRead
from core.models.waste_finding import FindingRead

FORMAT_VERSION = 1


class PersonRef(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None = None
    title: str | None = None


class TeamRef(BaseModel):
    id: uuid.UUID
    name: str


class MapSnapshot(BaseModel):
    map: MapRead
    steps: list[StepRead]
    handoffs: list[HandoffRead]
    findings: list[FindingRead]
    metrics: dict[str, Any] | None = Field(
        default=None, description="core.metrics.map_metrics.MapMetrics as a dict; None if cyclic"
    )


class BacklogEntry(BacklogRead):
    raci: list[RaciRead] = Field(default_factory=list)
    depends_on: list[uuid.UUID] = Field(default_factory=list)


class TargetEntry(TargetRead):
    measurements: list[MeasurementRead] = Field(default_factory=list)


class BacklogOutlook(BaseModel):
    """When the backlog's open items will be done, forecast from its own pace, or why not."""

    forecast: Forecast | None = None
    reason: str | None = Field(default=None, description="why there is no forecast")


class Timebox(BaseModel):
    days_in_phase: float
    timebox_days: float | None
    overdue: bool


class DeliveryAnalytics(BaseModel):
    """The stream's delivery when the snapshot was taken, as the API answers it."""

    start: datetime = Field(description="the first week's start (Monday, UTC)")
    end: datetime = Field(description="the snapshot's instant, the last week's end")
    bucket: str
    percentile_method: str
    median_method: str
    overall: FlowBucket = Field(description="the whole period as one window")
    buckets: list[FlowBucket] = Field(description="week by week, with the aging at each end")
    work_item_age: WorkItemAgeReport = Field(description="the work in progress at `end`")
    forecast_question: str
    forecast: Forecast | None = Field(
        default=None, description="when the work in progress at `end` is likely done"
    )
    forecast_note: str | None = Field(default=None, description="why there is no forecast")


class CyclesCompared(BaseModel):
    """Two maps of the stream from different cycles, the later against the earlier
    (`core.metrics.map_metrics.MapsCompared`)."""

    key: str
    question: str
    before_map_id: uuid.UUID
    before_name: str
    before_cycle: int
    after_map_id: uuid.UUID
    after_name: str
    after_cycle: int
    changes: dict[str, Change]


class ValueStreamSnapshot(BaseModel):
    format: Literal["valuestream-export"] = "valuestream-export"
    format_version: int = FORMAT_VERSION
    exported_at: datetime
    organization: str
    value_stream: ValueStreamRead
    phase_names: dict[str, str] = Field(default_factory=dict)
    gate: dict[str, Any]
    timebox: Timebox
    people: list[PersonRef] = Field(default_factory=list)
    teams: list[TeamRef] = Field(default_factory=list)
    participants: list[ParticipantRead] = Field(default_factory=list)
    deliverables: list[DeliverableRead] = Field(default_factory=list)
    risks: list[RiskRead] = Field(default_factory=list)
    action_items: list[ActionItemRead] = Field(default_factory=list)
    signoffs: list[SignoffRead] = Field(default_factory=list)
    history: list[PhaseTransitionRead] = Field(default_factory=list)
    maps: list[MapSnapshot] = Field(default_factory=list)
    comparison: dict[str, Any] | None = Field(
        default=None, description="metric -> {current, desired, absolute_change, percent_change}"
    )
    cycles_compared: list[CyclesCompared] = Field(
        default_factory=list,
        description="this cycle's current state against the previous cycle's maps",
    )
    delivery: DeliveryAnalytics | None = Field(
        default=None, description="delivery analytics; None without delivery data"
    )
    backlog: list[BacklogEntry] = Field(default_factory=list)
    milestones: list[MilestoneRead] = Field(default_factory=list)
    targets: list[TargetEntry] = Field(default_factory=list)
    backlog_effects: list[ItemEffects] = Field(
        default_factory=list,
        description="done items that expected an effect, each beside the change measured",
    )
    backlog_outlook: BacklogOutlook | None = Field(
        default=None, description="the backlog forecast; none in snapshots made before it"
    )
    dora: FlowReport | None = Field(
        default=None,
        description="the flow report of the whole weeks before the export, for the four "
        "keys and their DORA performance tiers",
    )
    previous_readout: ReadoutFigures | None = Field(
        default=None,
        description="the stream as the last delivered scheduled readout showed it, for what "
        "changed since; none before the first",
    )

    def person(self, person_id: uuid.UUID | None) -> PersonRef | None:
        return next((p for p in self.people if p.id == person_id), None)

    def current_maps(self) -> tuple[MapSnapshot | None, MapSnapshot | None]:
        """This cycle's current-state map and chosen desired-state map."""
        cycle = self.value_stream.cycle
        current = desired = None
        for snapshot in self.maps:
            if snapshot.map.cycle != cycle:
                continue
            if snapshot.map.kind == "current":
                current = snapshot
            elif snapshot.map.chosen:
                desired = snapshot
        return current, desired


class PortfolioRowSnapshot(BaseModel):
    id: uuid.UUID
    name: str
    owner: str | None
    phase: str
    phase_name: str | None
    cycle: int
    days_in_phase: float
    timebox_days: float | None
    overdue: bool
    gate_passed: bool
    blocking_criteria: int
    blocking: list[str]
    backlog_items: int
    backlog_done: int
    backlog_percent: float | None
    targets: dict[str, int]


class PortfolioSnapshot(BaseModel):
    format: Literal["valuestream-portfolio"] = "valuestream-portfolio"
    exported_at: datetime
    organization: str
    rows: list[PortfolioRowSnapshot]
