"""Takt, capacity, the constraint, inventory days and expected rework, as pure functions."""

import pytest

from core.maps.flowmap import Calendar, DataBox, FlowMap, FlowMapError, Handoff, Step
from core.metrics.capacity import takt_seconds
from core.metrics.map_metrics import compute_map_metrics

DAY = 86400.0
HOUR = 3600.0


def acme_stamping() -> FlowMap:
    """Acme Stamping's current state, as drawn in Rother & Shook, *Learning to See*
    (Lean Enterprise Institute, 1999), pp. 32-37.

    Demand 18,400 brackets a month over 20 working days; two shifts of 8 hours less
    two 10-minute breaks (27,600 s a shift). Coils wait 5 days before stamping; the
    inventories after each process are 4,600 L + 2,400 R, 1,100 + 600, 1,600 + 850,
    1,200 + 640 and 2,700 + 1,440 pieces. Cycle times 1, 39, 46, 62 and 40 s; uptimes
    85, 100, 80, 100 and 100 %.
    """
    rows = [
        ("stamping", 1, 85, None, 5 * DAY),
        ("weld1", 39, 100, 4600 + 2400, None),
        ("weld2", 46, 80, 1100 + 600, None),
        ("assembly1", 62, 100, 1600 + 850, None),
        ("assembly2", 40, 100, 1200 + 640, None),
        ("shipping", None, None, 2700 + 1440, None),
    ]
    steps = [
        Step(
            id=name,
            name=name,
            position=index,
            cycle_seconds=cycle,
            process_seconds=cycle or 0.0,
            uptime_percent=uptime,
            queue_size=inventory,
            wait_seconds=wait,
        )
        for index, (name, cycle, uptime, inventory, wait) in enumerate(rows)
    ]
    return FlowMap(
        id="acme",
        name="Acme Stamping",
        kind="current",
        steps=tuple(steps),
        data_box=DataBox(
            demand_units=18_400,
            demand_working_days=20,
            shifts_per_day=2,
            shift_hours=8,
            break_minutes_per_shift=20,
        ),
    )


def test_acme_stamping_takt_time_is_60_seconds() -> None:
    """Learning to See, p. 38: 27,600 s per shift ÷ 460 pieces per shift = 60 s."""
    metrics = compute_map_metrics(acme_stamping())

    assert metrics.available_seconds_per_day == 2 * 27_600
    assert metrics.daily_demand == 920
    assert metrics.takt_time_seconds == pytest.approx(60.0)


def test_acme_stamping_inventory_days_make_the_timeline() -> None:
    """Learning to See, p. 33: the inventories read 7.6, 1.8, 2.7, 2 and 4.5 days, and
    with 5 days of coils the production lead time is 23.6 days for 188 s of processing."""
    metrics = compute_map_metrics(acme_stamping())

    days = {step: round(value, 1) for step, value in metrics.inventory_days.items()}
    assert days == {"weld1": 7.6, "weld2": 1.8, "assembly1": 2.7, "assembly2": 2.0, "shipping": 4.5}
    assert round(metrics.lead_time_days, 1) == 23.6
    assert metrics.process_time_seconds == 188
    assert set(metrics.steps_wait_from_inventory) == {
        "weld1",
        "weld2",
        "assembly1",
        "assembly2",
        "shipping",
    }
    assert metrics.steps_missing_wait_time == ()


def test_acme_stamping_constraint_is_the_assembly_cell_not_the_longest_queue() -> None:
    """Learning to See: the 62 s cell cannot keep up with a 60 s takt (55,200 / 62 = 890
    a day against 920), while the longest queue, 7.6 days, waits before the first weld."""
    metrics = compute_map_metrics(acme_stamping())

    assert metrics.constraint_step_id == "assembly1"
    assert metrics.longest_queue_step_id == "weld1"
    assert metrics.bottleneck_step_id == "weld1"
    assert metrics.steps_short_of_demand == ("assembly1",)
    by_step = {row.step_id: row for row in metrics.step_capacity}
    assert by_step["assembly1"].units_per_day == pytest.approx(55_200 / 62)
    assert by_step["weld2"].units_per_day == pytest.approx(55_200 / 46 * 0.8)
    assert by_step["assembly1"].cycle_to_takt == pytest.approx(62 / 60)
    assert "shipping" not in by_step


def test_when_every_step_keeps_up_the_constraint_is_the_lowest_capacity() -> None:
    steps = (
        Step(id="a", name="A", position=0, cycle_seconds=30),
        Step(id="b", name="B", position=1, cycle_seconds=20, uptime_percent=50),
    )
    metrics = compute_map_metrics(
        FlowMap(id="m", name="M", kind="current", steps=steps, data_box=DataBox(demand_units=10))
    )

    assert metrics.steps_short_of_demand == ()
    assert metrics.constraint_step_id == "b"


def test_without_demand_there_is_no_takt_but_capacity_still_counts() -> None:
    steps = (Step(id="a", name="A", position=0, cycle_seconds=60, queue_size=100),)
    metrics = compute_map_metrics(FlowMap(id="m", name="M", kind="current", steps=steps))

    assert metrics.takt_time_seconds is None
    assert metrics.available_seconds_per_day == 8 * HOUR
    assert metrics.step_capacity[0].units_per_day == 480
    assert metrics.step_capacity[0].demand_ratio is None
    assert metrics.inventory_days == {}
    assert metrics.steps_missing_wait_time == ("a",)


def test_a_measured_wait_is_kept_over_the_inventory() -> None:
    steps = (Step(id="a", name="A", position=0, wait_seconds=HOUR, queue_size=100),)
    box = DataBox(demand_units=10)

    metrics = compute_map_metrics(
        FlowMap(id="m", name="M", kind="current", steps=steps, data_box=box)
    )

    assert metrics.lead_time_seconds == HOUR
    assert metrics.inventory_days == {"a": 10.0}
    assert metrics.steps_wait_from_inventory == ()


def test_inventory_days_count_in_working_days_on_a_working_calendar() -> None:
    steps = (Step(id="a", name="A", position=0, queue_size=30),)
    calendar = Calendar(hours_per_working_day=8, waits_in="working")

    metrics = compute_map_metrics(
        FlowMap(
            id="m",
            name="M",
            kind="current",
            steps=steps,
            calendar=calendar,
            data_box=DataBox(demand_units=10),
        )
    )

    assert metrics.lead_time_seconds == 3 * 8 * HOUR
    assert metrics.lead_time_days == 3


def test_takt_needs_a_demand() -> None:
    assert takt_seconds(27_600, None) is None
    assert takt_seconds(27_600, 460) == 60


@pytest.mark.parametrize(
    ("box", "field"),
    [
        (DataBox(demand_units=0), "demand_units"),
        (DataBox(demand_units=10, demand_working_days=0), "demand_working_days"),
        (DataBox(shifts_per_day=0), "shifts_per_day"),
        (DataBox(shifts_per_day=3, shift_hours=9), "shift_hours"),
        (DataBox(shift_hours=1, break_minutes_per_shift=60), "break_minutes_per_shift"),
    ],
)
def test_a_data_box_that_leaves_no_time_is_refused(box: DataBox, field: str) -> None:
    with pytest.raises(FlowMapError) as error:
        FlowMap(id="m", name="M", kind="current", steps=(), data_box=box)

    assert [problem.field for problem in error.value.problems] == [field]


def rework_chain(*loops: Handoff, pca_c: float | None = 75) -> FlowMap:
    """A → B → C, each 1 h of work after a wait of 2, 4 and 6 h."""
    steps = (
        Step(
            id="a",
            name="A",
            position=0,
            process_seconds=HOUR,
            wait_seconds=2 * HOUR,
            percent_complete_accurate=90,
        ),
        Step(id="b", name="B", position=1, process_seconds=HOUR, wait_seconds=4 * HOUR),
        Step(
            id="c",
            name="C",
            position=2,
            process_seconds=HOUR,
            wait_seconds=6 * HOUR,
            percent_complete_accurate=pca_c,
        ),
    )
    return FlowMap(id="m", name="M", kind="current", steps=steps, handoffs=loops)


def test_implicit_rework_redoes_a_step_with_probability_one_minus_pca() -> None:
    """A's 3 h re-done 10 % of the time, C's 7 h 25 % of the time: 0.3 + 1.75 h."""
    metrics = compute_map_metrics(rework_chain())

    assert metrics.step_rework_seconds == {
        "a": pytest.approx(0.3 * HOUR),
        "b": 0.0,
        "c": pytest.approx(1.75 * HOUR),
    }
    assert metrics.expected_rework_seconds == pytest.approx(2.05 * HOUR)
    assert metrics.lead_time_with_rework_seconds == pytest.approx(15 * HOUR + 2.05 * HOUR)


def test_a_rework_loop_reruns_the_steps_between_after_its_own_wait() -> None:
    """C sends 25 % (100 - its %C&A) back to B; a pass is the loop's 1 h wait plus B's 5 h
    and C's 7 h, so the loop adds 0.25 * 13 h; C's own rework counts only through it."""
    loop = Handoff("back", "c", "b", rework=True, wait_seconds=HOUR)

    metrics = compute_map_metrics(rework_chain(loop))

    assert metrics.lead_time_seconds == 15 * HOUR
    assert metrics.critical_path == ("a", "b", "c")
    (row,) = metrics.rework_loops
    assert row.rerun_step_ids == ("b", "c")
    assert row.rework_percent == 25
    assert row.seconds_per_pass == 13 * HOUR
    assert row.expected_seconds == pytest.approx(3.25 * HOUR)
    assert row.on_critical_path
    assert metrics.step_rework_seconds["c"] == 0.0
    assert metrics.expected_rework_seconds == pytest.approx(0.3 * HOUR + 3.25 * HOUR)


def test_a_loop_states_its_own_share() -> None:
    loop = Handoff("back", "c", "a", rework=True, rework_percent=10)

    (row,) = compute_map_metrics(rework_chain(loop, pca_c=None)).rework_loops

    assert row.rework_percent == 10
    assert row.expected_seconds == pytest.approx(1.5 * HOUR)


def test_a_loop_without_a_share_is_listed_unmeasured() -> None:
    loop = Handoff("back", "c", "a", rework=True)

    metrics = compute_map_metrics(rework_chain(loop, pca_c=None))

    assert metrics.rework_loops[0].expected_seconds is None
    assert metrics.expected_rework_seconds == pytest.approx(0.3 * HOUR)


def test_a_rework_loop_must_go_back() -> None:
    forward = Handoff("fwd", "a", "c", rework=True)

    with pytest.raises(FlowMapError, match="back from a later step"):
        rework_chain().check_handoff(forward)
    assert not rework_chain().goes_back(forward)


def test_a_loop_across_steps_not_joined_yet_has_no_expected_time() -> None:
    """While forward handoffs are drawn one by one, a loop may span steps not yet joined."""
    steps = rework_chain().steps
    joined = Handoff("f1", "a", "b")
    loop = Handoff("back", "c", "b", rework=True, rework_percent=50)

    metrics = compute_map_metrics(
        FlowMap(id="m", name="M", kind="current", steps=steps, handoffs=(joined, loop))
    )

    assert metrics.rework_loops[0].expected_seconds is None
    assert metrics.rework_loops[0].rerun_step_ids == ()


def test_a_plain_handoff_back_is_a_cycle_that_suggests_a_rework_loop() -> None:
    steps = rework_chain().steps
    handoffs = (Handoff("f1", "a", "b"), Handoff("f2", "b", "c"), Handoff("back", "c", "a"))

    with pytest.raises(FlowMapError, match="rework loop"):
        FlowMap(
            id="m", name="M", kind="current", steps=steps, handoffs=handoffs
        ).topological_order()


def test_rework_loops_leave_a_chain_a_chain() -> None:
    flow_map = rework_chain(Handoff("back", "c", "a", rework=True))

    assert flow_map.is_chain
    assert compute_map_metrics(flow_map).handoffs == 0
