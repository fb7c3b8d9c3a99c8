"""The built-in waste classifier: explainable rules over a map's numbers.

Each rule is a small pure function that looks for one pattern of one waste category
and says why it fired: its evidence names the step or handoff, the numbers and the
threshold, so a facilitator can accept or dismiss it in the workshop without trusting
a black box. Confidence reflects how directly the data shows the waste: a cross-team
handoff is a fact, a word in a step's name is a hint.

Thresholds have defaults that suit a typical software value stream; an organization
tunes them under the ``waste_rules`` key of the classifier config. A misspelt key is an
error rather than silently ignored, because a threshold that never applies looks
exactly like one that works.

Cost estimates are hours of people's time per week, ``process time x runs_per_week x
people``, and only where the waste consumes people's time (a wait or a queue costs
lead time, not effort, so those carry no cost).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.hookspecs import hookimpl
from core.maps.flowmap import FlowMap, Step, ValueClass
from core.metrics.map_metrics import compute_map_metrics
from core.waste.vocabulary import WasteCategory, WasteSuggestion

CONFIG_KEY = "waste_rules"


class RuleConfigError(ValueError):
    """The ``waste_rules`` config cannot be used; the message says which setting and why."""


class RuleThresholds(BaseModel):
    """Every tunable number and word list of the rules, with the practice's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wait_to_process_ratio: float = Field(default=3.0, gt=0)
    bottleneck_share: float = Field(default=0.5, gt=0, le=1)
    pca_threshold: float = Field(default=80.0, ge=0, le=100)
    queue_threshold: int = Field(default=10, ge=1)
    motion_role_steps: int = Field(default=4, ge=2)
    many_tools: int = Field(default=4, ge=2)
    talent_people: int = Field(default=3, ge=1)
    senior_role_words: tuple[str, ...] = ("architect", "senior", "lead")
    management_words: tuple[str, ...] = (
        "status",
        "approval",
        "approve",
        "sign-off",
        "sign off",
        "signoff",
        "review meeting",
        "report",
    )
    runs_per_week: float = Field(default=10.0, gt=0)

    @field_validator("senior_role_words", "management_words")
    @classmethod
    def _clean_words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        """Matching is case-insensitive; an empty word would match every step."""
        cleaned = tuple(word.strip().lower() for word in words)
        if any(not word for word in cleaned):
            raise ValueError("words must not be empty")
        return cleaned


def load_thresholds(config: Mapping[str, Any] | None) -> RuleThresholds:
    """The thresholds from the classifier config, or a ``RuleConfigError`` that names the fix."""
    settings = (config or {}).get(CONFIG_KEY, {})
    if not isinstance(settings, Mapping):
        raise RuleConfigError(
            f"{CONFIG_KEY} must be an object of settings, not {type(settings).__name__}"
        )
    known = RuleThresholds.model_fields
    unknown = sorted(str(key) for key in settings if key not in known)
    if unknown:
        raise RuleConfigError(
            f"{CONFIG_KEY}: unknown setting(s) {', '.join(map(repr, unknown))}; "
            f"known settings are {', '.join(known)}"
        )
    try:
        return RuleThresholds.model_validate(dict(settings))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise RuleConfigError(f"{CONFIG_KEY}: {problems}") from None


def _num(value: float) -> str:
    """Numbers as people write them in evidence: 16, 0.25, 62.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _hours(seconds: float) -> str:
    return f"{_num(seconds / 3600)} h"


def _people(step: Step) -> int:
    """An unstaffed count still means someone does the work."""
    return max(step.people or 0, 1)


def _weekly_hours(step: Step, thresholds: RuleThresholds, share: float = 1.0) -> float | None:
    if step.process_seconds is None:
        return None
    return step.process_seconds / 3600 * thresholds.runs_per_week * _people(step) * share


def _cost_evidence(step: Step, thresholds: RuleThresholds, share: float = 1.0) -> str:
    if step.process_seconds is None:
        return "no process time is recorded, so the weekly cost is not estimated"
    cost = step.process_seconds / 3600 * thresholds.runs_per_week * _people(step) * share
    share_text = f" x {_num(share * 100)}%" if share != 1.0 else ""
    return (
        f"process {_hours(step.process_seconds)} x {_num(thresholds.runs_per_week)} runs/week"
        f" x {_people(step)} {'person' if _people(step) == 1 else 'people'}{share_text}"
        f" = {_num(cost)} h/week"
    )


def _matching_words(text: str, words: Iterable[str]) -> list[str]:
    """Words that start a word in the text, so 'report' also finds 'reporting'."""
    lowered = text.lower()
    return [word for word in words if re.search(r"\b" + re.escape(word), lowered)]


def _is_unnecessary(step: Step) -> bool:
    return step.value_class == ValueClass.unnecessary_non_value_add


Rule = Callable[[FlowMap, RuleThresholds], list[WasteSuggestion]]


def wait_exceeds_process(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Work that mostly sits still: its wait dwarfs the time spent on it."""
    ratio = thresholds.wait_to_process_ratio
    found = []
    for step in flow_map.ordered_steps():
        wait, process = step.wait_seconds, step.process_seconds
        if wait is None or process is None or wait <= 0 or wait <= ratio * process:
            continue
        if process > 0:
            measured = (
                f"wait {_hours(wait)} is {_num(wait / process)}x the process time {_hours(process)}"
            )
        else:
            measured = f"wait {_hours(wait)} against a process time of 0 h"
        found.append(
            WasteSuggestion(
                category=WasteCategory.delays,
                step_id=step.id,
                handoff_id=None,
                description=f"Work waits {_hours(wait)} at '{step.name}', far longer than "
                f"the {_hours(process)} spent on it.",
                evidence=f"{measured}; threshold: wait above {_num(ratio)}x process time",
                confidence=0.8,
                estimated_cost_hours_per_week=None,
                rule="delays.wait_exceeds_process",
            )
        )
    return found


def bottleneck(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """The step that holds up the flow: it takes more than its share of the lead time.

    A flow of one step has nothing to be held up against, so it has no bottleneck.
    """
    metrics = compute_map_metrics(flow_map)
    step_id = metrics.bottleneck_step_id
    if step_id is None or len(metrics.critical_path) < 2:
        return []
    share = metrics.step_shares[step_id]
    if share <= thresholds.bottleneck_share:
        return []
    step = flow_map.step(step_id)
    return [
        WasteSuggestion(
            category=WasteCategory.delays,
            step_id=step.id,
            handoff_id=None,
            description=f"'{step.name}' is the bottleneck of the flow.",
            evidence=f"'{step.name}' takes {_hours(step.flow_seconds)} of the "
            f"{_hours(metrics.lead_time_seconds)} lead time ({_num(share * 100)}%); "
            f"threshold: more than {_num(thresholds.bottleneck_share * 100)}% of lead time",
            confidence=0.7,
            estimated_cost_hours_per_week=None,
            rule="delays.bottleneck",
        )
    ]


def cross_team_handoff(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Every handoff between teams is a silo boundary work must be transported across."""
    crossing = [handoff for handoff in flow_map.handoffs if handoff.cross_team]
    names = {step.id: step for step in flow_map.steps}
    found = []
    for handoff in crossing:
        source, target = names[handoff.from_step], names[handoff.to_step]
        teams = (
            f" (team {source.team} to team {target.team})" if source.team and target.team else ""
        )
        carrying = f" carrying {handoff.artifact!r}" if handoff.artifact else ""
        found.append(
            WasteSuggestion(
                category=WasteCategory.transportation,
                step_id=None,
                handoff_id=handoff.id,
                description=f"Work crosses teams from '{source.name}' to '{target.name}'.",
                evidence=f"handoff '{source.name}' -> '{target.name}'{carrying} crosses "
                f"teams{teams}; "
                f"{len(crossing)} of {len(flow_map.handoffs)} handoffs in this map cross teams",
                confidence=0.9,
                estimated_cost_hours_per_week=None,
                rule="transportation.cross_team_handoff",
            )
        )
    return found


def low_pca(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Output that is often incomplete or inaccurate comes back as rework."""
    found = []
    for step in flow_map.ordered_steps():
        pca = step.percent_complete_accurate
        if pca is None or pca >= thresholds.pca_threshold:
            continue
        rework = 1 - pca / 100
        found.append(
            WasteSuggestion(
                category=WasteCategory.defects_and_rework,
                step_id=step.id,
                handoff_id=None,
                description=f"{_num(rework * 100)}% of what '{step.name}' passes on needs rework.",
                evidence=f"%C&A {_num(pca)}% is below the threshold of "
                f"{_num(thresholds.pca_threshold)}%; rework "
                f"{_cost_evidence(step, thresholds, rework)}",
                confidence=0.8,
                estimated_cost_hours_per_week=_weekly_hours(step, thresholds, rework),
                rule="defects_and_rework.low_pca",
            )
        )
    return found


def manual_cicd_step(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """A person doing by hand what a delivery pipeline exists to do."""
    return [
        WasteSuggestion(
            category=WasteCategory.manual_activities,
            step_id=step.id,
            handoff_id=None,
            description=f"'{step.name}' is done by hand in a CI/CD stage.",
            evidence=f"manual step in a CI/CD stage; {_cost_evidence(step, thresholds)}",
            confidence=0.85,
            estimated_cost_hours_per_week=_weekly_hours(step, thresholds),
            rule="manual_activities.manual_cicd_step",
        )
        for step in flow_map.ordered_steps()
        if step.cicd_stage and not step.automated
    ]


def status_words(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Status, approval and reporting steps move information about work, not the work."""
    found = []
    for step in flow_map.ordered_steps():
        words = _matching_words(
            f"{step.name} {step.description or ''}", thresholds.management_words
        )
        if not words:
            continue
        found.append(
            WasteSuggestion(
                category=WasteCategory.management_activities,
                step_id=step.id,
                handoff_id=None,
                description=f"'{step.name}' looks like a management activity (status, "
                "approval or reporting).",
                evidence=f"name or description matches {len(words)} of the "
                f"{len(thresholds.management_words)} management words "
                f"({', '.join(map(repr, words))}); {_cost_evidence(step, thresholds)}",
                confidence=0.5,
                estimated_cost_hours_per_week=_weekly_hours(step, thresholds),
                rule="management_activities.status_words",
            )
        )
    return found


def large_queue(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Items piling up before a step are work in progress that nobody is working on."""
    return [
        WasteSuggestion(
            category=WasteCategory.inventory,
            step_id=step.id,
            handoff_id=None,
            description=f"{step.queue_size} items wait before '{step.name}'.",
            evidence=f"queue of {step.queue_size} items before '{step.name}' is at or above "
            f"the threshold of {thresholds.queue_threshold}",
            confidence=0.7,
            estimated_cost_hours_per_week=None,
            rule="inventory.large_queue",
        )
        for step in flow_map.ordered_steps()
        if step.queue_size is not None and step.queue_size >= thresholds.queue_threshold
    ]


def duplicate_artifact(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """An artifact made twice is the wheel recreated; with the same tool, even more surely.

    The first producer in position order is taken as the original; each later one is
    flagged once, listing every artifact it repeats.
    """
    producers: dict[str, list[Step]] = defaultdict(list)
    for step in flow_map.ordered_steps():
        for artifact in dict.fromkeys(a.strip().lower() for a in step.artifacts if a.strip()):
            producers[artifact].append(step)
    repeats: dict[str, list[tuple[str, Step]]] = defaultdict(list)
    for artifact, steps in producers.items():
        for step in steps[1:]:
            repeats[step.id].append((artifact, steps[0]))
    found = []
    for step in flow_map.ordered_steps():
        if step.id not in repeats:
            continue
        parts, shared_tool = [], False
        for artifact, original in repeats[step.id]:
            tools = sorted({t.lower() for t in step.tools} & {t.lower() for t in original.tools})
            shared_tool = shared_tool or bool(tools)
            tool_text = f", both with {', '.join(map(repr, tools))}" if tools else ""
            parts.append(
                f"{artifact!r} is produced by {len(producers[artifact])} steps, first by "
                f"'{original.name}' (position {original.position}){tool_text}"
            )
        found.append(
            WasteSuggestion(
                category=WasteCategory.over_processing,
                step_id=step.id,
                handoff_id=None,
                description=f"'{step.name}' produces again what an earlier step already produced.",
                evidence="; ".join(parts) + "; threshold: 2 or more producing steps",
                confidence=0.75 if shared_tool else 0.6,
                estimated_cost_hours_per_week=None,
                rule="over_processing.duplicate_artifact",
            )
        )
    return found


def role_switching(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """A role pulled back into the flow again and again is switching between tasks.

    Consecutive steps of the same role are one stretch of work; each new stretch is a
    switch. The finding is attached to the role's first step.
    """
    stretches: dict[str, list[list[Step]]] = defaultdict(list)
    previous_role: str | None = None
    for step in flow_map.ordered_steps():
        role = (step.role or "").strip().lower() or None
        if role is not None:
            if role != previous_role:
                stretches[role].append([])
            stretches[role][-1].append(step)
        previous_role = role
    found = []
    for runs in stretches.values():
        if len(runs) < thresholds.motion_role_steps:
            continue
        first = runs[0][0]
        names = ", ".join(f"'{run[0].name}'" for run in runs)
        found.append(
            WasteSuggestion(
                category=WasteCategory.unnecessary_motion,
                step_id=first.id,
                handoff_id=None,
                description=f"The role '{first.role}' is pulled back into the flow "
                f"{len(runs)} separate times.",
                evidence=f"role '{first.role}' works in {len(runs)} non-consecutive stretches "
                f"(starting at {names}); threshold: {thresholds.motion_role_steps} stretches",
                confidence=0.5,
                estimated_cost_hours_per_week=None,
                rule="unnecessary_motion.role_switching",
            )
        )
    return found


def many_tools(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Each extra tool in one step is another context to switch into."""
    found = []
    for step in flow_map.ordered_steps():
        tools = list(dict.fromkeys(t.strip() for t in step.tools if t.strip()))
        if len(tools) < thresholds.many_tools:
            continue
        found.append(
            WasteSuggestion(
                category=WasteCategory.unnecessary_motion,
                step_id=step.id,
                handoff_id=None,
                description=f"'{step.name}' switches between {len(tools)} tools.",
                evidence=f"'{step.name}' uses {len(tools)} tools ({', '.join(tools)}); "
                f"threshold: {thresholds.many_tools} tools",
                confidence=0.5,
                estimated_cost_hours_per_week=None,
                rule="unnecessary_motion.many_tools",
            )
        )
    return found


def crowded_waste_step(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Many people spending their time on work the map itself calls unnecessary."""
    return [
        WasteSuggestion(
            category=WasteCategory.non_utilized_talent,
            step_id=step.id,
            handoff_id=None,
            description=f"{step.people} people work on '{step.name}', which adds no value.",
            evidence=f"{step.people} people on an unnecessary non-value-add step; threshold: "
            f"{thresholds.talent_people} people; {_cost_evidence(step, thresholds)}",
            confidence=0.6,
            estimated_cost_hours_per_week=_weekly_hours(step, thresholds),
            rule="non_utilized_talent.crowded_waste_step",
        )
        for step in flow_map.ordered_steps()
        if _is_unnecessary(step)
        and step.people is not None
        and step.people >= thresholds.talent_people
    ]


def senior_manual_waste(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Senior people doing manual, unnecessary work are not doing what only they can."""
    found = []
    for step in flow_map.ordered_steps():
        if step.automated or not _is_unnecessary(step) or not step.role:
            continue
        words = _matching_words(step.role, thresholds.senior_role_words)
        if not words:
            continue
        found.append(
            WasteSuggestion(
                category=WasteCategory.non_utilized_talent,
                step_id=step.id,
                handoff_id=None,
                description=f"A {step.role} does manual, unnecessary work in '{step.name}'.",
                evidence=f"role '{step.role}' matches the senior words "
                f"({', '.join(map(repr, words))}) on a manual, unnecessary non-value-add "
                f"step; {_cost_evidence(step, thresholds)}",
                confidence=0.6,
                estimated_cost_hours_per_week=_weekly_hours(step, thresholds),
                rule="non_utilized_talent.senior_manual_waste",
            )
        )
    return found


def unused_output(flow_map: FlowMap, thresholds: RuleThresholds) -> list[WasteSuggestion]:
    """Unnecessary output that no later step takes is produced for a backlog nobody pulls.

    On a map without handoff records nothing shows what is consumed, so the rule still
    points at the step but with low confidence.
    """
    successors = flow_map.successors()
    outgoing: dict[str, list[str | None]] = defaultdict(list)
    for handoff in flow_map.handoffs:
        carried = handoff.artifact.strip().lower() if handoff.artifact else None
        outgoing[handoff.from_step].append(carried)
    found = []
    for step in flow_map.ordered_steps():
        artifacts = [a.strip() for a in step.artifacts if a.strip()]
        if not _is_unnecessary(step) or not artifacts or not successors[step.id]:
            continue
        if any(a.lower() in outgoing[step.id] for a in artifacts):
            continue
        if flow_map.is_chain:
            why = "the map records no handoffs, so nothing shows a later step uses it"
        else:
            why = f"none of its {len(outgoing[step.id])} outgoing handoffs carries it"
        found.append(
            WasteSuggestion(
                category=WasteCategory.over_production,
                step_id=step.id,
                handoff_id=None,
                description=f"'{step.name}' produces output no later step uses.",
                evidence=f"unnecessary non-value-add step produces {len(artifacts)} "
                f"artifact(s) ({', '.join(map(repr, artifacts))}) but {why}; "
                f"{_cost_evidence(step, thresholds)}",
                confidence=0.35 if flow_map.is_chain else 0.6,
                estimated_cost_hours_per_week=_weekly_hours(step, thresholds),
                rule="over_production.unused_output",
            )
        )
    return found


RULES: tuple[Rule, ...] = (
    wait_exceeds_process,
    bottleneck,
    cross_team_handoff,
    low_pca,
    manual_cicd_step,
    status_words,
    large_queue,
    duplicate_artifact,
    role_switching,
    many_tools,
    crowded_waste_step,
    senior_manual_waste,
    unused_output,
)


def _merge(suggestions: list[WasteSuggestion]) -> WasteSuggestion:
    """One finding per category and target, because that is how findings are triaged.

    The most confident rule speaks; the others add their evidence.
    """
    lead, *others = sorted(suggestions, key=lambda s: -s.confidence)
    if not others:
        return lead
    costs = [s.estimated_cost_hours_per_week for s in suggestions]
    known_costs = [cost for cost in costs if cost is not None]
    evidence = lead.evidence + "".join(f". Also {s.rule}: {s.evidence}" for s in others)
    return WasteSuggestion(
        category=lead.category,
        step_id=lead.step_id,
        handoff_id=lead.handoff_id,
        description=lead.description,
        evidence=evidence,
        confidence=lead.confidence,
        estimated_cost_hours_per_week=max(known_costs) if known_costs else None,
        rule=lead.rule,
    )


def classify(flow_map: FlowMap, thresholds: RuleThresholds | None = None) -> list[WasteSuggestion]:
    """Run every rule; findings come in rule order, then position order."""
    thresholds = thresholds or RuleThresholds()
    grouped: dict[tuple[WasteCategory, str | None, str | None], list[WasteSuggestion]] = {}
    for rule in RULES:
        for suggestion in rule(flow_map, thresholds):
            grouped.setdefault(suggestion.key, []).append(suggestion)
    return [_merge(group) for group in grouped.values()]


@hookimpl
def classify_waste(flow_map: FlowMap, config: Mapping[str, Any] | None) -> list[WasteSuggestion]:
    """The hook reads its thresholds on every call, so a config error names itself at once."""
    return classify(flow_map, load_thresholds(config))


@hookimpl
def check_config(config: Mapping[str, Any]) -> None:
    """An organization's thresholds are refused when stored, not at its next classify."""
    load_thresholds({CONFIG_KEY: config})
