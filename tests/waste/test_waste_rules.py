from typing import Any

import pytest

from core.maps.flowmap import FlowMap, Handoff, Step, ValueClass
from core.plugins import build_plugin_manager
from core.waste.vocabulary import WasteCategory, WasteSuggestion
from plugins import waste_rules
from plugins.waste_rules import rules
from plugins.waste_rules.classifier import classify
from plugins.waste_rules.hooks import classify_waste
from plugins.waste_rules.thresholds import RuleConfigError, RuleThresholds, load_thresholds

HOUR = 3600.0
UNNECESSARY = ValueClass.unnecessary_non_value_add


def step(
    step_id: str, position: int, process_h: float | None = 1, wait_h: float | None = 1, **kw: Any
) -> Step:
    return Step(
        id=step_id,
        name=kw.pop("name", f"Step {step_id}"),
        position=position,
        process_seconds=None if process_h is None else process_h * HOUR,
        wait_seconds=None if wait_h is None else wait_h * HOUR,
        **kw,
    )


def flow(*steps: Step, handoffs: tuple[Handoff, ...] = ()) -> FlowMap:
    return FlowMap(id="m1", name="Map", kind="current", steps=steps, handoffs=handoffs)


def found(
    flow_map: FlowMap, rule: str, config: dict[str, Any] | None = None
) -> list[WasteSuggestion]:
    """The findings whose (leading) rule is `rule`, or whose category is `rule`."""
    return [
        s
        for s in classify_waste(flow_map=flow_map, config=config or {})
        if rule in (s.rule, s.category)
    ]


def only(suggestions: list[WasteSuggestion]) -> WasteSuggestion:
    assert len(suggestions) == 1, suggestions
    return suggestions[0]


# delays


def test_long_wait_compared_to_process_is_a_delay() -> None:
    flow_map = flow(step("a", 1, 1, 4), step("b", 2, 1, 1), step("c", 3, 1, 1))
    finding = only(found(flow_map, "delays.wait_exceeds_process"))
    assert finding.category is WasteCategory.delays
    assert finding.step_id == "a"
    assert "wait 4 h is 4x the process time 1 h" in finding.evidence
    assert "3x" in finding.evidence


def test_wait_at_the_ratio_is_not_a_delay() -> None:
    flow_map = flow(step("a", 1, 1, 3), step("b", 2, 1, 1), step("c", 3, 1, 1))
    assert found(flow_map, "delays.wait_exceeds_process") == []


def test_wait_without_process_time_is_a_delay_but_unmeasured_process_is_not() -> None:
    flow_map = flow(step("a", 1, 0, 2), step("b", 2, None, 9), step("c", 3, 5, 0))
    assert [s.step_id for s in rules.wait_exceeds_process(flow_map, RuleThresholds())] == ["a"]


def test_the_bottleneck_is_a_delay() -> None:
    flow_map = flow(step("a", 1, 1, 1), step("b", 2, 4, 1), step("c", 3, 1, 0))
    finding = only(rules.bottleneck(flow_map, RuleThresholds()))
    assert (finding.category, finding.step_id) == (WasteCategory.delays, "b")
    assert "5 h of the 8 h lead time (62.5%)" in finding.evidence
    assert "50%" in finding.evidence


def test_an_even_flow_has_no_bottleneck_finding() -> None:
    flow_map = flow(step("a", 1, 1, 1), step("b", 2, 1, 1), step("c", 3, 1, 1))
    assert rules.bottleneck(flow_map, RuleThresholds()) == []


def test_half_of_the_lead_time_is_not_yet_a_bottleneck() -> None:
    flow_map = flow(step("a", 1, 1, 1), step("b", 2, 1, 1))
    assert rules.bottleneck(flow_map, RuleThresholds()) == []


def test_a_single_step_is_not_a_bottleneck() -> None:
    assert rules.bottleneck(flow(step("a", 1, 5, 5)), RuleThresholds()) == []


def test_two_delay_rules_on_one_step_merge_into_one_finding() -> None:
    flow_map = flow(step("a", 1, 1, 9), step("b", 2, 1, 1))
    delays = [s for s in classify(flow_map) if s.category is WasteCategory.delays]
    finding = only(delays)
    assert finding.rule == "delays.wait_exceeds_process"
    assert "Also delays.bottleneck" in finding.evidence


# transportation


def test_each_cross_team_handoff_is_transportation() -> None:
    flow_map = flow(
        step("a", 1, team="Dev"),
        step("b", 2, team="Ops"),
        step("c", 3, team="Ops"),
        handoffs=(
            Handoff(id="h1", from_step="a", to_step="b", artifact="build", cross_team=True),
            Handoff(id="h2", from_step="b", to_step="c"),
        ),
    )
    finding = only(found(flow_map, "transportation"))
    assert finding.category is WasteCategory.transportation
    assert (finding.step_id, finding.handoff_id) == (None, "h1")
    assert "1 of 2 handoffs" in finding.evidence
    assert "team Dev to team Ops" in finding.evidence
    assert "carrying 'build'" in finding.evidence
    assert finding.confidence == 0.9


def test_a_handoff_within_a_team_is_not_transportation() -> None:
    flow_map = flow(
        step("a", 1), step("b", 2), handoffs=(Handoff(id="h1", from_step="a", to_step="b"),)
    )
    assert found(flow_map, "transportation") == []


# defects and rework


def test_low_pca_is_rework() -> None:
    flow_map = flow(step("a", 1, 2, 1, percent_complete_accurate=60), step("b", 2, 2, 1))
    finding = only(found(flow_map, "defects_and_rework"))
    assert (finding.category, finding.step_id) == (WasteCategory.defects_and_rework, "a")
    assert "%C&A 60%" in finding.evidence and "80%" in finding.evidence
    assert finding.estimated_cost_hours_per_week == pytest.approx(2 * 10 * 1 * 0.4)
    assert "= 8 h/week" in finding.evidence


def test_pca_at_the_threshold_is_not_rework() -> None:
    flow_map = flow(step("a", 1, percent_complete_accurate=80), step("b", 2))
    assert found(flow_map, "defects_and_rework") == []


# manual activities


def test_manual_step_in_cicd_is_a_manual_activity() -> None:
    flow_map = flow(step("a", 1, 0.5, 0, cicd_stage=True, people=2), step("b", 2))
    finding = only(found(flow_map, "manual_activities"))
    assert (finding.category, finding.step_id) == (WasteCategory.manual_activities, "a")
    assert finding.estimated_cost_hours_per_week == pytest.approx(10.0)
    assert "process 0.5 h x 10 runs/week x 2 people = 10 h/week" in finding.evidence


@pytest.mark.parametrize("kw", [{"cicd_stage": True, "automated": True}, {"cicd_stage": False}])
def test_automated_or_non_pipeline_steps_are_not_manual_activities(kw: dict[str, Any]) -> None:
    flow_map = flow(step("a", 1, **kw), step("b", 2))
    assert found(flow_map, "manual_activities") == []


def test_a_manual_step_without_process_time_has_no_cost() -> None:
    flow_map = flow(step("a", 1, None, 0, cicd_stage=True), step("b", 2))
    finding = only(found(flow_map, "manual_activities"))
    assert finding.estimated_cost_hours_per_week is None
    assert "not estimated" in finding.evidence


# management activities


@pytest.mark.parametrize(
    ("name", "description", "words"),
    [
        ("Weekly status report", None, "'status', 'report'"),
        ("Change board", "Approval by the CAB", "'approval'"),
        ("Release sign-off", None, "'sign-off'"),
        ("Reporting", None, "'report'"),
    ],
)
def test_status_and_approval_words_are_management(
    name: str, description: str | None, words: str
) -> None:
    flow_map = flow(step("a", 1, name=name, description=description), step("b", 2, name="Build"))
    finding = only(found(flow_map, "management_activities"))
    assert (finding.category, finding.step_id) == (WasteCategory.management_activities, "a")
    assert words in finding.evidence
    assert finding.confidence == 0.5


@pytest.mark.parametrize("name", ["Code review", "Statistics export", "Build"])
def test_similar_words_are_not_management(name: str) -> None:
    flow_map = flow(step("a", 1, name=name), step("b", 2, name="Deploy"))
    assert found(flow_map, "management_activities") == []


def test_management_words_can_be_configured() -> None:
    flow_map = flow(step("a", 1, name="Steering committee"), step("b", 2, name="Build"))
    assert found(flow_map, "management_activities") == []
    config = {"waste_rules": {"management_words": ["Steering"]}}
    assert only(found(flow_map, "management_activities", config)).step_id == "a"


# inventory


def test_a_long_queue_is_inventory() -> None:
    flow_map = flow(step("a", 1), step("b", 2, queue_size=10))
    finding = only(found(flow_map, "inventory"))
    assert (finding.category, finding.step_id) == (WasteCategory.inventory, "b")
    assert "queue of 10 items" in finding.evidence and "threshold of 10" in finding.evidence


def test_a_queue_below_the_threshold_is_not_inventory() -> None:
    flow_map = flow(step("a", 1), step("b", 2, queue_size=9))
    assert found(flow_map, "inventory") == []


def test_queue_threshold_can_be_configured() -> None:
    flow_map = flow(step("a", 1), step("b", 2, queue_size=6))
    assert (
        only(found(flow_map, "inventory", {"waste_rules": {"queue_threshold": 5}})).step_id == "b"
    )


# over-processing


def test_an_artifact_made_twice_is_over_processing() -> None:
    flow_map = flow(
        step("a", 1, name="Draft spec", artifacts=("Design doc",), tools=("Word",)),
        step("b", 2, name="Build"),
        step("c", 3, name="Write design", artifacts=("design doc ",), tools=("word", "Visio")),
    )
    finding = only(found(flow_map, "over_processing"))
    assert (finding.category, finding.step_id) == (WasteCategory.over_processing, "c")
    assert (
        "'design doc' is produced by 2 steps, first by 'Draft spec' (position 1)"
        in finding.evidence
    )
    assert "both with 'word'" in finding.evidence
    assert finding.confidence == 0.75


def test_an_artifact_made_twice_with_other_tools_is_less_certain() -> None:
    flow_map = flow(
        step("a", 1, artifacts=("plan",), tools=("Excel",)), step("b", 2, artifacts=("plan",))
    )
    assert only(found(flow_map, "over_processing")).confidence == 0.6


def test_different_artifacts_are_not_over_processing() -> None:
    flow_map = flow(
        step("a", 1, artifacts=("spec",), tools=("Word",)),
        step("b", 2, artifacts=("code",), tools=("Word",)),
    )
    assert found(flow_map, "over_processing") == []


# unnecessary motion


def roles_map(*roles: str) -> FlowMap:
    return flow(*(step(f"s{i}", i, role=role) for i, role in enumerate(roles, start=1)))


def test_a_role_coming_back_again_and_again_is_task_switching() -> None:
    flow_map = roles_map("Dev", "QA", "Dev", "QA", "dev", "QA", "Dev ")
    finding = only(found(flow_map, "unnecessary_motion.role_switching"))
    assert (finding.category, finding.step_id) == (WasteCategory.unnecessary_motion, "s1")
    assert "4 non-consecutive stretches" in finding.evidence
    assert "threshold: 4" in finding.evidence


def test_consecutive_steps_of_a_role_are_one_stretch() -> None:
    flow_map = roles_map("Dev", "Dev", "QA", "Dev", "QA", "Dev", "QA")
    assert found(flow_map, "unnecessary_motion.role_switching") == []


def test_many_tools_in_one_step_is_task_switching() -> None:
    flow_map = flow(step("a", 1, tools=("Jira", "Slack", "Git", "Excel")), step("b", 2))
    finding = only(found(flow_map, "unnecessary_motion.many_tools"))
    assert (finding.category, finding.step_id) == (WasteCategory.unnecessary_motion, "a")
    assert "uses 4 tools" in finding.evidence and "threshold: 4 tools" in finding.evidence


def test_repeated_tools_count_once() -> None:
    flow_map = flow(step("a", 1, tools=("Jira", "Jira", "Slack", "Git")), step("b", 2))
    assert found(flow_map, "unnecessary_motion.many_tools") == []


# non-utilized talent


def test_many_people_on_unnecessary_work_is_non_utilized_talent() -> None:
    flow_map = flow(step("a", 1, 2, 0, people=3, value_class=UNNECESSARY, role="Dev"), step("b", 2))
    finding = only(found(flow_map, "non_utilized_talent"))
    assert (finding.category, finding.step_id) == (WasteCategory.non_utilized_talent, "a")
    assert "3 people" in finding.evidence and "threshold: 3 people" in finding.evidence
    assert finding.estimated_cost_hours_per_week == pytest.approx(60.0)


@pytest.mark.parametrize(
    "kw",
    [
        {"people": 2, "value_class": UNNECESSARY},
        {"people": 5, "value_class": ValueClass.necessary_non_value_add},
    ],
)
def test_few_people_or_necessary_work_is_not_non_utilized_talent(kw: dict[str, Any]) -> None:
    flow_map = flow(step("a", 1, role="Dev", **kw), step("b", 2))
    assert found(flow_map, "non_utilized_talent") == []


def test_a_senior_doing_manual_unnecessary_work_is_non_utilized_talent() -> None:
    flow_map = flow(step("a", 1, role="Lead Architect", value_class=UNNECESSARY), step("b", 2))
    finding = only(found(flow_map, "non_utilized_talent"))
    assert finding.step_id == "a"
    assert "'architect', 'lead'" in finding.evidence


@pytest.mark.parametrize(
    "kw",
    [
        {"role": "Lead Architect", "value_class": UNNECESSARY, "automated": True},
        {"role": "Developer", "value_class": UNNECESSARY},
        {"role": "Senior QA", "value_class": ValueClass.value_add},
    ],
)
def test_seniors_on_automated_or_valuable_work_are_not_flagged(kw: dict[str, Any]) -> None:
    flow_map = flow(step("a", 1, **kw), step("b", 2))
    assert found(flow_map, "non_utilized_talent") == []


def test_both_talent_rules_on_one_step_merge() -> None:
    flow_map = flow(
        step("a", 1, people=4, role="Senior Dev", value_class=UNNECESSARY), step("b", 2)
    )
    finding = only(
        [s for s in classify(flow_map) if s.category is WasteCategory.non_utilized_talent]
    )
    assert "Also non_utilized_talent.senior_manual_waste" in finding.evidence


# over-production


def test_unnecessary_output_nobody_takes_is_over_production() -> None:
    flow_map = flow(
        step("a", 1, name="Status deck", value_class=UNNECESSARY, artifacts=("slides",)),
        step("b", 2, name="Build"),
        handoffs=(Handoff(id="h1", from_step="a", to_step="b", artifact="code"),),
    )
    finding = only(found(flow_map, "over_production"))
    assert (finding.category, finding.step_id) == (WasteCategory.over_production, "a")
    assert "1 artifact(s) ('slides')" in finding.evidence
    assert "none of its 1 outgoing handoffs" in finding.evidence
    assert finding.confidence == 0.6


def test_unnecessary_output_that_is_handed_on_is_not_over_production() -> None:
    flow_map = flow(
        step("a", 1, value_class=UNNECESSARY, artifacts=("Slides",)),
        step("b", 2),
        handoffs=(Handoff(id="h1", from_step="a", to_step="b", artifact="slides"),),
    )
    assert found(flow_map, "over_production") == []


def test_the_last_step_is_not_over_production() -> None:
    flow_map = flow(step("a", 1), step("b", 2, value_class=UNNECESSARY, artifacts=("slides",)))
    assert found(flow_map, "over_production") == []


def test_over_production_on_a_chain_is_a_weak_hint() -> None:
    flow_map = flow(step("a", 1, value_class=UNNECESSARY, artifacts=("slides",)), step("b", 2))
    finding = only(found(flow_map, "over_production"))
    assert finding.confidence == 0.35
    assert "records no handoffs" in finding.evidence


# the classifier as a whole


def kitchen_sink() -> FlowMap:
    """One map showing every waste of the practice."""
    return flow(
        step(
            "a",
            1,
            1,
            6,
            name="Write spec",
            role="Analyst",
            artifacts=("spec",),
            percent_complete_accurate=50,
        ),
        step(
            "b",
            2,
            1,
            0,
            name="Weekly status report",
            role="Lead Architect",
            value_class=UNNECESSARY,
            artifacts=("deck",),
            people=3,
        ),
        step(
            "c",
            3,
            1,
            1,
            name="Rewrite spec",
            role="Analyst",
            artifacts=("spec",),
            tools=("a", "b", "c", "d"),
        ),
        step("d", 4, 1, 1, name="Deploy", role="Ops", cicd_stage=True, queue_size=30),
        step("e", 5, 1, 1, name="Analyse", role="Analyst"),
        step("f", 6, 1, 1, name="Tune", role="Ops"),
        step("g", 7, 1, 1, name="Analyse again", role="Analyst"),
        handoffs=(
            Handoff(id="h1", from_step="a", to_step="b"),
            Handoff(id="h2", from_step="b", to_step="c"),
            Handoff(id="h3", from_step="c", to_step="d", cross_team=True),
            Handoff(id="h4", from_step="d", to_step="e"),
            Handoff(id="h5", from_step="e", to_step="f"),
            Handoff(id="h6", from_step="f", to_step="g"),
        ),
    )


def test_the_rules_cover_all_ten_categories() -> None:
    suggestions = classify(kitchen_sink(), RuleThresholds(motion_role_steps=3))
    assert {s.category for s in suggestions} == set(WasteCategory)
    assert len({s.key for s in suggestions}) == len(suggestions)
    assert all(0 <= s.confidence <= 1 and s.rule and s.evidence for s in suggestions)


def test_the_plugin_answers_through_pluggy() -> None:
    manager = build_plugin_manager(built_ins=False, load_entry_points=False, extra=(waste_rules,))
    results = manager.hook.classify_waste(flow_map=kitchen_sink(), config={})
    assert len(results) == 1
    assert results[0] == classify(kitchen_sink())


def test_a_clean_map_has_no_waste() -> None:
    flow_map = flow(
        step("a", 1, 1, 1, role="Dev", automated=True, percent_complete_accurate=95),
        step("b", 2, 1, 1, role="QA", automated=True, cicd_stage=True),
        step("c", 3, 1, 1, role="Ops", automated=True),
    )
    assert classify_waste(flow_map=flow_map, config=None) == []


def test_a_threshold_override_changes_the_outcome() -> None:
    flow_map = flow(step("a", 1, 1, 2), step("b", 2, 1, 2), step("c", 3, 1, 2))
    assert found(flow_map, "delays.wait_exceeds_process") == []
    config = {"waste_rules": {"wait_to_process_ratio": 1.5}}
    assert [s.step_id for s in found(flow_map, "delays.wait_exceeds_process", config)] == [
        "a",
        "b",
        "c",
    ]


def test_other_plugins_keys_are_ignored() -> None:
    flow_map = flow(step("a", 1), step("b", 2))
    assert classify_waste(flow_map=flow_map, config={"other_plugin": {"x": 1}}) == []


def test_an_unknown_setting_is_a_clear_error() -> None:
    with pytest.raises(RuleConfigError) as caught:
        classify_waste(flow_map=flow(step("a", 1)), config={"waste_rules": {"queue_treshold": 5}})
    message = str(caught.value)
    assert "unknown setting(s) 'queue_treshold'" in message
    assert "queue_threshold" in message


@pytest.mark.parametrize(
    ("settings", "mentions"),
    [
        ({"pca_threshold": 120}, "pca_threshold"),
        ({"queue_threshold": "many"}, "queue_threshold"),
        ({"management_words": ["status", " "]}, "management_words"),
        ([1, 2], "must be an object"),
    ],
)
def test_invalid_settings_are_clear_errors(settings: Any, mentions: str) -> None:
    with pytest.raises(RuleConfigError, match=mentions):
        load_thresholds({"waste_rules": settings})


def test_defaults_without_config() -> None:
    assert load_thresholds(None) == RuleThresholds()
    assert load_thresholds({}).pca_threshold == 80


def test_category_labels_use_the_practice_words() -> None:
    assert len(WasteCategory) == 10
    assert WasteCategory.delays.label == "Delays, wait time and bottlenecks"
    assert WasteCategory.inventory.label == "Inventory (too much WIP)"
    assert all(category.label for category in WasteCategory)


def test_suggestions_check_their_confidence() -> None:
    with pytest.raises(ValueError, match="confidence"):
        WasteSuggestion(WasteCategory.delays, "a", None, "d", "e", 1.5, None, "r")
