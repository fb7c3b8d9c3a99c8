"""What a gate looks at, gathered from storage into plain data so the criteria stay pure.

A field that is None means the kind of record it summarizes cannot be read yet;
the criteria that need it fail and say so.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParticipantFact:
    role: str
    champion_kind: str | None = None
    function: str | None = None
    trained: bool = False


@dataclass(frozen=True)
class MapFact:
    kind: str
    chosen: bool
    step_count: int
    steps_missing_role: int
    steps_missing_process_time: int
    steps_missing_wait_time: int
    handoff_count: int
    lead_time_seconds: float


@dataclass(frozen=True)
class BacklogFact:
    status: str
    has_accountable_owner: bool
    title: str = ""


@dataclass(frozen=True)
class GateFacts:
    cycle: int = 1
    phase: str = ""
    participants: tuple[ParticipantFact, ...] = ()
    deliverables: Mapping[str, str] = field(default_factory=dict)
    risks: int = 0
    action_items: Mapping[str, int] = field(default_factory=dict)
    sponsor_signoffs: int = 0
    has_vsm_owner: bool = False
    targets: int | None = None
    maps: tuple[MapFact, ...] | None = None
    findings_total: int | None = None
    findings_untriaged: int | None = None
    backlog: tuple[BacklogFact, ...] | None = None
    milestones: int | None = None
