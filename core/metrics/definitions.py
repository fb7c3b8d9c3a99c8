"""What each metric means, stated once for the documentation of both transports.

A leader's number is only as good as its definition. The feature files speak to the
practice; these texts speak to API clients: the REST read models and the GraphQL types
take their field descriptions from here, so OpenAPI and GraphQL say the same thing and
neither drifts from the code in `core.metrics.flow` and `core.metrics.map_metrics`.
"""

from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel

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
    "time_in_state": (
        "time in state, in seconds: how long each item finished in the window was active, "
        "waiting and blocked by its tracker's state changes (time before its first change "
        f"counts as none of them), each a distribution over those items: {_SPREAD}. Items "
        "sent without state changes are left out. Null when no finished item has them"
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
    "handoffs": "handoffs: the number of handoffs recorded between the map's steps",
    "cross_team_handoffs": "the handoffs that cross from one team to another",
    "manual_steps": "the steps not marked automated",
    "step_count": "the number of steps",
    "total_people": "the people of all steps added up",
    "bottleneck_step_id": (
        "the bottleneck: the step on the critical path with the longest process plus wait "
        "time (the lower position on a tie). Null when the map's lead time is zero"
    ),
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
