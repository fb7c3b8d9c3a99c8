"""Gate checks: pure functions from facts and parameters to pass/fail with a reason.

A playbook criterion names a check and its parameters, so an organization can
tune its gates (ask for a deliverable to be done rather than drafted, require two
risks, add a deliverable of its own) without code.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.workflow.facts import GateFacts, MapFact
from core.workflow.vocabulary import (
    ChampionKind,
    DeliverableKind,
    DeliverableStatus,
    Function,
    ParticipantRole,
)

Outcome = tuple[bool, str]


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MinParams(NoParams):
    min: int = Field(default=1, ge=1, le=1000)


class DeliverableParams(NoParams):
    kind: DeliverableKind | str = Field(min_length=1, max_length=60)
    status: DeliverableStatus = DeliverableStatus.done


class ChampionParams(NoParams):
    kinds: list[ChampionKind] = Field(
        default_factory=lambda: [ChampionKind.technology_manager, ChampionKind.business_stakeholder]
    )


class ParticipantParams(MinParams):
    role: ParticipantRole
    trained: bool = False


class SidesParams(NoParams):
    sides: list[str] = Field(default_factory=lambda: ["business", "technology"])


@dataclass(frozen=True)
class Check:
    params: type[NoParams]
    evaluate: Callable[[GateFacts, Any], Outcome]
    summary: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def deliverable(facts: GateFacts, p: DeliverableParams) -> Outcome:
    wanted = DeliverableStatus(p.status)
    raw = facts.deliverables.get(str(p.kind), DeliverableStatus.missing.value)
    status = DeliverableStatus(raw)
    label = str(p.kind).replace("_", " ")
    if status.rank >= wanted.rank:
        return True, f"{label} is {status.value}"
    need = "done" if wanted is DeliverableStatus.done else f"at least {wanted.value}"
    return False, f"{label} is {status.value}; it must be {need}"


def champions(facts: GateFacts, p: ChampionParams) -> Outcome:
    present = {x.champion_kind for x in facts.participants if x.role == ParticipantRole.champion}
    missing = [k.value.replace("_", " ") for k in p.kinds if k.value not in present]
    if missing:
        return False, "no champion of kind " + " and ".join(missing)
    return True, "champions: " + ", ".join(k.value.replace("_", " ") for k in p.kinds)


def participants(facts: GateFacts, p: ParticipantParams) -> Outcome:
    matching = [
        x for x in facts.participants if x.role == p.role.value and (x.trained or not p.trained)
    ]
    label = ("trained " if p.trained else "") + p.role.value.replace("_", " ")
    if len(matching) >= p.min:
        return True, f"{_plural(len(matching), label)} recorded"
    return False, f"{_plural(len(matching), label)} recorded; at least {p.min} needed"


def functions(facts: GateFacts, p: SidesParams) -> Outcome:
    sides = {Function(x.function).side for x in facts.participants if x.function}
    missing = [side for side in p.sides if side not in sides]
    if missing:
        return False, "no participant from the " + " or ".join(missing) + " side"
    return True, "participants from " + " and ".join(p.sides)


def risks(facts: GateFacts, p: MinParams) -> Outcome:
    if facts.risks >= p.min:
        return True, f"risk log holds {_plural(facts.risks, 'risk')}"
    return False, f"risk log holds {_plural(facts.risks, 'risk')}; at least {p.min} needed"


def targets(facts: GateFacts, p: MinParams) -> Outcome:
    if facts.targets >= p.min:
        return True, f"{_plural(facts.targets, 'flow-metric target')} recorded"
    return False, f"{_plural(facts.targets, 'flow-metric target')} recorded; at least {p.min}"


class PhaseMinParams(MinParams):
    phase: str | None = Field(default=None, description="default: the phase being left")


def action_items(facts: GateFacts, p: PhaseMinParams) -> Outcome:
    """Action items of this cycle recorded in the phase (its workshop's own outcome)."""
    phase = p.phase or facts.phase
    n = facts.action_items.get(phase, 0)
    where = f"in {phase.replace('_', ' ')} this cycle"
    if n >= p.min:
        return True, f"{_plural(n, 'action item')} recorded {where}"
    return False, f"{_plural(n, 'action item')} recorded {where}; at least {p.min} needed"


def _current_maps(facts: GateFacts) -> list[MapFact]:
    return [m for m in facts.maps if m.kind == "current"]


def current_map_complete(facts: GateFacts, _: NoParams) -> Outcome:
    maps = _current_maps(facts)
    if not maps:
        return False, "no current-state map in this cycle"
    current = maps[0]
    if current.step_count == 0:
        return False, "the current-state map has no steps"
    gaps = []
    if current.steps_missing_role:
        gaps.append(f"{_plural(current.steps_missing_role, 'step')} without a role")
    if current.steps_missing_process_time:
        gaps.append(f"{_plural(current.steps_missing_process_time, 'step')} without process time")
    if current.steps_missing_wait_time:
        gaps.append(f"{_plural(current.steps_missing_wait_time, 'step')} without wait time")
    if gaps:
        return False, "; ".join(gaps)
    return True, f"{_plural(current.step_count, 'step')}, each with role, process and wait time"


def handoffs_recorded(facts: GateFacts, _: NoParams) -> Outcome:
    maps = _current_maps(facts)
    if not maps:
        return False, "no current-state map in this cycle"
    current = maps[0]
    if current.step_count <= 1 or current.handoff_count > 0:
        return True, f"{_plural(current.handoff_count, 'handoff')} recorded"
    return False, "the current-state map records no handoffs between its steps"


def waste_triaged(facts: GateFacts, _: NoParams) -> Outcome:
    if facts.findings_total == 0:
        return False, "no waste analyzed yet: no finding on the current-state map"
    if facts.findings_untriaged:
        return False, f"{_plural(facts.findings_untriaged, 'suggestion')} not yet triaged"
    return True, f"all {_plural(facts.findings_total, 'finding')} triaged"


def desired_map_faster(facts: GateFacts, _: NoParams) -> Outcome:
    current = _current_maps(facts)
    desired = [m for m in facts.maps if m.kind == "desired" and m.chosen]
    if not current:
        return False, "no current-state map in this cycle"
    if not desired:
        return False, "no desired-state map is marked chosen"
    chosen = desired[0]
    if chosen.step_count == 0:
        return False, "the chosen desired-state map has no steps"
    unmeasured = max(chosen.steps_missing_process_time, chosen.steps_missing_wait_time)
    if unmeasured:
        return False, f"{_plural(unmeasured, 'step')} of the desired map without times"
    now, then = current[0].lead_time_seconds, chosen.lead_time_seconds
    if then < now:
        return True, f"lead time {_hours(then)} is below the current {_hours(now)}"
    return False, f"desired lead time {_hours(then)} is not below the current {_hours(now)}"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.4g} h"


def sponsor_signoff(facts: GateFacts, p: MinParams) -> Outcome:
    n = facts.sponsor_signoffs
    if n >= p.min:
        return True, f"{_plural(n, 'sponsor sign-off')} this cycle"
    return False, "no sponsor sign-off this cycle" if n == 0 else f"{n} of {p.min} sign-offs"


def backlog_prioritized(facts: GateFacts, p: MinParams) -> Outcome:
    live = [b for b in facts.backlog if b.status != "dropped"]
    if len(live) >= p.min:
        return True, f"{_plural(len(live), 'ranked backlog item')}"
    return False, f"{_plural(len(live), 'backlog item')}; at least {p.min} needed"


COMMITTED = frozenset({"ready", "in_progress", "blocked", "done"})


def committed_items_owned(facts: GateFacts, _: NoParams) -> Outcome:
    committed = [b for b in facts.backlog if b.status in COMMITTED]
    orphans = [b for b in committed if not b.has_accountable_owner]
    if not committed:
        return False, "no committed backlog item (ready, in progress, blocked or done)"
    if orphans:
        names = ", ".join(repr(b.title) for b in orphans[:3])
        return (
            False,
            f"{_plural(len(orphans), 'committed item')} without an accountable owner: {names}",
        )
    if len(committed) == 1:
        return True, "the committed item has an accountable owner"
    return True, f"all {len(committed)} committed items have an accountable owner"


def milestones(facts: GateFacts, p: MinParams) -> Outcome:
    if facts.milestones >= p.min:
        return True, f"roadmap has {_plural(facts.milestones, 'milestone')}"
    return False, f"roadmap has {_plural(facts.milestones, 'milestone')}; at least {p.min} needed"


def vsm_owner(facts: GateFacts, _: NoParams) -> Outcome:
    if facts.has_vsm_owner:
        return True, "the value stream has a VSM owner"
    return False, "no VSM owner: set the value stream's owner"


CHECKS: dict[str, Check] = {
    "deliverable": Check(DeliverableParams, deliverable, "a deliverable reaches a status"),
    "champions": Check(ChampionParams, champions, "champions of the given kinds"),
    "participants": Check(ParticipantParams, participants, "participants in a role"),
    "functions": Check(SidesParams, functions, "participants across business and technology"),
    "risks": Check(MinParams, risks, "risks in the risk log"),
    "targets": Check(MinParams, targets, "flow-metric targets recorded"),
    "action_items": Check(PhaseMinParams, action_items, "action items of a phase this cycle"),
    "current_map_complete": Check(NoParams, current_map_complete, "a complete current map"),
    "handoffs_recorded": Check(NoParams, handoffs_recorded, "handoffs on the current map"),
    "waste_triaged": Check(NoParams, waste_triaged, "waste analyzed and triaged"),
    "desired_map_faster": Check(NoParams, desired_map_faster, "desired lead time below current"),
    "sponsor_signoff": Check(MinParams, sponsor_signoff, "sponsor sign-off this cycle"),
    "backlog_prioritized": Check(MinParams, backlog_prioritized, "a ranked backlog"),
    "committed_items_owned": Check(NoParams, committed_items_owned, "owners of committed items"),
    "milestones": Check(MinParams, milestones, "roadmap milestones"),
    "vsm_owner": Check(NoParams, vsm_owner, "a VSM owner"),
}


def run_check(name: str, params: dict[str, Any], facts: GateFacts) -> Outcome:
    check = CHECKS[name]
    return check.evaluate(facts, check.params.model_validate(params))
