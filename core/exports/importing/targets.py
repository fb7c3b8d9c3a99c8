"""A stream's flow targets and their measurements, as new rows.

A document gives numbers in each target's unit, as the API answers them; they are stored
in the metric's canonical unit, by the same rules as a target or measurement created here.
"""

import uuid

from sqlmodel import SQLModel

from core.actor import Actor
from core.exports.importing.rows import IdMap, row
from core.exports.snapshots import TargetEntry
from core.metrics import units
from core.models.target import FlowTarget, Measurement
from core.targets.service import checked_unit, not_in_future


def target_rows(
    actor: Actor, entries: list[TargetEntry], stream_id: uuid.UUID, ids: IdMap
) -> list[SQLModel]:
    rows: list[SQLModel] = []
    for index, entry in enumerate(entries):
        target_id = ids.new("target", entry.id)
        unit = checked_unit(entry.metric, entry.unit, f"targets[{index}].unit")
        rows.append(
            row(
                FlowTarget,
                entry,
                actor,
                id=target_id,
                value_stream_id=stream_id,
                owner_id=ids.get("person", entry.owner_id),
                unit=unit,
                baseline=units.to_canonical(entry.metric, unit, entry.baseline),
                target=units.to_canonical(entry.metric, unit, entry.target),
            )
        )
        rows.extend(_measurement_rows(actor, entry, unit, target_id, f"targets[{index}]"))
    return rows


def _measurement_rows(
    actor: Actor, entry: TargetEntry, unit: str | None, target_id: uuid.UUID, field: str
) -> list[Measurement]:
    measurements: list[Measurement] = []
    for position, measurement in enumerate(entry.measurements):
        not_in_future(measurement.measured_at, f"{field}.measurements[{position}].measured_at")
        measurements.append(
            row(
                Measurement,
                measurement,
                actor,
                target_id=target_id,
                value=units.to_canonical(entry.metric, unit, measurement.value),
            )
        )
    return measurements
