"""Migration 0006 moves free-text target units to the closed sets and dedupes flow windows.

Rows are written as the code before it wrote them (values in the typed unit, flow
measurements converted by the old rules, copies of one window), then the migration runs
on SQLite or PostgreSQL like any upgrade.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, MetaData, Uuid, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table on the metadata)
from core import migrate
from tests.runtime.test_migrations import blank_database, on_connection  # noqa: F401  (fixture)

WINDOW = (datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 19, tzinfo=UTC))
NOTE = f"delivery flow from {WINDOW[0].isoformat()} to {WINDOW[1].isoformat()}"


def sample(column: Any) -> Any:
    """A value for a required column the test does not care about."""
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, Uuid):
        return uuid.uuid4()
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 1)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, Float):
        return 0.0
    if isinstance(kind, JSON):
        return {}
    return f"x{uuid.uuid4().hex[:8]}"


class Rows:
    """Reads and writes the tables as they are at the current revision.

    The columns are the database's own (reflected); their types are the models', since
    SQLite reflects a UUID as plain text.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        reflected = MetaData()
        reflected.reflect(connection)
        self.tables: dict[str, Any] = {}
        self.required: dict[str, set[str]] = {}
        for name, table in reflected.tables.items():
            model = SQLModel.metadata.tables.get(name)
            if model is None:
                continue
            self.tables[name] = sa_table(
                name, *(sa_column(c.name, model.c[c.name].type) for c in table.columns)
            )
            self.required[name] = {
                c.name for c in table.columns if not c.nullable and c.server_default is None
            }

    def add(self, table: str, **values: Any) -> uuid.UUID:
        t = self.tables[table]
        row = {name: sample(t.c[name]) for name in self.required[table]}
        row.update(values)
        row.setdefault("id", uuid.uuid4())
        self.connection.execute(t.insert().values(**row))
        return row["id"]

    def all(self, table: str, **where: Any) -> list[Any]:
        t = self.tables[table]
        statement = select(t).where(*(t.c[k] == v for k, v in where.items()))
        return list(self.connection.execute(statement))


def legacy_data(connection: Connection) -> dict[str, uuid.UUID]:
    rows = Rows(connection)
    org = rows.add("organization")
    stream = rows.add("value_stream", organization_id=org)

    def target(metric: str, unit: str | None, baseline: float, goal: float) -> uuid.UUID:
        return rows.add(
            "flow_target",
            organization_id=org,
            value_stream_id=stream,
            metric=metric,
            unit=unit,
            baseline=baseline,
            target=goal,
            direction="lower_is_better",
            owner_id=None,
            custom_key="approvals" if metric == "custom" else None,
        )

    def measured(of: uuid.UUID, value: float, **extra: Any) -> uuid.UUID:
        return rows.add("measurement", organization_id=org, target_id=of, value=value, **extra)

    ids = {
        "hrs": target("lead_time", "hrs", 58, 45),
        "business days": target("lead_time", "Business  Days", 20, 10),
        "null": target("deployment_frequency", None, 0.5, 2),
        "days": target("flow_time", "days", 3, 1),
        "%": target("change_failure_rate", "%", 40, 10),
        "per week": target("flow_velocity", "Per Week", 5, 10),
        "custom": target("custom", None, 1, 2),
    }
    ids["typed hrs"] = measured(ids["hrs"], 50)
    ids["typed days"] = measured(ids["days"], 2.5)
    ids["flow days"] = measured(ids["days"], 2.0, source="flow", note=NOTE)
    ids["flow %"] = measured(ids["%"], 25.0, source="flow", note=NOTE)
    for age in (3, 2, 1):
        ids[f"copy {age}"] = measured(
            ids["per week"],
            14.0 + age,
            source="flow",
            note=NOTE,
            created_at=datetime(2026, 1, 20, tzinfo=UTC) - timedelta(days=age),
        )
    return ids


@pytest.fixture
def upgraded(blank_database: str) -> tuple[str, dict[str, uuid.UUID]]:  # noqa: F811
    migrate.upgrade(blank_database, "0005")

    def write(connection: Connection) -> dict[str, uuid.UUID]:
        ids = legacy_data(connection)
        connection.commit()
        return ids

    ids = on_connection(blank_database, write)
    migrate.upgrade(blank_database, "0006")
    return blank_database, ids


def target_of(url: str, ident: uuid.UUID) -> Any:
    (row,) = on_connection(url, lambda c: Rows(c).all("flow_target", id=ident))
    return row


def values_of(url: str, target: uuid.UUID) -> list[float]:
    rows = on_connection(url, lambda c: Rows(c).all("measurement", target_id=target))
    return sorted(row.value for row in rows)


def test_a_recognised_unit_joins_the_closed_set_and_its_values_turn_canonical(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    hours = target_of(url, ids["hrs"])
    share = target_of(url, ids["%"])
    rate = target_of(url, ids["per week"])

    assert (hours.unit, hours.baseline, hours.target) == ("hours", 58 * 3600, 45 * 3600)
    assert values_of(url, ids["hrs"]) == [50 * 3600]
    assert (share.unit, share.baseline, share.target) == ("percent", 0.4, 0.1)
    assert (rate.unit, rate.baseline) == ("items per week", pytest.approx(5 / 7))


def test_an_unrecognised_unit_keeps_its_values_in_the_metrics_stored_unit(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    business = target_of(url, ids["business days"])
    missing = target_of(url, ids["null"])
    custom = target_of(url, ids["custom"])

    assert (business.unit, business.baseline, business.target) == ("seconds", 20, 10)
    assert (missing.unit, missing.baseline, missing.target) == ("deployments per day", 0.5, 2)
    assert (custom.unit, custom.baseline) == ("unspecified", 1)


def test_flow_measurements_lose_the_old_conversion(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    assert values_of(url, ids["days"]) == [2.0 * 86_400, 2.5 * 86_400]
    assert values_of(url, ids["%"]) == [0.25]


def test_copies_of_one_window_leave_the_latest_with_its_window(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    (kept,) = on_connection(url, lambda c: Rows(c).all("measurement", target_id=ids["per week"]))

    assert kept.id == ids["copy 1"]
    assert kept.value == pytest.approx(15 / 14)  # 15 items over 14 days, per day
    assert (kept.window_start.replace(tzinfo=UTC), kept.window_end.replace(tzinfo=UTC)) == WINDOW


def test_every_change_is_in_the_audit_trail(upgraded: tuple[str, dict[str, uuid.UUID]]) -> None:
    url, ids = upgraded

    events = on_connection(url, lambda c: Rows(c).all("audit_event"))
    by_entity = {(e.action, e.entity_id): e for e in events}

    renamed = by_entity["migrate", ids["business days"]]
    assert renamed.before == {"unit": "Business  Days", "baseline": 20, "target": 10}
    assert renamed.after["unit"] == "seconds"
    assert renamed.request_id == "migration 0006"
    converted = by_entity["migrate", ids["hrs"]]
    assert converted.after["typed_measurements_multiplied_by"] == 3600
    gone = {e.entity_id: e for e in events if e.action == "deduplicate"}
    assert set(gone) == {ids["copy 3"], ids["copy 2"]}
    assert gone[ids["copy 3"]].before["value"] == 17.0


def test_a_window_cannot_be_measured_twice_after_the_upgrade(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    def copy_window(connection: Connection) -> None:
        rows = Rows(connection)
        (kept,) = rows.all("measurement", target_id=ids["per week"])
        rows.add(
            "measurement",
            organization_id=kept.organization_id,
            target_id=kept.target_id,
            value=1.0,
            window_start=kept.window_start,
            window_end=kept.window_end,
        )

    with pytest.raises(IntegrityError):
        on_connection(url, copy_window)


def test_a_downgrade_gives_the_values_back_in_their_units(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    migrate.downgrade(url, "0005", confirm=True)

    hours = target_of(url, ids["hrs"])
    assert (hours.unit, hours.baseline, hours.target) == ("hours", 58, 45)
    assert values_of(url, ids["hrs"]) == [50]
    assert values_of(url, ids["days"]) == [2.0, 2.5]
