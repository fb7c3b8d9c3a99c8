"""A value stream exported as JSON imports again, here or elsewhere, without loss."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory

VOLATILE = {"id", "version", "created_at", "updated_at", "exported_at", "organization"}


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 36 and value.count("-") == 4


def _normalized(document: Any, ids: dict[str, str] | None = None) -> Any:
    """Drop row bookkeeping and replace ids (values and keys) by their order of appearance."""
    ids = {} if ids is None else ids

    def alias(value: str) -> str:
        return ids.setdefault(value, f"#{len(ids)}")

    if isinstance(document, dict):
        kept = {
            alias(k) if _is_id(k) else k: _normalized(v, ids)
            for k, v in document.items()
            if k not in VOLATILE
        }
        if "id" in document:
            kept["id"] = alias(document["id"])
        return dict(sorted(kept.items()))
    if isinstance(document, list):
        return [_normalized(v, ids) for v in document]
    if _is_id(document):
        return alias(document)
    return document


def _rich_stream(factory: Factory, editor: Api) -> dict[str, Any]:
    owner = factory.person(name="Vera Owner")
    stream = factory.value_stream(owner_id=owner["id"], description="Quote to cash")
    sponsor = factory.participant(stream, role="sponsor")
    factory.participant(stream, role="champion", champion_kind="business_stakeholder")
    factory.deliverable(stream, "business_case", text="Why we do this")
    factory.risk(stream, owner_id=owner["id"], category="cultural")
    factory.action_item(stream, owner_id=owner["id"], due_date="2027-01-15")
    factory.signoff(stream, sponsor["person_id"])
    current = factory.map(stream, kind="current", name="As is")
    a = factory.step(current, name="Quote", role="Sales", process_time="PT1H", wait_time="P1D")
    b = factory.step(current, name="Approve", role="Manager", process_time="PT15M", wait_time="P2D")
    editor.ok(
        editor.post(
            f"/api/v1/maps/{current['id']}/handoffs",
            {"from_step_id": a["id"], "to_step_id": b["id"], "cross_team": True},
        ),
        201,
    )
    classified = editor.ok(editor.post(f"/api/v1/maps/{current['id']}/classify"))
    desired = factory.map(stream, kind="desired", name="To be", chosen=True)
    factory.step(desired, name="Quote", role="Sales", process_time="PT1H", wait_time="PT4H")
    milestone = factory.milestone(stream)
    first = factory.backlog_item(
        stream,
        owner_id=owner["id"],
        status="ready",
        milestone_id=milestone["id"],
        finding_ids=[classified["created"][0]["id"]],
        step_ids=[b["id"]],
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=8,
    )
    second = factory.backlog_item(stream)
    editor.ok(
        editor.post(
            f"/api/v1/backlog-items/{second['id']}/dependencies", {"depends_on_id": first["id"]}
        ),
        201,
    )
    target = factory.target(stream, owner_id=owner["id"])
    editor.ok(
        editor.post(
            f"/api/v1/targets/{target['id']}/measurements",
            {"value": 17, "measured_at": "2026-10-01T00:00:00Z"},
        ),
        201,
    )
    return stream


def test_export_then_import_into_another_organization_loses_nothing(
    editor: Api, outsider: Api, factory: Factory
) -> None:
    stream = _rich_stream(factory, editor)
    exported = editor.get(f"/api/v1/value-streams/{stream['id']}/export", params={"format": "json"})
    assert exported.status_code == 200, exported.text

    imported = outsider.post("/api/v1/import", exported.json())
    assert imported.status_code == 201, imported.text
    again = outsider.get(
        f"/api/v1/value-streams/{imported.json()['id']}/export", params={"format": "json"}
    )

    assert _normalized(again.json()) == _normalized(exported.json())


def test_import_into_the_same_organization_needs_a_free_name(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream(name="Original")
    exported = editor.get(f"/api/v1/value-streams/{stream['id']}/export").json()

    clash = editor.post("/api/v1/import", exported)
    renamed = editor.post("/api/v1/import?name=Copy", exported)

    assert clash.status_code == 409
    assert renamed.status_code == 201
    assert renamed.json()["name"] == "Copy"


def _titles_and_ranks(api: Api, stream: dict[str, Any]) -> tuple[list[str], list[str]]:
    items = api.ok(api.get(f"/api/v1/value-streams/{stream['id']}/backlog-items"))["items"]
    return [i["title"] for i in items], [i["rank"] for i in items]


def test_an_import_with_shared_or_malformed_ranks_keeps_the_order_with_distinct_ranks(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    for title in ("First", "Second", "Third"):
        factory.backlog_item(stream, title=title)
    document = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/export"))
    first, second, third = document["backlog"]
    second["rank"] = first["rank"]
    shared = editor.ok(editor.post("/api/v1/import?name=Shared", document), 201)
    third["rank"] = "not a rank!"
    malformed = editor.ok(editor.post("/api/v1/import?name=Malformed", document), 201)

    for copy in (shared, malformed):
        titles, ranks = _titles_and_ranks(editor, copy)
        assert titles == ["First", "Second", "Third"]
        assert len(set(ranks)) == 3
        assert ranks == sorted(ranks)
    assert _titles_and_ranks(editor, shared)[1][0] == first["rank"]
    copied = editor.ok(editor.get(f"/api/v1/value-streams/{malformed['id']}/backlog-items"))
    last, top = copied["items"][-1], copied["items"][0]
    moved = editor.post(
        f"/api/v1/backlog-items/{last['id']}/move", {"after_id": top["id"]}, if_match=1
    )
    assert moved.status_code == 200, moved.text
