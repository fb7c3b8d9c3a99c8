"""What clients send to ingest delivery data, and what they read back.

Ingest comes in bulk from trackers and pipelines, thousands of records a request, so
these are plain pydantic models validated in one pass by `core.delivery`,
which names every bad value by its place in the batch (``items[12].finished``).
Rules that span fields (a finish before its start, a commit after its deployment)
are checked there too, with the same naming, rather than in model validators whose
errors could only point at the whole item.
"""

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.models.delivery import WorkItemType

MAX_BATCH = 5_000
MAX_STATE_CHANGES = 500
MAX_COMMITS = 1_000

ExternalId = Annotated[
    str, Field(min_length=1, max_length=200, description="the record's id in its source")
]


def _link(what: str, kind: str) -> Any:
    """A link between a deployment and an incident, by the other record's external id."""
    return Field(
        default=None,
        min_length=1,
        max_length=200,
        description=f"{what}: a failed change once {kind} of that external id is "
        "reported to the value stream",
    )


class StateFlag(enum.StrEnum):
    """How time in a tracker state counts: working on it, waiting for someone, or stuck."""

    active = "active"
    waiting = "waiting"
    blocked = "blocked"


class StateChangeInput(BaseModel):
    """The item entered `state` at `at`; it stays there until the next change or its finish."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime
    state: str = Field(min_length=1, max_length=100)
    flag: StateFlag


class WorkItemInput(BaseModel):
    """A flow item from a tracker; `started` may be missing (then it counts from `created`)."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    type: WorkItemType
    title: str | None = Field(default=None, max_length=500)
    created: AwareDatetime
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    state_changes: list[StateChangeInput] = Field(
        default_factory=list,
        max_length=MAX_STATE_CHANGES,
        description="in time order; the time in active, waiting and blocked states comes "
        "from them (from each change to the next, or to the finish)",
    )


class DeploymentInput(BaseModel):
    """One deployment from a pipeline, with the commit time of every change it shipped."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    deployed_at: AwareDatetime
    commit_times: list[AwareDatetime] = Field(default_factory=list, max_length=MAX_COMMITS)
    succeeded: bool = True
    caused_incident: bool = Field(
        default=False,
        description="the pipeline says this deployment caused an incident, named or not; "
        "a failed change either way",
    )
    incident_external_id: str | None = _link("the incident this deployment caused", "an incident")


class IncidentInput(BaseModel):
    """A production incident; its time to restore counts once it is resolved."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    opened_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    deployment_external_id: str | None = _link(
        "the deployment that caused this incident", "a deployment"
    )


# -- read back -----------------------------------------------------------------------------


class StateChangeRead(BaseModel):
    at: datetime
    state: str
    flag: str


class WorkItemRead(BaseModel):
    """A stored work item with the durations computed at ingest (seconds)."""

    id: uuid.UUID
    value_stream_id: uuid.UUID
    external_id: str
    type: WorkItemType
    title: str | None
    created: datetime
    started: datetime | None
    finished: datetime | None
    start_at: datetime
    flow_seconds: float | None
    active_seconds: float | None
    waiting_seconds: float | None
    blocked_seconds: float | None
    state_changes: list[StateChangeRead]
    updated_at: datetime


class DeploymentRead(BaseModel):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    external_id: str
    deployed_at: datetime
    commit_times: list[datetime]
    succeeded: bool
    caused_incident: bool
    incident_external_id: str | None
    updated_at: datetime


class IncidentRead(BaseModel):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    external_id: str
    opened_at: datetime
    resolved_at: datetime | None
    restore_seconds: float | None
    deployment_external_id: str | None
    updated_at: datetime


class IngestCounts(BaseModel):
    """What one bulk request did: new records, changed records, records sent again as stored."""

    created: int
    updated: int
    unchanged: int
