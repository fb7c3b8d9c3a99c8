"""The rules: each a small pure function that looks for one pattern of one waste category.

A rule says why it fired: its evidence names the step or handoff, the numbers and the
threshold, so a facilitator can accept or dismiss it in the workshop without trusting
a black box. Confidence reflects how directly the data shows the waste: a cross-team
handoff is a fact, a word in a step's name is a hint.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from core.maps.flowmap import FlowMap, Step, ValueClass
from core.metrics.map_metrics import compute_map_metrics
from core.waste.vocabulary import WasteCategory, WasteSuggestion
from plugins.waste_rules.evidence import cost_evidence, hours, num, weekly_hours
from plugins.waste_rules.thresholds import RuleThresholds


def _matching_words(text: str, words: Iterable[str]) -> list[str]:
    """Words that start a word in the text, so 'report' also finds 'reporting'."""
    lowered = text.lower()
    return [word for word in words if re.search(r"\b" + re.escape(word), lowered)]


def _listing(words: Iterable[str]) -> str:
    return ", ".join(map(repr, words))


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
                f"wait {hours(wait)} is {num(wait / process)}x the process time {hours(process)}"
            )
        else:
            measured = f"wait {hours(wait)} against a process time of 0 h"
        found.append(
            WasteSuggestion(
                category=WasteCategory.delays,
                step_id=step.id,
                handoff_id=None,
                description=f"Work waits {hours(wait)} at '{step.name}', far longer than "
                f"the {hours(process)} spent on it.",
                evidence=f"{measured}; threshold: wait above {num(ratio)}x process time",
                confidence=0.8,
                estimated_cost_hours_per_week=None,
                statement=f"Work that waits more than {num(ratio)}x its process time at a step is "
                "a delay.",
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
            evidence=f"'{step.name}' takes {hours(step.flow_seconds)} of the "
            f"{hours(metrics.lead_time_seconds)} lead time ({num(share * 100)}%); "
            f"threshold: more than {num(thresholds.bottleneck_share * 100)}% of lead time",
            confidence=0.7,
            estimated_cost_hours_per_week=None,
            statement=f"A step of the critical path that takes more than "
            f"{num(thresholds.bottleneck_share * 100)}% of the lead time is the bottleneck.",
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
                statement="Every handoff from one team to another carries work across a silo "
                "boundary.",
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
                description=f"{num(rework * 100)}% of what '{step.name}' passes on needs rework.",
                evidence=f"%C&A {num(pca)}% is below the threshold of "
                f"{num(thresholds.pca_threshold)}%; rework "
                f"{cost_evidence(step, thresholds, rework)}",
                confidence=0.8,
                estimated_cost_hours_per_week=weekly_hours(step, thresholds, rework),
                statement=f"A step whose output is complete and accurate less than "
                f"{num(thresholds.pca_threshold)}% of the time sends the rest back as rework.",
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
            evidence=f"manual step in a CI/CD stage; {cost_evidence(step, thresholds)}",
            confidence=0.85,
            estimated_cost_hours_per_week=weekly_hours(step, thresholds),
            statement="A step of a CI/CD stage done by hand is work the pipeline exists to do.",
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
                f"({', '.join(map(repr, words))}); {cost_evidence(step, thresholds)}",
                confidence=0.5,
                estimated_cost_hours_per_week=weekly_hours(step, thresholds),
                statement=f"A step whose name or description holds one of the words "
                f"{_listing(thresholds.management_words)} moves information about the work, "
                "not the work.",
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
            statement=f"A queue of {thresholds.queue_threshold} or more items before a step "
            "is work in progress nobody works on.",
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
                statement="A step that produces an artifact an earlier step already produced "
                "makes it again; with the same tool, more surely.",
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
                statement=f"A role that comes back into the flow in "
                f"{thresholds.motion_role_steps} or more separate stretches switches between "
                "tasks.",
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
                statement=f"A step that works with {thresholds.many_tools} or more tools switches "
                "between them.",
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
            f"{thresholds.talent_people} people; {cost_evidence(step, thresholds)}",
            confidence=0.6,
            estimated_cost_hours_per_week=weekly_hours(step, thresholds),
            statement=f"{thresholds.talent_people} or more people on an unnecessary non-value-add "
            "step spend their talent on waste.",
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
                f"step; {cost_evidence(step, thresholds)}",
                confidence=0.6,
                estimated_cost_hours_per_week=weekly_hours(step, thresholds),
                statement=f"A senior role ({_listing(thresholds.senior_role_words)}) doing manual, "
                "unnecessary non-value-add work is not doing what only it can.",
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
                f"{cost_evidence(step, thresholds)}",
                confidence=0.35 if flow_map.is_chain else 0.6,
                estimated_cost_hours_per_week=weekly_hours(step, thresholds),
                statement="An unnecessary non-value-add step whose artifacts no outgoing handoff "
                "carries produces output nobody uses.",
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
