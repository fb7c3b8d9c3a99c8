"""What a gate looks at, gathered from storage into plain data so the criteria stay pure."""

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
    targets: int = 0
    maps: tuple[MapFact, ...] = ()
    findings_total: int = 0
    findings_untriaged: int = 0
    backlog: tuple[BacklogFact, ...] = ()
    milestones: int = 0
