"""The readout's words: labels of metrics and statuses, and how values are written."""

import re
from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup

METRIC_LABELS = {
    "lead_time": "Lead time",
    "process_time": "Process time",
    "activity_ratio": "Activity ratio",
    "rolled_pca": "Rolled %C&A",
    "handoffs": "Handoffs",
    "flow_velocity": "Flow velocity",
    "flow_time": "Flow time",
    "flow_efficiency": "Flow efficiency",
    "flow_load": "Flow load (WIP)",
    "flow_distribution_feature": "Flow distribution: features",
    "flow_distribution_defect": "Flow distribution: defects",
    "flow_distribution_risk": "Flow distribution: risks",
    "flow_distribution_debt": "Flow distribution: debt",
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore",
}
COMPARED = {
    "lead_time_seconds": ("Lead time", "duration", "lower"),
    "process_time_seconds": ("Process time", "duration", "lower"),
    "activity_ratio": ("Activity ratio", "ratio", "higher"),
    "rolled_pca_percent": ("Rolled %C&A", "percent", "higher"),
    "handoffs": ("Handoffs", "count", "lower"),
    "cross_team_handoffs": ("Cross-team handoffs", "count", "lower"),
    "manual_steps": ("Manual steps", "count", "lower"),
    "step_count": ("Steps", "count", "lower"),
    "expected_rework_seconds": ("Expected rework", "duration", "lower"),
    "lead_time_with_rework_seconds": ("Lead time with rework", "duration", "lower"),
}
STATUS_LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "achieved": "achieved",
    "no_data": "no data",
}
TARGET_STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data")


def words(key: Any) -> str:
    """A key as words: ``in_progress`` -> ``in progress``."""
    return "" if key is None else str(getattr(key, "value", key)).replace("_", " ")


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def markdown_text(value: Any) -> Markup:
    """User text for Markdown: one line, no HTML tags, Markdown punctuation neutralized."""
    clean = " ".join(("" if value is None else str(value)).split())
    clean = clean.replace("<", "&lt;").replace(">", "&gt;")
    return Markup(re.sub(r"([\\`*_\[\]|#~])", r"\\\1", clean))
