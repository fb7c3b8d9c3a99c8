"""What a map document (value stream as code) may say, for export and import alike.

Steps are referred to by a `key` inside the document, so a document can be written
by hand and imported into another organization without knowing any stored id.
Durations travel as ISO 8601 and come back as the same seconds.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.maps.flowmap import ValueClass
from core.models.value_stream_map import MapKind

FORMAT_VERSION = 1


class StepDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0)
    description: str | None = None
    role: str | None = None
    team: str | None = None
    people: int | None = None
    process_time: str | float | None = None
    wait_time: str | float | None = None
    percent_complete_accurate: float | None = None
    tools: list[str] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)
    automated: bool = False
    cicd_stage: bool = False
    value_class: ValueClass | None = None
    queue_size: int | None = None
    cycle_time: str | float | None = None
    changeover_time: str | float | None = None
    uptime_percent: float | None = None
    batch_size: int | None = None


class HandoffDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    artifact: str | None = None
    cross_team: bool = False
    rework: bool = False
    wait_time: str | float | None = None
    rework_percent: float | None = None


class MapDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["valuestream-map"] = "valuestream-map"
    format_version: int = FORMAT_VERSION
    name: str = Field(min_length=1, max_length=200)
    kind: MapKind
    notes: str | None = None
    chosen: bool = False
    calendar: dict[str, Any] = Field(default_factory=dict)
    data_box: dict[str, Any] = Field(
        default_factory=dict,
        description="demand_units, demand_working_days, shifts_per_day, shift_hours, "
        "break_minutes_per_shift",
    )
    steps: list[StepDocument] = Field(default_factory=list)
    handoffs: list[HandoffDocument] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_resolve(self) -> "MapDocument":
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("step keys must be unique")
        known = set(keys)
        for i, handoff in enumerate(self.handoffs):
            for end in (handoff.from_, handoff.to):
                if end not in known:
                    raise ValueError(f"handoffs[{i}] names unknown step key {end!r}")
        return self
