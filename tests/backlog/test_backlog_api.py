"""The transformation backlog over REST: ranking, WSJF, ownership, dependencies, milestones."""

from tests.api_client import Api
from tests.factories import Factory


def _titles(api: Api, stream_id: str, **params: str) -> list[str]:
    page = api.ok(api.get(f"/api/v1/value-streams/{stream_id}/backlog-items", params=params))
    return [item["title"] for item in page["items"]]


def test_items_keep_their_rank_and_move_without_renumbering(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    a, b, c = (factory.backlog_item(stream, title=t) for t in ("A", "B", "C"))

    moved = editor.post(f"/api/v1/backlog-items/{c['id']}/move", {"after_id": a["id"]}, if_match=1)

    assert moved.status_code == 200, moved.text
    assert _titles(editor, stream["id"]) == ["A", "C", "B"]
    assert editor.get(f"/api/v1/backlog-items/{b['id']}").json()["rank"] == b["rank"]


def test_wsjf_is_computed_and_sorts(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    low = factory.backlog_item(
        stream, title="Low", business_value=8, time_criticality=5, risk_reduction=3, job_size=8
    )
    factory.backlog_item(
        stream, title="High", business_value=20, time_criticality=13, risk_reduction=8, job_size=5
    )

    assert low["wsjf"] == 2.0
    assert _titles(editor, stream["id"], sort="wsjf") == ["High", "Low"]


def test_a_committed_item_needs_an_accountable_owner(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    item = factory.backlog_item(stream)

    refused = editor.patch(f"/api/v1/backlog-items/{item['id']}", {"status": "ready"}, if_match=1)
    owner = factory.person()
    accepted = editor.patch(
        f"/api/v1/backlog-items/{item['id']}",
        {"status": "ready", "owner_id": owner["id"]},
        if_match=1,
    )
    raci = editor.ok(editor.get(f"/api/v1/backlog-items/{item['id']}/raci"))

    assert refused.status_code == 422
    assert accepted.status_code == 200
    assert [(r["person_id"], r["role"]) for r in raci] == [(owner["id"], "A")]


def test_dependencies_refuse_cycles(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    a, b = factory.backlog_item(stream), factory.backlog_item(stream)
    editor.ok(
        editor.post(f"/api/v1/backlog-items/{a['id']}/dependencies", {"depends_on_id": b["id"]}),
        201,
    )

    response = editor.post(
        f"/api/v1/backlog-items/{b['id']}/dependencies", {"depends_on_id": a["id"]}
    )

    assert response.status_code == 422


def test_milestones_page_by_due_date_with_the_undated_last(editor: Api, factory: Factory) -> None:
    """A page after a milestone without a due date used to lose every one after it."""
    stream = factory.value_stream()
    undated = [factory.milestone(stream, due_date=None)["id"] for _ in range(2)]
    dated = [factory.milestone(stream, due_date=f"2027-0{m}-15")["id"] for m in (3, 1, 2)]
    url = f"/api/v1/value-streams/{stream['id']}/milestones"

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = editor.ok(editor.get(url, params=params))
        seen += [milestone["id"] for milestone in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen[:3] == [dated[1], dated[2], dated[0]]
    assert sorted(seen[3:]) == sorted(undated)
    query = "query($id: ID!) { valueStream(id: $id) { milestones { id } } }"
    answer = editor.graphql(query, {"id": stream["id"]})["data"]["valueStream"]["milestones"]
    assert [milestone["id"] for milestone in answer][:3] == seen[:3]


def test_milestone_progress(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    milestone = factory.milestone(stream)
    owner = factory.person()
    factory.backlog_item(stream, milestone_id=milestone["id"], status="done", owner_id=owner["id"])
    factory.backlog_item(stream, milestone_id=milestone["id"])

    read = editor.ok(editor.get(f"/api/v1/milestones/{milestone['id']}"))

    assert read["progress"] == {"items": 2, "done": 1, "percent": 50.0}


def test_target_progress_from_measurements(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    target = factory.target(stream, start_date="2026-01-01", due_date="2027-12-31")

    editor.ok(
        editor.post(
            f"/api/v1/targets/{target['id']}/measurements",
            {"value": 15, "measured_at": "2026-11-01T00:00:00Z"},
        ),
        201,
    )
    read = editor.ok(editor.get(f"/api/v1/targets/{target['id']}"))

    assert read["progress"]["percent_of_way"] == 50.0
    assert read["progress"]["status"] in {"on_track", "at_risk", "off_track"}


def test_flow_targets_are_measured_from_ingested_deployments(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    target = factory.target(
        stream,
        metric="change_failure_rate",
        baseline=40,
        target=10,
        unit="percent",
        start_date="2026-01-01",
        due_date="2027-12-31",
    )
    deployments = [
        {
            "external_id": f"d{i}",
            "deployed_at": f"2026-11-0{i + 1}T10:00:00Z",
            "commit_times": [f"2026-11-0{i + 1}T08:00:00Z"],
            "succeeded": True,
            "caused_incident": i < 2,
        }
        for i in range(5)
    ]
    editor.ok(
        editor.post(
            f"/api/v1/value-streams/{stream['id']}/deployments/bulk", {"items": deployments}
        )
    )

    recorded = editor.ok(
        editor.post(
            f"/api/v1/value-streams/{stream['id']}/targets/measure-flow",
            {"start": "2026-11-01T00:00:00Z", "end": "2026-11-08T00:00:00Z"},
        ),
        201,
    )

    assert [(m["target_id"], m["value"], m["source"]) for m in recorded["recorded"]] == [
        (target["id"], 40.0, "flow")
    ]
