"""An organization's DORA benchmark: read, replaced, reset, and the flow report's tiers."""

from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import DAY, HOUR, Factory, dora_benchmark
from tests.parity.harness import camel_keys
from tests.problems import assert_problem

URL = "/api/v1/dora-benchmark"
WEEK = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z", "bucket": "week"}


def _deliveries(factory: Factory) -> dict[str, Any]:
    """A week of a team deploying twice a day, each change six hours from commit to
    production, one deployment in fourteen failing and its incident restored in 45 minutes."""
    stream = factory.value_stream()
    deployments = [
        {
            "external_id": f"R-{day}-{n}",
            "deployed_at": f"2026-03-0{2 + day}T{9 + 6 * n:02d}:00:00Z",
            "commit_times": [f"2026-03-0{2 + day}T{3 + 6 * n:02d}:00:00Z"],
            "succeeded": (day, n) != (3, 1),
        }
        for day in range(7)
        for n in range(2)
    ]
    factory.ingest(stream, "deployments", deployments)
    factory.ingest(
        stream,
        "incidents",
        [
            {
                "external_id": "INC-1",
                "opened_at": "2026-03-05T15:10:00Z",
                "resolved_at": "2026-03-05T15:55:00Z",
                "deployment_external_id": "R-3-1",
            }
        ],
    )
    return stream


def test_an_organization_starts_with_the_2023_report_at_version_0(admin: Api) -> None:
    answer = admin.get(URL)

    body = admin.ok(answer)
    assert answer.headers["ETag"] == '"0"'
    assert body["version"] == 0
    assert body["is_default"] is True
    assert body["benchmark"]["name"] == "Accelerate State of DevOps Report 2023"
    assert body["benchmark"]["published"] == "2023-10-05"
    assert body["benchmark"]["lead_time_for_changes"] == {
        "elite": DAY,
        "high": 7 * DAY,
        "medium": 31 * DAY,
    }


def test_an_admin_replaces_it_and_the_change_is_audited(admin: Api) -> None:
    answer = admin.put(URL, dora_benchmark(), if_match=0)

    stored = admin.ok(answer)
    assert answer.headers["ETag"] == '"1"'
    assert stored["is_default"] is False
    assert stored["benchmark"] == dora_benchmark()
    assert admin.ok(admin.get(URL)) == stored
    events = admin.ok(admin.get("/api/v1/audit", params={"entity_type": "dora_benchmark"}))
    assert [(e["action"], e["before"], e["after"]) for e in events["items"]] == [
        ("update", {"benchmark": None}, {"benchmark": dora_benchmark()})
    ]


def test_going_back_to_the_default_keeps_counting_versions(admin: Api) -> None:
    admin.ok(admin.put(URL, dora_benchmark(), if_match=0))

    reset = admin.ok(admin.delete(URL, if_match=1))

    assert reset["is_default"] is True
    assert reset["version"] == 2
    assert reset["benchmark"]["name"] == "Accelerate State of DevOps Report 2023"
    assert_problem(admin.put(URL, dora_benchmark(), if_match=1), 412)
    assert_problem(admin.put(URL, dora_benchmark(), if_match=0), 412)
    assert admin.ok(admin.put(URL, dora_benchmark(), if_match=2))["version"] == 3
    events = admin.ok(admin.get("/api/v1/audit", params={"entity_type": "dora_benchmark"}))
    assert sorted(e["action"] for e in events["items"]) == ["delete", "update", "update"]


def test_resetting_the_default_changes_nothing(admin: Api) -> None:
    answer = admin.ok(admin.delete(URL, if_match=0))

    assert answer["version"] == 0
    assert admin.ok(admin.get("/api/v1/audit", params={"entity_type": "dora_benchmark"})) == {
        "items": [],
        "next_cursor": None,
    }


def test_writes_need_an_admin_and_the_version_read(admin: Api, editor: Api) -> None:
    assert_problem(editor.put(URL, dora_benchmark(), if_match=0), 403)
    assert_problem(editor.delete(URL, if_match=0), 403)
    assert_problem(admin.put(URL, dora_benchmark()), 428)
    assert_problem(admin.put(URL, dora_benchmark(), if_match=5), 412)
    assert admin.ok(admin.get(URL))["version"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lead_time_for_changes": {"elite": DAY, "high": HOUR, "medium": 7 * DAY}},
         "lead_time_for_changes"),
        ({"deployment_frequency": {"elite": 1, "high": 2, "medium": 3}}, "deployment_frequency"),
        ({"time_to_restore": {"elite": -1, "high": HOUR, "medium": DAY}}, "time_to_restore.elite"),
        ({"change_failure_rate": {"elite": 0.1, "high": 0.5, "medium": 2}}, "change_failure_rate"),
        ({"change_failure_rate": {"elite": "0.1", "high": 0.5, "medium": 0.6}},
         "change_failure_rate.elite"),
        ({"name": ""}, "name"),
        ({"published": "last autumn"}, "published"),
        ({"time_to_restore": {"elite": HOUR, "high": DAY}}, "time_to_restore.medium"),
    ],
)  # fmt: skip
def test_a_wrong_benchmark_is_refused_naming_the_field(
    admin: Api, change: dict[str, Any], field: str
) -> None:
    assert_problem(admin.put(URL, dora_benchmark(**change), if_match=0), 422, field=field)
    assert admin.ok(admin.get(URL))["version"] == 0


def test_graphql_refuses_the_same_naming_the_field(admin: Api) -> None:
    body = dora_benchmark(change_failure_rate={"elite": 0.3, "high": 0.2, "medium": 0.1})
    answer = admin.graphql(
        "mutation($b: DoraBenchmarkInput!) { replaceDoraBenchmark(expectedVersion: 0, "
        "benchmark: $b) { version } }",
        {"b": camel_keys(body)},
    )

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["change_failure_rate"]


def test_another_organization_s_benchmark_is_its_own(admin: Api, outsider: Api) -> None:
    admin.ok(admin.put(URL, dora_benchmark(), if_match=0))

    assert outsider.ok(outsider.get(URL))["is_default"] is True


def test_the_flow_report_gives_each_bucket_s_tiers_and_names_the_benchmark(
    admin: Api, factory: Factory
) -> None:
    stream = _deliveries(factory)

    report = factory.flow_metrics(stream, **WEEK)

    assert report["dora_benchmark"]["is_default"] is True
    assert report["dora_benchmark"]["benchmark"]["name"] == "Accelerate State of DevOps Report 2023"
    (week,) = report["buckets"]
    assert (week["deployments_per_day"], week["lead_time_for_changes_seconds"]) == (2.0, 6 * HOUR)
    assert (week["change_failure_rate"], week["time_to_restore_seconds"]) == (1 / 14, 45 * 60)
    assert week["dora_tiers"] == {
        "deployment_frequency": "elite",
        "lead_time_for_changes": "elite",
        "change_failure_rate": "high",
        "time_to_restore": "elite",
    }


def test_the_organization_s_thresholds_classify_its_reports(admin: Api, factory: Factory) -> None:
    stream = _deliveries(factory)
    admin.ok(admin.put(URL, dora_benchmark(), if_match=0))

    report = factory.flow_metrics(stream, **WEEK)

    assert report["dora_benchmark"]["benchmark"]["name"] == "Acme delivery standard 2026"
    assert report["buckets"][0]["dora_tiers"] == {
        "deployment_frequency": "elite",
        "lead_time_for_changes": "high",
        "change_failure_rate": "medium",
        "time_to_restore": "high",
    }


def test_a_period_without_deliveries_has_only_a_deployment_frequency_tier(
    factory: Factory,
) -> None:
    stream = factory.value_stream()

    report = factory.flow_metrics(stream, **WEEK)

    assert report["buckets"][0]["dora_tiers"] == {
        "deployment_frequency": "low",
        "lead_time_for_changes": None,
        "change_failure_rate": None,
        "time_to_restore": None,
    }
