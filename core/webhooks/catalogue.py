"""The events a subscriber can receive, and the envelope every one travels in.

The envelope's `version` counts changes to its shape and to the `data` of its type that
could break a receiver: a new field is not one, a renamed or removed one is, and comes
with a new version. docs/webhooks.md shows an example of each type.
"""

import uuid
from datetime import datetime
from typing import Any

PAYLOAD_VERSION = 1

EVENT_TYPES: dict[str, str] = {
    "value_stream.created": "A value stream was created.",
    "value_stream.phase_changed": "A value stream moved to another phase (forward, back, "
    "forced or into its next cycle).",
    "gate.blocked": "A value stream's gate stopped passing: a criterion it met no longer holds.",
    "gate.passing": "A value stream's gate now passes: it may move to its next phase.",
    "value_stream.timebox_overdue": "A value stream has been in its phase longer than the "
    "playbook's timebox.",
    "milestone.missed": "A milestone's due date passed before all its items were done.",
    "target.status_changed": "A flow target's status changed (on track, at risk, off track, "
    "achieved, no data).",
    "signoff.recorded": "A sponsor's sign-off was recorded.",
    "finding.confirmed": "A waste finding was confirmed in triage.",
    "backlog_item.status_changed": "A backlog item changed status.",
    "measurement.recorded": "A measurement of a flow target was recorded.",
    "report.delivered": "A scheduled readout was delivered; its file can be downloaded from "
    "`download_url` with a token of the organization.",
    "webhook_subscription.disabled": "A subscription was disabled after its deliveries failed "
    "for about a day.",
}
ALL = "*"


def unknown(types: list[str]) -> list[str]:
    return [t for t in types if t != ALL and t not in EVENT_TYPES]


def envelope(
    event_type: str,
    event_id: uuid.UUID,
    at: datetime,
    organization_id: uuid.UUID,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "type": event_type,
        "version": PAYLOAD_VERSION,
        "id": str(event_id),
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "organization_id": str(organization_id),
        "data": data,
    }
