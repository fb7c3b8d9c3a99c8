import itertools
import random
from typing import Any

import pytest
from pydantic import ValidationError

from core.maps.flowmap import Calendar, FlowMap, FlowMapError, Handoff, Step, ValueClass
from core.metrics.map_metrics import MapMetrics, compare, compute_map_metrics, critical_path

HOUR = 3600.0


def step(
    step_id: str, position: int, process_h: float | None = 0, wait_h: float | None = 0, **kw: Any
) -> Step:
    return Step(
        id=step_id,
        name=kw.pop("name", step_id.upper()),
        position=position,
        process_seconds=None if process_h is None else process_h * HOUR,
        wait_seconds=None if wait_h is None else wait_h * HOUR,
        **kw,
    )


def flow(*steps: Step, handoffs: tuple[Handoff, ...] = (), **kw: Any) -> FlowMap:
    return FlowMap(
        id="m1", name="Map", kind=kw.pop("kind", "current"), steps=steps, handoffs=handoffs, **kw
    )


def hand(handoff_id: str, source: str, target: str, **kw: Any) -> Handoff:
    return Handoff(id=handoff_id, from_step=source, to_step=target, **kw)


def three_step_chain(**kw: Any) -> FlowMap:
    return flow(
        step("a", 1, 1, 4, percent_complete_accurate=90, role="Dev", people=2),
        step("b", 2, 2, 8, percent_complete_accurate=80, role="QA", people=1),
        step("c", 3, 1, 0, percent_complete_accurate=50, role="Ops", automated=True),
        **kw,
    )


def test_chain_lead_process_and_activity_ratio() -> None:
    metrics = compute_map_metrics(three_step_chain())
    assert metrics.lead_time_seconds == 16 * HOUR
    assert metrics.process_time_seconds == 4 * HOUR
    assert metrics.activity_ratio == pytest.approx(0.25)
    assert metrics.critical_path == ("a", "b", "c")


def test_rolled_pca_multiplies_every_step() -> None:
    assert compute_map_metrics(three_step_chain()).rolled_pca_percent == pytest.approx(36.0)


def test_steps_without_pca_count_as_complete_and_accurate() -> None:
    flow_map = flow(step("a", 1, percent_complete_accurate=50), step("b", 2))
    assert compute_map_metrics(flow_map).rolled_pca_percent == pytest.approx(50.0)


def test_rolled_pca_includes_steps_off_the_critical_path() -> None:
    flow_map = flow(
        step("a", 1, 1),
        step("b", 2, 10),
        step("c", 3, 1, percent_complete_accurate=50),
        handoffs=(hand("h1", "a", "b"), hand("h2", "a", "c")),
    )
    metrics = compute_map_metrics(flow_map)
    assert "c" not in metrics.critical_path
    assert metrics.rolled_pca_percent == pytest.approx(50.0)


def test_chain_follows_position_not_list_order() -> None:
    flow_map = flow(step("c", 3, 1), step("a", 1, 1), step("b", 2, 1))
    assert compute_map_metrics(flow_map).critical_path == ("a", "b", "c")


def test_bottleneck_and_shares_on_a_chain() -> None:
    metrics = compute_map_metrics(three_step_chain())
    assert metrics.bottleneck_step_id == "b"
    assert metrics.step_shares == pytest.approx({"a": 5 / 16, "b": 10 / 16, "c": 1 / 16})


def test_bottleneck_tie_goes_to_the_lower_position() -> None:
    flow_map = flow(step("x", 2, 0, 5), step("y", 1, 5, 0), step("z", 3, 1, 0))
    assert compute_map_metrics(flow_map).bottleneck_step_id == "y"


def test_counts_on_a_chain_without_handoff_records() -> None:
    metrics = compute_map_metrics(three_step_chain())
    assert metrics.handoffs == 0
    assert metrics.cross_team_handoffs == 0
    assert metrics.manual_steps == 2
    assert metrics.step_count == 3
    assert metrics.total_people == 3


def test_lead_time_in_calendar_days() -> None:
    metrics = compute_map_metrics(three_step_chain())
    assert metrics.lead_time_days == pytest.approx(16 / 24)
    assert metrics.process_time_days == pytest.approx(4 / 24)


def test_lead_time_in_working_days() -> None:
    calendar = Calendar(hours_per_working_day=8, waits_in="working")
    metrics = compute_map_metrics(three_step_chain(calendar=calendar))
    assert metrics.lead_time_days == pytest.approx(2.0)
    assert metrics.process_time_days == pytest.approx(0.5)
    assert metrics.lead_time_seconds == 16 * HOUR


def branching_map() -> FlowMap:
    """a -> (b | c) -> d: the long branch b decides the lead time."""
    return flow(
        step("a", 1, 1, 0),
        step("b", 2, 2, 8, team="Dev"),
        step("c", 3, 2, 1, team="Ops"),
        step("d", 4, 1, 0),
        handoffs=(
            hand("h1", "a", "b"),
            hand("h2", "a", "c", cross_team=True),
            hand("h3", "b", "d"),
            hand("h4", "c", "d", cross_team=True),
        ),
    )


def test_longest_path_wins_where_the_flow_branches() -> None:
    metrics = compute_map_metrics(branching_map())
    assert metrics.critical_path == ("a", "b", "d")
    assert metrics.lead_time_seconds == 12 * HOUR
    assert metrics.process_time_seconds == 4 * HOUR
    assert metrics.activity_ratio == pytest.approx(4 / 12)
    assert metrics.step_shares["c"] == 0.0
    assert metrics.step_shares["b"] == pytest.approx(10 / 12)
    assert metrics.bottleneck_step_id == "b"


def test_handoff_counts() -> None:
    metrics = compute_map_metrics(branching_map())
    assert metrics.handoffs == 4
    assert metrics.cross_team_handoffs == 2


def test_equal_branches_take_the_lower_position() -> None:
    flow_map = flow(
        step("a", 1, 1),
        step("b", 3, 0, 5),
        step("c", 2, 5, 0),
        step("d", 4, 1),
        handoffs=(
            hand("h1", "a", "b"),
            hand("h2", "a", "c"),
            hand("h3", "b", "d"),
            hand("h4", "c", "d"),
        ),
    )
    metrics = compute_map_metrics(flow_map)
    assert metrics.critical_path == ("a", "c", "d")
    assert metrics.process_time_seconds == 7 * HOUR


def test_several_starts_and_ends() -> None:
    flow_map = flow(
        step("a", 1, 1),
        step("b", 2, 1),
        step("x", 3, 5),
        step("y", 4, 0, 1),
        handoffs=(hand("h1", "a", "b"), hand("h2", "x", "y")),
    )
    metrics = compute_map_metrics(flow_map)
    assert metrics.critical_path == ("x", "y")
    assert metrics.lead_time_seconds == 6 * HOUR


def test_zero_time_steps_at_the_end_stay_on_the_chain() -> None:
    flow_map = flow(step("a", 1, 1), step("b", 2, 0, 0))
    assert compute_map_metrics(flow_map).critical_path == ("a", "b")


def test_missing_times_count_as_zero_and_are_reported() -> None:
    flow_map = flow(
        step("a", 1, None, 2, role="Dev"),
        step("b", 2, 1, None, role=""),
        step("c", 3, 1, 1),
    )
    metrics = compute_map_metrics(flow_map)
    assert metrics.lead_time_seconds == 5 * HOUR
    assert metrics.process_time_seconds == 2 * HOUR
    assert metrics.steps_missing_role == ("b", "c")
    assert metrics.steps_missing_process_time == ("a",)
    assert metrics.steps_missing_wait_time == ("b",)


def test_an_empty_map() -> None:
    metrics = compute_map_metrics(flow())
    assert metrics.lead_time_seconds == 0
    assert metrics.activity_ratio is None
    assert metrics.rolled_pca_percent == 100.0
    assert metrics.bottleneck_step_id is None
    assert metrics.critical_path == ()
    assert metrics.step_shares == {}


def test_an_unmeasured_map_has_no_ratio_and_no_bottleneck() -> None:
    metrics = compute_map_metrics(flow(step("a", 1), step("b", 2)))
    assert metrics.activity_ratio is None
    assert metrics.bottleneck_step_id is None
    assert metrics.step_shares == {"a": 0.0, "b": 0.0}


def test_a_cycle_is_an_error_that_names_its_steps() -> None:
    flow_map = flow(
        step("a", 1, name="Build"),
        step("b", 2, name="Test"),
        step("c", 3, name="Fix"),
        handoffs=(hand("h1", "a", "b"), hand("h2", "b", "c"), hand("h3", "c", "b")),
    )
    with pytest.raises(FlowMapError) as caught:
        compute_map_metrics(flow_map)
    message = str(caught.value)
    assert "cycle" in message
    assert "'Test'" in message and "'Fix'" in message
    assert "'Build'" not in message
    assert "rework loop" in message


def test_a_handoff_to_itself_is_a_cycle() -> None:
    flow_map = flow(step("a", 1), handoffs=(hand("h1", "a", "a"),))
    with pytest.raises(FlowMapError, match="cycle"):
        flow_map.topological_order()


def test_a_handoff_must_join_steps_of_the_map() -> None:
    with pytest.raises(FlowMapError, match="not on the map"):
        flow(step("a", 1), handoffs=(hand("h1", "a", "zz"),))


def test_ids_must_be_unique() -> None:
    with pytest.raises(FlowMapError, match="more than once"):
        flow(step("a", 1), step("a", 2))


@pytest.mark.parametrize(
    "bad",
    [
        {"percent_complete_accurate": 101},
        {"percent_complete_accurate": -1},
        {"wait_seconds": -1.0},
        {"process_seconds": float("nan")},
        {"people": -2},
        {"queue_size": -1},
        {"value_class": "nice_to_have"},
    ],
)
def test_step_values_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(FlowMapError):
        Step(id="s", name="S", position=1, **bad)


def test_step_coerces_lists_and_value_class() -> None:
    made = Step(
        id="s", name="S", position=1, tools=["Jira"], artifacts=["doc"], value_class="value_add"
    )  # type: ignore[arg-type]
    assert made.tools == ("Jira",)
    assert made.artifacts == ("doc",)
    assert made.value_class is ValueClass.value_add


def test_calendar_is_checked() -> None:
    with pytest.raises(FlowMapError):
        Calendar(hours_per_working_day=0)
    with pytest.raises(FlowMapError):
        Calendar(waits_in="weekly")  # type: ignore[arg-type]


def test_compare_current_and_desired() -> None:
    current = compute_map_metrics(three_step_chain())
    desired = compute_map_metrics(
        flow(
            step("a", 1, 1, 2, percent_complete_accurate=90),
            step("b", 2, 2, 3, automated=True),
            kind="desired",
        )
    )
    changes = compare(current, desired)
    assert set(changes) == {
        "lead_time_seconds",
        "process_time_seconds",
        "activity_ratio",
        "rolled_pca_percent",
        "handoffs",
        "cross_team_handoffs",
        "manual_steps",
        "step_count",
        "expected_rework_seconds",
        "lead_time_with_rework_seconds",
    }
    lead = changes["lead_time_seconds"]
    assert (lead.current, lead.desired) == (16 * HOUR, 8 * HOUR)
    assert lead.absolute_change == -8 * HOUR
    assert lead.percent_change == pytest.approx(-50.0)
    assert changes["process_time_seconds"].percent_change == pytest.approx(-25.0)
    assert changes["activity_ratio"].percent_change == pytest.approx(50.0)
    assert changes["rolled_pca_percent"].desired == pytest.approx(90.0)
    assert changes["step_count"].absolute_change == -1
    assert changes["manual_steps"].percent_change == pytest.approx(-50.0)


def test_percent_change_is_none_without_a_current_value() -> None:
    current = compute_map_metrics(flow(step("a", 1)))
    desired = compute_map_metrics(flow(step("a", 1, 1), handoffs=()))
    changes = compare(current, desired)
    assert changes["handoffs"].percent_change is None
    assert changes["handoffs"].absolute_change == 0
    ratio = changes["activity_ratio"]
    assert ratio.current is None
    assert ratio.absolute_change is None
    assert ratio.percent_change is None
    lead = changes["lead_time_seconds"]
    assert lead.absolute_change == HOUR
    assert lead.percent_change is None


def random_dag(steps: int, handoffs: int, seed: int = 7) -> FlowMap:
    rng = random.Random(seed)
    made = [
        Step(
            id=f"s{i}",
            name=f"Step {i}",
            position=i,
            process_seconds=rng.uniform(0, 8) * HOUR,
            wait_seconds=rng.choice([None, rng.uniform(0, 40) * HOUR]),
            percent_complete_accurate=rng.uniform(95, 100),
        )
        for i in range(steps)
    ]
    edges = set()
    while len(edges) < handoffs:
        a, b = sorted(rng.sample(range(steps), 2))
        edges.add((a, b))
    links = tuple(
        Handoff(id=f"h{n}", from_step=f"s{a}", to_step=f"s{b}", cross_team=n % 3 == 0)
        for n, (a, b) in enumerate(sorted(edges))
    )
    rng.shuffle(made)
    return FlowMap(id="big", name="Big", kind="current", steps=tuple(made), handoffs=links)


def brute_force_lead(flow_map: FlowMap) -> float:
    """Independent check: ids are numbered so that every edge goes forward."""
    by_index = {int(s.id[1:]): s.flow_seconds for s in flow_map.steps}
    incoming: dict[int, list[int]] = {i: [] for i in by_index}
    for handoff in flow_map.handoffs:
        incoming[int(handoff.to_step[1:])].append(int(handoff.from_step[1:]))
    best: dict[int, float] = {}
    for i in sorted(by_index):
        best[i] = by_index[i] + max((best[p] for p in incoming[i]), default=0.0)
    return max(best.values())


def test_large_map_is_right() -> None:
    """How long it takes is measured by `python -m bench.map_metrics` (the same size)."""
    flow_map = random_dag(2000, 5000)

    metrics = compute_map_metrics(flow_map)

    assert metrics.lead_time_seconds == pytest.approx(brute_force_lead(flow_map))
    assert metrics.handoffs == 5000
    path_time = sum(flow_map.step(s).flow_seconds for s in metrics.critical_path)
    assert path_time == pytest.approx(metrics.lead_time_seconds)
    edges = set(flow_map.edges())
    assert all(pair in edges for pair in itertools.pairwise(metrics.critical_path))


def test_critical_path_alone() -> None:
    path, length = critical_path(branching_map())
    assert path == ("a", "b", "d")
    assert length == 12 * HOUR


def test_metrics_are_plain_data() -> None:
    metrics = compute_map_metrics(three_step_chain())
    assert isinstance(metrics, MapMetrics)
    with pytest.raises(ValidationError, match="frozen"):
        metrics.lead_time_seconds = 0  # type: ignore[misc]
