"""Bulk ingest of work items, deployments and incidents: idempotent, validated, scoped."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.metrics.work_states import StateChange, first_out_of_order, state_seconds
from core.models.delivery_input import MAX_BATCH
from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import camel
from tests.problems import assert_problem, named_fields

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def work_item(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "external_id": f"WI-{n}",
        "type": "feature",
        "title": f"Item {n}",
        "created": iso(T0),
        "started": iso(T0 + HOUR),
        "finished": iso(T0 + 11 * HOUR),
        "state_changes": [
            {"at": iso(T0 + HOUR), "state": "In progress", "flag": "active"},
            {"at": iso(T0 + 3 * HOUR), "state": "Review", "flag": "waiting"},
            {"at": iso(T0 + 7 * HOUR), "state": "Blocked", "flag": "blocked"},
            {"at": iso(T0 + 8 * HOUR), "state": "In progress", "flag": "active"},
        ],
    }
    body.update(overrides)
    return body


def deployment(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "external_id": f"D-{n}",
        "deployed_at": iso(T0 + 10 * HOUR),
        "commit_times": [iso(T0), iso(T0 + 6 * HOUR)],
        "succeeded": True,
    }
    body.update(overrides)
    return body


def incident(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "external_id": f"INC-{n}",
        "opened_at": iso(T0 + 12 * HOUR),
        "resolved_at": iso(T0 + 14 * HOUR),
        "deployment_external_id": "D-1",
    }
    body.update(overrides)
    return body


def items_of(api: Api, stream: dict[str, Any], kind: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        page = api.ok(api.get(f"/api/v1/value-streams/{stream['id']}/{kind}", params=query))
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


# -- the pure rule ---------------------------------------------------------------------------


def test_state_seconds_run_from_each_change_to_the_next_clipped_to_the_flow() -> None:
    changes = [
        StateChange(T0 - HOUR, "waiting"),  # before the start: only the part after counts
        StateChange(T0 + HOUR, "active"),
        StateChange(T0 + 3 * HOUR, "blocked"),
        StateChange(T0 + 3 * HOUR, "active"),  # same instant: the earlier one lasts 0 s
        StateChange(T0 + 5 * HOUR, "waiting"),
        StateChange(T0 + 9 * HOUR, "active"),  # after the finish: clipped away
    ]

    times = state_seconds(changes, T0, T0 + 6 * HOUR)

    assert times is not None
    assert (times.active, times.waiting, times.blocked) == (4 * 3600, 2 * 3600, 0)
    assert state_seconds([], T0, T0 + HOUR) is None
    assert first_out_of_order(changes) is None
    assert first_out_of_order([changes[2], changes[0]]) == 1


# -- work items ------------------------------------------------------------------------------


def test_ingest_computes_durations_and_state_times(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    counts = factory.ingest(stream, "work-items", [work_item(1)])

    assert counts == {"created": 1, "updated": 0, "unchanged": 0}
    (stored,) = items_of(editor, stream, "work-items")
    assert stored["external_id"] == "WI-1"
    assert stored["start_at"].startswith("2025-03-03T10:00:00")
    assert stored["flow_seconds"] == 10 * 3600
    # active 1h-3h and 8h-11h, waiting 3h-7h, blocked 7h-8h
    assert stored["active_seconds"] == 5 * 3600
    assert stored["waiting_seconds"] == 4 * 3600
    assert stored["blocked_seconds"] == 1 * 3600
    assert [s["state"] for s in stored["state_changes"]] == [
        "In progress",
        "Review",
        "Blocked",
        "In progress",
    ]


def test_unstarted_and_unfinished_items(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    never_started = work_item(1, started=None, state_changes=[])
    open_item = work_item(2, finished=None)

    factory.ingest(stream, "work-items", [never_started, open_item])

    stored = {i["external_id"]: i for i in items_of(editor, stream, "work-items")}
    assert stored["WI-1"]["start_at"].startswith("2025-03-03T09:00:00")
    assert stored["WI-1"]["flow_seconds"] == 11 * 3600
    assert stored["WI-1"]["active_seconds"] is None  # no history: unknown, not idle
    assert stored["WI-2"]["flow_seconds"] is None
    assert stored["WI-2"]["active_seconds"] is None
    assert len(stored["WI-2"]["state_changes"]) == 4


def test_posting_the_same_batch_twice_creates_nothing_new(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    batch = [work_item(n) for n in range(1, 6)]
    factory.ingest(stream, "work-items", batch)

    again = factory.ingest(stream, "work-items", batch)

    assert again == {"created": 0, "updated": 0, "unchanged": 5}
    stored = items_of(editor, stream, "work-items")
    assert len(stored) == 5
    assert all(len(item["state_changes"]) == 4 for item in stored)


def test_the_same_instant_in_another_zone_is_unchanged(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", [work_item(1)])
    shifted = work_item(1, created="2025-03-03T10:00:00+01:00")

    assert factory.ingest(stream, "work-items", [shifted])["unchanged"] == 1


def test_updates_apply_in_place_and_replace_state_changes(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", [work_item(1), work_item(2)])
    before = {i["external_id"]: i for i in items_of(editor, stream, "work-items")}
    changed = work_item(
        1,
        type="defect",
        finished=iso(T0 + 5 * HOUR),
        state_changes=[{"at": iso(T0 + 2 * HOUR), "state": "Doing", "flag": "active"}],
    )

    counts = factory.ingest(stream, "work-items", [changed, work_item(2), work_item(3)])

    assert counts == {"created": 1, "updated": 1, "unchanged": 1}
    after = {i["external_id"]: i for i in items_of(editor, stream, "work-items")}
    assert after["WI-1"]["id"] == before["WI-1"]["id"]
    assert after["WI-1"]["type"] == "defect"
    assert after["WI-1"]["flow_seconds"] == 4 * 3600
    assert after["WI-1"]["active_seconds"] == 3 * 3600
    assert after["WI-1"]["waiting_seconds"] == 0
    assert [s["state"] for s in after["WI-1"]["state_changes"]] == ["Doing"]
    assert after["WI-2"]["updated_at"] == before["WI-2"]["updated_at"]
    assert len(after) == 3


def of_two_types(factory: Factory) -> dict[str, Any]:
    """A stream whose work items a filter by type and one by finish each cut in two."""
    stream = factory.value_stream()
    factory.ingest(
        stream,
        "work-items",
        [
            work_item(1),
            work_item(2, type="debt"),
            work_item(3, type="debt", finished=iso(T0 + 30 * HOUR)),
            work_item(4, finished=None),
        ],
    )
    return stream


def test_list_filters_by_type_and_finish(editor: Api, factory: Factory) -> None:
    stream = of_two_types(factory)

    debts = items_of(editor, stream, "work-items", type="debt")
    early = items_of(
        editor,
        stream,
        "work-items",
        finished_since=iso(T0),
        finished_until=iso(T0 + 11 * HOUR + timedelta(seconds=1)),
    )

    assert {i["external_id"] for i in debts} == {"WI-2", "WI-3"}
    assert {i["external_id"] for i in early} == {"WI-1", "WI-2"}


def test_list_pages_with_a_cursor(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", [work_item(n) for n in range(7)])
    url = f"/api/v1/value-streams/{stream['id']}/work-items"

    first = editor.ok(editor.get(url, params={"limit": 5}))
    second = editor.ok(editor.get(url, params={"limit": 5, "cursor": first["next_cursor"]}))

    assert len(first["items"]) == 5
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert_problem(editor.get(url, params={"limit": 101}), 422, field="limit")


def test_five_thousand_items_in_one_request(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    batch = [work_item(n) for n in range(5_000)]

    assert factory.ingest(stream, "work-items", batch)["created"] == 5_000
    assert factory.ingest(stream, "work-items", batch)["unchanged"] == 5_000
    url = f"/api/v1/value-streams/{stream['id']}/work-items/bulk"
    too_many = editor.post(url, {"items": [*batch, work_item(5_000)]})
    assert_problem(too_many, 422, field="items")


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"finished": "2025-03-03T10:00:00"}, "items[1].finished"),
        ({"finished": iso(T0)}, "items[1].finished"),
        ({"started": iso(T0 - HOUR)}, "items[1].started"),
        ({"type": "chore"}, "items[1].type"),
        ({"external_id": ""}, "items[1].external_id"),
        ({"external_id": "WI-0"}, "items[1].external_id"),
        ({"colour": "red"}, "items[1].colour"),
        (
            {
                "state_changes": [
                    {"at": iso(T0 + 2 * HOUR), "state": "b", "flag": "active"},
                    {"at": iso(T0 + HOUR), "state": "a", "flag": "active"},
                ]
            },
            "items[1].state_changes[1].at",
        ),
        (
            {"state_changes": [{"at": iso(T0), "state": "a", "flag": "sleeping"}]},
            "items[1].state_changes[0].flag",
        ),
    ],
)
def test_bad_work_items_are_refused_naming_index_and_field(
    editor: Api, factory: Factory, bad: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/work-items/bulk"

    response = editor.post(url, {"items": [work_item(0), work_item(1, **bad)]})

    body = assert_problem(response, 422, code="VALIDATION_FAILED", field=field)
    assert field in named_fields(body)
    assert items_of(editor, stream, "work-items") == []


def test_a_body_without_items_is_refused(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/work-items/bulk"

    assert_problem(editor.post(url, {"things": []}), 422, field="items")
    assert_problem(editor.post(url, {"items": "many"}), 422, field="items")


def test_a_commit_after_its_deployment_is_refused(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/deployments/bulk"
    late = deployment(2, commit_times=[iso(T0), iso(T0 + 11 * HOUR)])

    response = editor.post(url, {"items": [deployment(1), late]})

    assert_problem(response, 422, field="items[1].commit_times[1]")


def test_an_incident_resolved_before_it_opened_is_refused(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/incidents/bulk"

    response = editor.post(url, {"items": [incident(1, resolved_at=iso(T0))]})

    assert_problem(response, 422, field="items[0].resolved_at")


# -- deployments and incidents ---------------------------------------------------------------


def test_deployments_are_idempotent_and_keep_their_commits(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    batch = [deployment(1), deployment(2, succeeded=False), deployment(3, incident_external_id="X")]

    assert factory.ingest(stream, "deployments", batch)["created"] == 3
    reordered = [deployment(1, commit_times=[iso(T0 + 6 * HOUR), iso(T0)]), *batch[1:]]
    assert factory.ingest(stream, "deployments", reordered) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    moved = deployment(1, commit_times=[iso(T0 + 9 * HOUR)])
    assert factory.ingest(stream, "deployments", [moved])["updated"] == 1

    stored = {d["external_id"]: d for d in items_of(editor, stream, "deployments")}
    assert stored["D-1"]["commit_times"] == ["2025-03-03T18:00:00Z"]
    assert (stored["D-3"]["caused_incident"], stored["D-3"]["incident_external_id"]) == (
        False,
        "X",
    )
    failed = items_of(editor, stream, "deployments", succeeded="false")
    assert [d["external_id"] for d in failed] == ["D-2"]


def test_incidents_store_time_to_restore(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    factory.ingest(stream, "incidents", [incident(1), incident(2, resolved_at=None)])
    counts = factory.ingest(stream, "incidents", [incident(1), incident(2)])

    assert counts == {"created": 0, "updated": 1, "unchanged": 1}
    stored = {i["external_id"]: i for i in items_of(editor, stream, "incidents")}
    assert stored["INC-1"]["restore_seconds"] == 2 * 3600
    assert stored["INC-2"]["restore_seconds"] == 2 * 3600
    resolved_later = items_of(editor, stream, "incidents", resolved_since=iso(T0 + 20 * HOUR))
    assert resolved_later == []


# -- through GraphQL -------------------------------------------------------------------------

INGEST_WORK_ITEMS = """
mutation($s: ID!, $items: [WorkItemInput!]!) {
  ingestWorkItems(valueStreamId: $s, items: $items) { created }
}
"""
WORK_ITEMS = """
query($s: ID!, $first: Int, $after: String, $type: WorkItemType, $since: DateTime,
      $until: DateTime) {
  workItems(valueStreamId: $s, first: $first, after: $after, type: $type,
            finishedSince: $since, finishedUntil: $until) {
    nodes { externalId type stateChanges { state flag } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def graphql_work_items(api: Api, stream: dict[str, Any], **variables: Any) -> list[Any]:
    """Every work item the query finds, read a page of one at a time."""
    found: list[Any] = []
    after = None
    while True:
        answer = api.graphql(
            WORK_ITEMS, {"s": stream["id"], "first": 1, "after": after, **variables}
        )
        page = answer["data"]["workItems"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def as_graphql(body: dict[str, Any]) -> dict[str, Any]:
    """A REST body of a work item as GraphQL's input, its state changes included."""
    changes = [as_graphql(change) for change in body.get("state_changes", [])]
    return {camel(k): changes if k == "state_changes" else v for k, v in body.items()}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"finished": "2025-03-03T10:00:00"}, "items[1].finished"),
        ({"finished": iso(T0)}, "items[1].finished"),
        ({"external_id": ""}, "items[1].external_id"),
        ({"external_id": "WI-0"}, "items[1].external_id"),
        ({"title": "x" * 501}, "items[1].title"),
        (
            {"state_changes": [{"at": iso(T0 + HOUR), "state": "", "flag": "active"}]},
            "items[1].state_changes[0].state",
        ),
    ],
)
def test_graphql_refuses_what_the_core_models_refuse_naming_index_and_field(
    editor: Api, factory: Factory, bad: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()
    items = [as_graphql(work_item(0)), as_graphql(work_item(1, **bad))]

    answer = editor.graphql(INGEST_WORK_ITEMS, {"s": stream["id"], "items": items})

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert field in [problem["field"] for problem in error["extensions"]["fields"]]
    assert items_of(editor, stream, "work-items") == []


def test_graphql_takes_the_batch_size_of_the_core(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    item = {"type": "feature", "created": iso(T0)}
    batch = [{"externalId": f"WI-{n}", **item} for n in range(MAX_BATCH + 1)]

    answer = editor.graphql(INGEST_WORK_ITEMS, {"s": stream["id"], "items": batch})

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"] == "items"
    assert str(MAX_BATCH) in error["message"]


def test_graphql_lists_work_items_filtered_and_paged_like_rest(
    editor: Api, factory: Factory
) -> None:
    stream = of_two_types(factory)
    period = {
        "finished_since": iso(T0),
        "finished_until": iso(T0 + 11 * HOUR + timedelta(seconds=1)),
    }

    debts = graphql_work_items(editor, stream, type="debt")
    early = graphql_work_items(
        editor, stream, since=period["finished_since"], until=period["finished_until"]
    )

    assert [n["externalId"] for n in debts] == [
        i["external_id"] for i in items_of(editor, stream, "work-items", type="debt")
    ]
    assert [n["externalId"] for n in early] == [
        i["external_id"] for i in items_of(editor, stream, "work-items", **period)
    ]
    assert {n["externalId"] for n in [*debts, *early]} == {"WI-1", "WI-2", "WI-3"}
    assert {n["type"] for n in debts} == {"debt"}
    assert debts[0]["stateChanges"][0] == {"state": "In progress", "flag": "active"}


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"since": "2025-03-03T10:00:00"}, "finishedSince"),
        ({"first": 0}, "first"),
        ({"s": "not-an-id"}, "valueStreamId"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
def test_graphql_lists_refuse_bad_arguments_naming_them(
    editor: Api, factory: Factory, variables: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    answer = editor.graphql(WORK_ITEMS, {"s": stream["id"], **variables})

    assert answer["data"] == {"workItems": None}
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"] == field


@pytest.mark.parametrize("root", ["workItems", "deployments", "incidents"])
def test_graphql_lists_show_another_organization_no_stream(
    outsider: Api, factory: Factory, root: str
) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", [work_item(1)])

    answer = outsider.graphql(
        f"query($s: ID!) {{ {root}(valueStreamId: $s) {{ nodes {{ id }} }} }}", {"s": stream["id"]}
    )

    assert answer["data"] == {root: None}
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# -- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "make"),
    [("work-items", work_item), ("deployments", deployment), ("incidents", incident)],
)
def test_viewers_may_read_but_not_ingest(
    editor: Api, viewer: Api, factory: Factory, kind: str, make: Any
) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/{kind}"

    assert_problem(viewer.post(f"{url}/bulk", {"items": [make(1)]}), 403)
    assert viewer.ok(viewer.get(url))["items"] == []


@pytest.mark.parametrize(
    ("kind", "make"),
    [("work-items", work_item), ("deployments", deployment), ("incidents", incident)],
)
def test_another_organization_sees_no_stream(
    outsider: Api, factory: Factory, kind: str, make: Any
) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, kind, [make(1)])
    url = f"/api/v1/value-streams/{stream['id']}/{kind}"

    assert_problem(outsider.post(f"{url}/bulk", {"items": [make(2)]}), 404)
    assert_problem(outsider.get(url), 404)
    assert_problem(
        outsider.get(
            f"/api/v1/value-streams/{stream['id']}/flow-metrics",
            params={"start": iso(T0), "end": iso(T0 + 24 * HOUR)},
        ),
        404,
    )


def test_one_audit_event_per_bulk_request(admin: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.ingest(stream, "work-items", [work_item(n) for n in range(3)])
    factory.ingest(stream, "work-items", [work_item(n) for n in range(3)])  # nothing changes

    events = admin.ok(
        admin.get("/api/v1/audit", params={"entity_id": stream["id"], "action": "ingest"})
    )["items"]

    assert len(events) == 1
    assert events[0]["entity_type"] == "work_item"
    assert events[0]["after"] == {"created": 3, "updated": 0, "unchanged": 0}
