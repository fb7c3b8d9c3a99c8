"""What each metric means, stated once for the documentation of both transports.

A leader's number is only as good as its definition. The feature files speak to the
practice; these texts speak to API clients: the REST read models and the GraphQL types
take their field descriptions from here, so OpenAPI and GraphQL say the same thing and
neither drifts from the code in `core.metrics.flow` and `core.metrics.map_metrics`.
"""

from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel

from core.metrics.dora_tiers import DEFAULT_BENCHMARK_SOURCE, TIER_RULE

M = TypeVar("M", bound=BaseModel)

_WINDOW = "the bucket's window [window_start, window_end)"
_MEDIAN = "the median (p50), by the report's percentile_method"
_SPREAD = (
    "count, mean and the 50th, 85th and 95th percentiles, by the report's "
    "percentile_method (Hyndman and Fan, Sample Quantiles in Statistical Packages, 1996)"
)

FLOW: dict[str, str] = {
    "start": "start of the calendar bucket (UTC): its label",
    "end": "end of the calendar bucket (UTC), exclusive",
    "window_start": "start of the part of the bucket inside the requested period: what is counted",
    "window_end": "end of the part of the bucket inside the requested period, exclusive",
    "flow_velocity": (
        f"flow velocity: the number of work items finished in {_WINDOW}, of every type"
    ),
    "flow_time_seconds": (
        "flow time, in seconds: from the start of each work item finished in the window "
        f"(its `started`, or `created` if it was never started) to its finish; {_MEDIAN}. "
        "Null when no item finished"
    ),
    "flow_time": f"flow time of the items finished in the window, as a distribution: {_SPREAD}",
    "flow_efficiency": (
        "flow efficiency, 0 to 1: time in active states over flow time, each summed over "
        "the items finished in the window whose state changes are known (a ratio of sums, "
        "so a slow item weighs by its time). Items sent without state changes are left "
        "out. Null when no finished item has state changes"
    ),
    "flow_load": (
        "flow load (work in progress) at window_end: the work items begun before that "
        "instant (started, or created if never started) and not finished before it"
    ),
    "flow_distribution": (
        "flow distribution: the share, 0 to 1, of each item type (feature, defect, risk, "
        "debt) among the items finished in the window; all zeros when none finished"
    ),
    "deployment_count": f"the deployments in {_WINDOW}, failed ones included",
    "deployments_per_day": (
        "deployment frequency (DORA): deployment_count divided by the window's length in days"
    ),
    "lead_time_for_changes_seconds": (
        "lead time for changes (DORA), in seconds: from each commit to the deployment that "
        "shipped it, pooling every commit of the successful deployments in the window (a "
        f"deployment weighs by the changes it carries); {_MEDIAN}. Null when none shipped"
    ),
    "lead_time_for_changes": (
        f"lead time for changes of the window's commits, as a distribution: {_SPREAD}"
    ),
    "change_failure_rate": (
        "change failure rate (DORA), 0 to 1: the share of the window's deployments that "
        "failed. A deployment failed when it did not succeed, when its pipeline says it "
        "caused an incident (`caused_incident`), or when an incident links it from either "
        "side: the deployment names an incident of the value stream "
        "(`incident_external_id`) or an incident names the deployment "
        "(`deployment_external_id`). A link to an incident or a deployment that was never "
        "reported does not count. Null without deployments"
    ),
    "time_to_restore_seconds": (
        "time to restore service (DORA), in seconds: from an incident's opened_at to its "
        f"resolved_at, over the incidents resolved in the window; {_MEDIAN}. Unresolved "
        "incidents do not count. Null when none was resolved"
    ),
    "time_to_restore": (
        f"time to restore of the incidents resolved in the window, as a distribution: {_SPREAD}"
    ),
    "dora_tiers": (
        "the DORA performance tier (elite, high, medium, low) of each of the four keys in "
        "the window, by the report's dora_benchmark: the organization's, or the default, "
        f"{DEFAULT_BENCHMARK_SOURCE}. {TIER_RULE} Null outside a flow report"
    ),
    "time_in_state": (
        "time in state, in seconds: how long each item finished in the window was active, "
        "waiting and blocked by its tracker's state changes (time before its first change "
        f"counts as none of them), each a distribution over those items: {_SPREAD}. Items "
        "sent without state changes are left out. Null when no finished item has them"
    ),
    "aging": (
        "aging work in progress at window_end: the items in progress then, their ages, and "
        "how many are older than the 85th percentile flow time of their type's items "
        "finished in the 90 days before window_end (Vacanti, Actionable Agile Metrics for "
        "Predictability, 2015); what the work item age report answers at that instant with "
        "its default history. Null unless asked for (`aging`: it costs more than every "
        "other metric together on a long report by day)"
    ),
}

MAP: dict[str, str] = {
    "lead_time_seconds": (
        "lead time, in seconds: process time plus wait time of every step along the flow; "
        "where the flow branches, the longest path through it (the critical path)"
    ),
    "process_time_seconds": (
        "process time, in seconds: the sum of the process times of the steps on the "
        "critical path (steps without one count as zero)"
    ),
    "activity_ratio": (
        "activity ratio (flow efficiency of the map), 0 to 1: process time over lead time, "
        "both on the critical path. Null when the lead time is zero"
    ),
    "rolled_pca_percent": (
        "rolled percent complete and accurate (%C&A), 0 to 100: the product of every "
        "step's %C&A, over all steps (rework anywhere degrades the whole flow); steps "
        "without one count as 100"
    ),
    "handoffs": (
        "handoffs: the number of handoffs recorded between the map's steps, rework "
        "loops not included"
    ),
    "cross_team_handoffs": "the handoffs that cross from one team to another",
    "manual_steps": "the steps not marked automated",
    "step_count": "the number of steps",
    "total_people": "the people of all steps added up",
    "bottleneck_step_id": (
        "deprecated: the same as longest_queue_step_id, under its old name (a step with a "
        "long queue is not necessarily the one that cannot keep up: see constraint_step_id)"
    ),
    "longest_queue_step_id": (
        "the longest queue: the step on the critical path with the longest process plus "
        "wait time (the lower position on a tie), where work spends most of its lead time. "
        "Null when the map's lead time is zero"
    ),
    "constraint_step_id": (
        "the constraint: among the steps with a cycle time, the one with the lowest "
        "capacity per day, which is the one that falls shortest of customer demand "
        "(Rother & Shook, Learning to See, 1999; Goldratt, The Goal, 1984); the lower "
        "position on a tie. Null when no step states a cycle time"
    ),
    "takt_time_seconds": (
        "takt time, in seconds: available working time per day over customer demand per "
        "day (Rother & Shook, Learning to See). Null when the map states no demand"
    ),
    "daily_demand": (
        "customer demand per working day: demand_units over demand_working_days. Null "
        "when the map states no demand"
    ),
    "available_seconds_per_day": (
        "available working time per day, in seconds: shifts_per_day * (shift_hours, or "
        "hours_per_working_day, less break_minutes_per_shift)"
    ),
    "step_capacity": "the capacity of every step that states a cycle time, in position order",
    "steps_short_of_demand": (
        "the steps whose capacity per day is below the customer's daily demand"
    ),
    "steps_wait_from_inventory": (
        "the steps whose wait was not measured but worked out from their inventory: "
        "queue_size units ÷ daily demand, in the map's days (Rother & Shook, Learning to "
        "See: inventory days)"
    ),
    "inventory_days": (
        "each step's inventory in days of demand: queue_size ÷ daily_demand; only steps "
        "with an inventory, and only when the map states demand"
    ),
    "expected_rework_seconds": (
        "expected rework, in seconds, on the critical path: each of its steps' "
        "(1 - %C&A) * (wait + process), plus each rework loop going back along it: the "
        "share of work sent back * (the loop's wait + the wait and process of the steps "
        "it runs through again). A step that starts a rework loop counts only through "
        "its loop. Steps without %C&A add none"
    ),
    "lead_time_with_rework_seconds": (
        "lead time including the expected rework: lead_time_seconds + expected_rework_seconds"
    ),
    "lead_time_with_rework_days": "lead time including rework, in the map's days",
    "step_rework_seconds": (
        "each step's expected implicit rework, in seconds: (1 - %C&A) * (wait + process); "
        "zero without %C&A and for steps that start a rework loop"
    ),
    "rework_loops": "every rework loop with the time it adds on average, by handoff id",
    "critical_path": "the step ids of the longest path through the flow, first to last",
    "step_shares": "each step's share, 0 to 1, of the lead time; 0 for steps off the path",
    "lead_time_days": (
        "lead time in the map's days: 24-hour days, or working days of "
        "hours_per_working_day hours when the map counts waits in working time"
    ),
    "process_time_days": "process time in the map's days, as lead_time_days",
    "steps_missing_role": "the steps without a role",
    "steps_missing_process_time": "the steps without a process time (counted as zero)",
    "steps_missing_wait_time": "the steps without a wait time (counted as zero)",
}

CAPACITY: dict[str, str] = {
    "step_id": "the step",
    "cycle_seconds": "cycle time, in seconds: how often the step completes a unit",
    "uptime_percent": "uptime, percent of the available time the step can run (100 if not stated)",
    "units_per_day": (
        "capacity, units per working day: available time ÷ cycle time * uptime "
        "(Rother & Shook, Learning to See)"
    ),
    "demand_ratio": (
        "capacity over daily demand: below 1 the step cannot keep up with the customer. "
        "Null without demand"
    ),
    "cycle_to_takt": (
        "cycle time over takt time: above 1 the step is slower than the customer buys "
        "(before uptime). Null without demand"
    ),
}

REWORK_LOOP: dict[str, str] = {
    "handoff_id": "the rework handoff",
    "from_step_id": "the later step that sends work back",
    "to_step_id": "the earlier step the work goes back to",
    "rework_percent": (
        "the percent of work sent back: the loop's rework_percent, or 100 - %C&A of the "
        "step sending it back when that step starts only this loop. Null when unknown"
    ),
    "rerun_step_ids": (
        "the steps the work runs through again, from to_step to from_step along the "
        "longest forward path"
    ),
    "seconds_per_pass": "the loop's wait plus those steps' wait and process time, in seconds",
    "expected_seconds": (
        "the time the loop adds on average: rework_percent / 100 * seconds_per_pass. "
        "Null when the share is unknown"
    ),
    "on_critical_path": "true when both ends lie on the critical path, so it lengthens lead time",
}


def described(definitions: Mapping[str, str]) -> Callable[[type[M]], type[M]]:
    """Give a read model's fields their definitions as descriptions (OpenAPI shows them).

    Every field must have one: a metric without a definition is a documentation gap.
    """

    def apply(model: type[M]) -> type[M]:
        for name, info in model.model_fields.items():
            info.description = definitions[name]
        model.model_rebuild(force=True)
        return model

    return apply
