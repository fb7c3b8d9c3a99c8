"""Ingest of delivery data (work items, deployments, incidents) and reading it back.

Trackers and pipelines resend what they already sent, thousands of records at a time,
so ingest is idempotent by ``(value_stream_id, external_id)``: a known record is
updated in place (its state changes or commits replaced), an identical one is left
alone, nothing is ever duplicated. Each batch costs a constant number of statements:
one read of the records already stored, one multi-row upsert, one delete and one
multi-row insert of the replaced children, whatever the batch size. Durations are
computed here, once, so the metrics stay plain aggregates in SQL.

`batches` validates a batch and names each bad value by its place in the batch
(`work_items[12].finished`), `upserts` writes rows the way each database can,
`pipeline` is the one ingest every kind goes through, `kinds` says what differs
per kind, and `reading` lists what was stored.
"""

from core.delivery.kinds import ingest_deployments, ingest_incidents, ingest_work_items
from core.delivery.reading import (
    DeploymentFilter,
    IncidentFilter,
    WorkItemFilter,
    list_deployments,
    list_incidents,
    list_work_items,
)
from core.models.delivery_input import IngestCounts

__all__ = [
    "DeploymentFilter",
    "IncidentFilter",
    "IngestCounts",
    "WorkItemFilter",
    "ingest_deployments",
    "ingest_incidents",
    "ingest_work_items",
    "list_deployments",
    "list_incidents",
    "list_work_items",
]
