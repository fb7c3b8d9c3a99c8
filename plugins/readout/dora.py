"""The readout's DORA performance section: the four keys of the last whole weeks, each
with its tier, and the benchmark the tiers come from."""

from typing import Any

from core.delivery.flow_metrics import FlowReport
from plugins.formatting import duration, number, percent
from plugins.readout.wording import when

TIER_LABELS = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}
RULE = (
    "Each value takes the best tier whose threshold it meets; lead time and time to "
    "restore are the week's medians. A key without a value has no tier."
)


def _tier(tiers: Any, key: str) -> dict[str, str] | None:
    tier = getattr(tiers, key, None) if tiers is not None else None
    if tier is None:
        return None
    value = str(getattr(tier, "value", tier))
    return {"key": value, "label": TIER_LABELS.get(value, value)}


def dora_context(report: FlowReport | None) -> dict[str, Any] | None:
    """What the section shows, or None for a snapshot made before it existed."""
    if report is None:
        return None
    setting = report.dora_benchmark
    benchmark = setting.benchmark
    weeks = [
        {
            "label": f"Week of {when(b.start.date())}",
            "deployments": f"{number(b.deployments_per_day)} a day",
            "deployment_count": b.deployment_count,
            "lead_time": duration(b.lead_time_for_changes_seconds),
            "failure_rate": percent(
                b.change_failure_rate * 100 if b.change_failure_rate is not None else None
            ),
            "restore": duration(b.time_to_restore_seconds),
            "tiers": {
                key: _tier(b.dora_tiers, key)
                for key in (
                    "deployment_frequency",
                    "lead_time_for_changes",
                    "change_failure_rate",
                    "time_to_restore",
                )
            },
        }
        for b in report.buckets
    ]
    return {
        "benchmark": benchmark.name,
        "publisher": benchmark.publisher,
        "published": when(benchmark.published),
        "source": benchmark.source,
        "own": not setting.is_default,
        "rule": RULE,
        "weeks": weeks,
        "delivered": any(
            b.deployment_count or b.time_to_restore is not None for b in report.buckets
        ),
    }
