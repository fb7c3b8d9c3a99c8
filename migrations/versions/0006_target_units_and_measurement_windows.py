"""target units as a closed set; one flow measurement per target and window

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:30:00.000000

Target units. A target's unit was free text, and its numbers were stored as typed while
measure-flow stored its own in whatever it made of that text. From here on every value
is stored in its metric's canonical unit (seconds; a ratio; deployments or items per
day; items; handoffs) and the unit is one of a closed set per metric. Existing targets
move over by this rule:

- A custom metric keeps its unit and its values (a missing unit becomes "unspecified").
- Otherwise the old unit is read after trimming, lower-casing and collapsing spaces. A
  spelling this migration recognises for the metric's kind of value (the table
  ``ALIASES``: "hrs" and "h" are hours, "%" and "pct" percent, "/week" or "a week"
  deployments per week for deployment frequency, and so on) becomes that unit; the
  baseline, the target and every measurement not taken from flow were typed in it,
  and are converted to the canonical unit.
- A unit not recognised (empty, "business days", "per month", ...) is not guessed: the
  target gets its metric's canonical unit and its typed values are kept as they are.
- Measurements taken from flow (source "flow") were stored by the old conversion: flow
  times divided by the seconds of the few units it knew (s, min, h, d, w and their
  plain words), ratios times 100 for "%", "percent" and "pct", anything else as
  computed. That conversion is undone, which gives the canonical value, except for
  flow velocity, which was a count over the measured window and is divided by the
  window's days (read from the note measure-flow wrote) to give items per day.
- Every target whose unit or numbers change gets an audit event (action "migrate",
  request id "migration 0006") with its unit, baseline and target before and after and
  the factor applied to its measurements, so nothing is lost.

Measurement windows. A measurement from flow now records the window it measured, and a
target has at most one measurement per window (a unique constraint; measurements typed
by people have no window and are unaffected). The windows of existing flow measurements
are read from their notes. Where measure-flow stored several copies of one window, the
latest stays and the older copies are deleted, each with an audit event (action
"deduplicate") holding the deleted row.

The index on incidents by (value stream, deployment) serves the change failure rate,
which counts links from incidents to deployments.

Every target has a unit from here on, set by the service; the column stays nullable
because SQLite changes nullability only by rebuilding the table, and rebuilding
flow_target would delete its measurements through their ON DELETE CASCADE.

Downgrade converts every value back from the canonical unit into its target's unit (the
way the old code stored manual values) and drops the window columns, the unique
constraint and the index. Audit events written by the upgrade stay.
"""

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_ID = "migration 0006"
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

DURATION = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0, "weeks": 604800.0}
SHARE = {"ratio": 1.0, "percent": 0.01}
DEPLOYMENTS = {"deployments per day": 1.0, "deployments per week": 1 / 7}
THROUGHPUT = {"items per day": 1.0, "items per week": 1 / 7}
KINDS: dict[str, tuple[str, dict[str, float]]] = {
    "lead_time": ("seconds", DURATION),
    "process_time": ("seconds", DURATION),
    "flow_time": ("seconds", DURATION),
    "lead_time_for_changes": ("seconds", DURATION),
    "time_to_restore": ("seconds", DURATION),
    "activity_ratio": ("ratio", SHARE),
    "rolled_pca": ("ratio", SHARE),
    "flow_efficiency": ("ratio", SHARE),
    "change_failure_rate": ("ratio", SHARE),
    "flow_distribution_feature": ("ratio", SHARE),
    "flow_distribution_defect": ("ratio", SHARE),
    "flow_distribution_risk": ("ratio", SHARE),
    "flow_distribution_debt": ("ratio", SHARE),
    "deployment_frequency": ("deployments per day", DEPLOYMENTS),
    "flow_velocity": ("items per day", THROUGHPUT),
    "flow_load": ("items", {"items": 1.0}),
    "handoffs": ("handoffs", {"handoffs": 1.0}),
}


def _spellings(unit: str, *others: str) -> dict[str, str]:
    return dict.fromkeys((unit, *others), unit)


ALIASES: dict[str, dict[str, str]] = {
    "seconds": {
        **_spellings("seconds", "s", "sec", "secs", "second"),
        **_spellings("minutes", "m", "min", "mins", "minute"),
        **_spellings("hours", "h", "hr", "hrs", "hour"),
        **_spellings("days", "d", "day", "calendar days"),
        **_spellings("weeks", "w", "wk", "wks", "week"),
    },
    "ratio": {
        **_spellings("ratio", "fraction", "share"),
        **_spellings("percent", "%", "pct", "per cent", "percentage"),
    },
    "deployments per day": {
        **_spellings(
            "deployments per day", "per day", "a day", "/day", "/d", "deploys per day",
            "deploys/day", "deployments/day", "daily",
        ),
        **_spellings(
            "deployments per week", "per week", "a week", "/week", "/wk", "deploys per week",
            "deploys/week", "deployments/week", "weekly",
        ),
    },
    "items per day": {
        **_spellings("items per day", "per day", "a day", "/day", "items/day"),
        **_spellings("items per week", "per week", "a week", "/week", "items/week"),
    },
    "items": _spellings("items", "item", "count", "wip", "work items"),
    "handoffs": _spellings("handoffs", "handoff", "count"),
}  # fmt: skip
"""Old spellings recognised per kind of value (keyed by its canonical unit)."""

OLD_SECONDS = {
    **dict.fromkeys(("s", "second", "seconds"), 1.0),
    **dict.fromkeys(("min", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
    **dict.fromkeys(("w", "week", "weeks"), 604800.0),
}
OLD_TIME_METRICS = {"flow_time", "lead_time_for_changes", "time_to_restore"}
OLD_PERCENT = {"%", "percent", "pct"}
"""What the old measure-flow knew, to undo its conversion exactly."""

WINDOW_NOTE = re.compile(r"delivery flow from (?P<start>\S+) to (?P<end>\S+)")

target = sa.table(
    "flow_target",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("metric", sa.String()),
    sa.column("unit", sa.String()),
    sa.column("baseline", sa.Float()),
    sa.column("target", sa.Float()),
)
measurement = sa.table(
    "measurement",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("target_id", sa.Uuid()),
    sa.column("value", sa.Float()),
    sa.column("source", sa.String()),
    sa.column("note", sa.String()),
    sa.column("measured_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("window_start", sa.DateTime(timezone=True)),
    sa.column("window_end", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("before", JSON_TYPE),
    sa.column("after", JSON_TYPE),
    sa.column("request_id", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
)


def _spelled(unit: str | None) -> str:
    return " ".join((unit or "").lower().split())


def _new_unit(metric: str, old: str | None) -> tuple[str, float]:
    """The closed-set unit of an old one, and the factor that turns typed values canonical."""
    canonical, factors = KINDS[metric]
    known = ALIASES[canonical].get(_spelled(old))
    if known is None:
        return canonical, 1.0
    return known, factors[known]


def _raw_flow_value(metric: str, old_unit: str | None, value: float) -> float:
    """What the old measure-flow computed before it converted into the old unit."""
    unit = (old_unit or "").strip().lower()
    if metric in OLD_TIME_METRICS and unit in OLD_SECONDS:
        return value * OLD_SECONDS[unit]
    if unit in OLD_PERCENT:
        return value / 100
    return value


def _window(note: str | None) -> tuple[datetime, datetime] | None:
    found = WINDOW_NOTE.fullmatch(note or "")
    if found is None:
        return None
    try:
        start = datetime.fromisoformat(found["start"]).astimezone(UTC)
        end = datetime.fromisoformat(found["end"]).astimezone(UTC)
    except ValueError:
        return None
    return (start, end) if start < end else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _audit(
    connection: sa.Connection,
    organization_id: uuid.UUID,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    connection.execute(
        audit.insert().values(
            id=uuid.uuid4(),
            organization_id=organization_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=json.loads(json.dumps(before, default=_plain)) if before else None,
            after=json.loads(json.dumps(after, default=_plain)) if after else None,
            request_id=REQUEST_ID,
            at=datetime.now(UTC),
        )
    )


def _migrate_target(connection: sa.Connection, row: Any) -> None:
    series = connection.execute(
        sa.select(
            measurement.c.id,
            measurement.c.value,
            measurement.c.source,
            measurement.c.note,
            measurement.c.created_at,
        ).where(measurement.c.target_id == row.id)
    ).all()
    gone = _set_windows(connection, row, series)
    series = [m for m in series if m.id not in gone]
    if row.metric not in KINDS:
        if row.unit is None:
            connection.execute(
                target.update().where(target.c.id == row.id).values(unit="unspecified")
            )
            _audit(
                connection, row.organization_id, "migrate", "flow_target", row.id,
                {"unit": None}, {"unit": "unspecified"},
            )  # fmt: skip
        return
    unit, factor = _new_unit(row.metric, row.unit)
    baseline, goal = row.baseline * factor, row.target * factor
    connection.execute(
        target.update()
        .where(target.c.id == row.id)
        .values(unit=unit, baseline=baseline, target=goal)
    )
    for m in series:
        if m.source == "flow":
            value = _raw_flow_value(row.metric, row.unit, m.value)
            window = _window(m.note)
            if row.metric == "flow_velocity" and window is not None:
                value /= (window[1] - window[0]).total_seconds() / 86400
        else:
            value = m.value * factor
        connection.execute(measurement.update().where(measurement.c.id == m.id).values(value=value))
    if (row.unit, row.baseline, row.target) != (unit, baseline, goal):
        _audit(
            connection,
            row.organization_id,
            "migrate",
            "flow_target",
            row.id,
            {"unit": row.unit, "baseline": row.baseline, "target": row.target},
            {
                "unit": unit,
                "baseline": baseline,
                "target": goal,
                "typed_measurements_multiplied_by": factor,
                "flow_measurements": "old conversion undone",
            },
        )


def _set_windows(connection: sa.Connection, row: Any, series: Sequence[Any]) -> set[Any]:
    """Flow measurements get their window; of copies of one window, the latest stays.

    Answers the ids of the copies deleted, whose audit events hold them as they were.
    """
    by_window: dict[tuple[datetime, datetime], list[Any]] = {}
    for m in series:
        window = _window(m.note) if m.source == "flow" else None
        if window is not None:
            by_window.setdefault(window, []).append(m)
    gone: set[Any] = set()
    for (start, end), copies in by_window.items():
        *older, latest = sorted(copies, key=lambda m: (m.created_at, str(m.id)))
        for m in older:
            deleted = connection.execute(
                sa.select(measurement).where(measurement.c.id == m.id)
            ).one()
            connection.execute(measurement.delete().where(measurement.c.id == m.id))
            _audit(
                connection, row.organization_id, "deduplicate", "measurement", m.id,
                dict(deleted._mapping), None,
            )  # fmt: skip
            gone.add(m.id)
        connection.execute(
            measurement.update()
            .where(measurement.c.id == latest.id)
            .values(window_start=start, window_end=end)
        )
    return gone


def upgrade() -> None:
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("window_end", sa.DateTime(timezone=True), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            target.c.id,
            target.c.organization_id,
            target.c.metric,
            target.c.unit,
            target.c.baseline,
            target.c.target,
        )
    ).all()
    for row in rows:
        _migrate_target(connection, row)

    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_measurement_target_id_window_start_window_end"),
            ["target_id", "window_start", "window_end"],
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_stream_deployment",
            ["value_stream_id", "deployment_external_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_stream_deployment")
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_measurement_target_id_window_start_window_end"), type_="unique"
        )
        batch_op.drop_column("window_end")
        batch_op.drop_column("window_start")

    connection = op.get_bind()
    for row in connection.execute(
        sa.select(target.c.id, target.c.metric, target.c.unit, target.c.baseline, target.c.target)
    ).all():
        if row.metric not in KINDS:
            continue
        factor = KINDS[row.metric][1].get(row.unit, 1.0)
        connection.execute(
            target.update()
            .where(target.c.id == row.id)
            .values(baseline=row.baseline / factor, target=row.target / factor)
        )
        connection.execute(
            measurement.update()
            .where(measurement.c.target_id == row.id)
            .values(value=measurement.c.value / factor)
        )
