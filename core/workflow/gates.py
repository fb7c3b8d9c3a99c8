"""Evaluating a phase gate and deciding a transition: pure rules over facts and a playbook."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from core.errors import Conflict, Forbidden, GateBlocked, ValidationFailed
from core.workflow.criteria import run_check
from core.workflow.facts import GateFacts
from core.workflow.playbook import Playbook

ITERATE = "iterate"


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    description: str
    passed: bool
    reason: str


class GateResult(BaseModel):
    """Every criterion of leaving a phase, each with its reason: what a PMO reads to unblock."""

    model_config = ConfigDict(frozen=True)

    phase: str
    next_phase: str | None
    passed: bool
    criteria: tuple[CriterionResult, ...]

    @property
    def blocking(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.passed)

    def as_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json")


def evaluate_gate(playbook: Playbook, phase: str, facts: GateFacts) -> GateResult:
    """Every criterion of leaving `phase`, each with its reason, so a PMO sees what blocks."""
    spec = playbook.phase(phase)
    results = []
    for criterion in spec.criteria:
        passed, reason = run_check(criterion.check, criterion.params, facts)
        results.append(
            CriterionResult(
                key=criterion.key, description=criterion.description, passed=passed, reason=reason
            )
        )
    next_phase = playbook.next_key(phase) or playbook.iterate_to
    return GateResult(
        phase=phase,
        next_phase=next_phase,
        passed=all(r.passed for r in results),
        criteria=tuple(results),
    )


class MoveKind(StrEnum):
    forward = "forward"
    backward = "backward"
    iterate = "iterate"


@dataclass(frozen=True)
class TransitionRequest:
    to: str
    reason: str | None = None
    force: bool = False
    justification: str | None = None


@dataclass(frozen=True)
class TransitionPlan:
    kind: MoveKind
    to_phase: str
    to_cycle: int
    forced: bool


def plan_transition(
    playbook: Playbook,
    *,
    phase: str,
    cycle: int,
    request: TransitionRequest,
    gate: GateResult,
    actor_is_admin: bool,
) -> TransitionPlan:
    """Apply the workflow rules; raise the domain error that explains a refusal.

    Forward moves go one phase at a time and need the gate to pass; backward moves
    need a reason; an admin may force a blocked (or skipping) forward move with a
    written justification. Only `iterate`, from the last phase, starts the next cycle;
    moving back to an earlier phase stays in the cycle.
    """
    last = playbook.keys[-1]
    target = request.to
    if target == ITERATE:
        if phase != last:
            raise Conflict(f"only the {last} phase iterates into a new cycle", field="to")
        _require_gate_or_force(gate, request, actor_is_admin)
        return TransitionPlan(MoveKind.iterate, playbook.iterate_to, cycle + 1, _forced(gate))
    if target not in playbook.keys:
        raise ValidationFailed(
            f"{target!r} is not a phase of the playbook: {', '.join(playbook.keys)} or iterate",
            field="to",
        )
    here, there = playbook.index(phase), playbook.index(target)
    if there == here:
        raise Conflict(f"the value stream is already in {phase}", field="to")
    if there < here:
        if not (request.reason and request.reason.strip()):
            raise ValidationFailed("moving back needs a reason", field="reason")
        return TransitionPlan(MoveKind.backward, target, cycle, forced=False)
    skipping = there > here + 1
    if skipping and not request.force:
        raise Conflict(
            f"phases are left one at a time: the next phase is {playbook.keys[here + 1]}",
            field="to",
        )
    _require_gate_or_force(gate, request, actor_is_admin, skipping=skipping)
    return TransitionPlan(MoveKind.forward, target, cycle, forced=skipping or not gate.passed)


def _forced(gate: GateResult) -> bool:
    return not gate.passed


def _require_gate_or_force(
    gate: GateResult, request: TransitionRequest, actor_is_admin: bool, *, skipping: bool = False
) -> None:
    if gate.passed and not skipping:
        return
    if not request.force:
        raise GateBlocked(
            f"the {gate.phase} gate does not pass: {len(gate.blocking)} criteria block",
            extra={"criteria": [vars(c) for c in gate.blocking]},
        )
    if not actor_is_admin:
        raise Forbidden("only an admin may force a blocked move")
    if not (request.justification and request.justification.strip()):
        raise ValidationFailed("a forced move needs a written justification", field="justification")


def days_between(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 86400


def is_overdue(playbook: Playbook, phase: str, entered_at: datetime, now: datetime) -> bool:
    spec = playbook.find(phase)
    timebox = spec.timebox_days if spec else None
    return timebox is not None and days_between(entered_at, now) > timebox
