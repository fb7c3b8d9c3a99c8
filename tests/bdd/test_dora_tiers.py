"""Feature: DORA performance tiers (features/dora_tiers.feature).

The steps drive the real HTTP API: deliveries through the bulk ingest, the tiers through
the flow report, the organization's thresholds through `/api/v1/dora-benchmark`.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.api_client import Api
from tests.bdd.steps import caller, p, refused
from tests.bdd.test_delivery_flow import iso, moment, rows, the_week, week_of
from tests.bdd.world import Stream
from tests.factories import HOUR, Factory, dora_benchmark

scenarios("dora_tiers.feature")

URL = "/api/v1/dora-benchmark"
KEYS = {
    "deployment frequency": "deployment_frequency",
    "lead time for changes": "lead_time_for_changes",
    "change failure rate": "change_failure_rate",
    "time to restore": "time_to_restore",
}
UNITS = {"per day": 1.0, "hours": HOUR, "%": 0.01}
"""Each unit of the steps' tables in the API's own: per day, seconds, a ratio."""


def _deploy(
    factory: Factory, stream: Stream, day: str, per_day: int, days: int, lead: float
) -> Any:
    first = moment(f"{day} 10:00")
    deployments = [
        {
            "external_id": f"D-{n}-{k}",
            "deployed_at": iso(at),
            "commit_times": [iso(at - timedelta(hours=lead))],
        }
        for n in range(days)
        for k in range(per_day)
        for at in [first + timedelta(days=n, hours=3 * k)]
    ]
    factory.ingest(stream.ref, "deployments", deployments)
    return deployments


@given(
    p(
        "the team deployed {count:d} times a day in the week of {day}, each change {lead:Num} "
        "hours after its commit"
    ),
    target_fixture="deployed",
)
def deployed_daily(factory: Factory, stream: Stream, count: int, day: str, lead: float) -> Any:
    return _deploy(factory, stream, day, count, 7, lead)


@given(
    parsers.re(
        r"the team deployed (?P<count>\d+) times? in the week of (?P<day>.+?), each change "
        r"(?P<lead>[\d.]+) hours after its commit"
    ),
    converters={"count": int, "lead": float},
    target_fixture="deployed",
)
def deployed_in_the_week(
    factory: Factory, stream: Stream, count: int, day: str, lead: float
) -> Any:
    return _deploy(factory, stream, day, 1, count, lead)


@given(p("{count:d} of those deployments failed"))
def some_failed(
    factory: Factory, stream: Stream, deployed: list[dict[str, Any]], count: int
) -> None:
    factory.ingest(stream.ref, "deployments", [{**d, "succeeded": False} for d in deployed[:count]])


@given(
    p("an incident opened on {opened} was resolved {hours:Num} hours later"),
    target_fixture="resolved",
)
def incident(factory: Factory, stream: Stream, opened: str, hours: float) -> datetime:
    start = moment(opened)
    resolved = start + timedelta(hours=hours)
    record = {"external_id": "INC-1", "opened_at": iso(start), "resolved_at": iso(resolved)}
    factory.ingest(stream.ref, "incidents", [record])
    return resolved


def _benchmark(name: str, datatable: list[list[str]]) -> dict[str, Any]:
    bounds = {
        KEYS[row["key"]]: {
            tier: float(row[tier]) * UNITS[row["unit"]] for tier in ("elite", "high", "medium")
        }
        for row in rows(datatable)
    }
    return dora_benchmark(name=name, **bounds)


def _set(api: Api, name: str, datatable: list[list[str]]) -> Any:
    version = api.ok(api.get(URL))["version"]
    return api.put(URL, _benchmark(name, datatable), if_match=version)


@given(parsers.parse('the admin sets the organization\'s DORA benchmark "{name}" to:'))
def admin_sets(admin: Api, name: str, datatable: list[list[str]]) -> None:
    admin.ok(_set(admin, name, datatable))


@when(
    parsers.parse('the {who} sets the organization\'s DORA benchmark "{name}" to:'),
    target_fixture="answer",
)
def someone_sets(
    request: pytest.FixtureRequest, who: str, name: str, datatable: list[list[str]]
) -> Any:
    return _set(caller(request, who), name, datatable)


@when("the admin goes back to the default benchmark")
def back_to_default(admin: Api) -> None:
    admin.ok(admin.delete(URL, if_match=admin.ok(admin.get(URL))["version"]))


@when(p("the team asks for the delivery metrics of the week of {day}"), target_fixture="report")
def ask_for_the_week(editor: Api, stream: Stream, day: str) -> dict[str, Any]:
    return editor.ok(week_of(editor, stream, day))


@when("the team asks for the delivery metrics of the week the incident was resolved",
      target_fixture="report")  # fmt: skip
def ask_for_the_week_resolved(editor: Api, stream: Stream, resolved: datetime) -> dict[str, Any]:
    monday = resolved - timedelta(days=resolved.weekday())
    return editor.ok(week_of(editor, stream, monday.strftime("%a %d %b")))


@then(p("its {key} is {tier}"))
def its_tier(report: dict[str, Any], key: str, tier: str) -> None:
    assert the_week(report)["dora_tiers"][KEYS[key]] == tier, the_week(report)


@then(p("its {key} has no tier, as no incident was resolved"))
def no_tier(report: dict[str, Any], key: str) -> None:
    week = the_week(report)
    assert week["time_to_restore_seconds"] is None
    assert week["dora_tiers"][KEYS[key]] is None


@then(p("the tiers are those of {name}, published {published}"))
def named(report: dict[str, Any], name: str, published: str) -> None:
    benchmark = report["dora_benchmark"]["benchmark"]
    assert (benchmark["name"], benchmark["published"]) == (name.removeprefix("the "), published)


@then(p("the benchmark is refused, naming {field}"))
def refused_naming(answer: Any, field: str) -> None:
    refused(answer, 422, code="VALIDATION_FAILED", field=field)


@then("the benchmark is refused because only an admin may set it")
def refused_for_an_editor(answer: Any) -> None:
    refused(answer, 403, code="FORBIDDEN")
