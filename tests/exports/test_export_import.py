"""A value stream exported as JSON imports again, here or elsewhere, without loss."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

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


def _token_id(api: Api, role: str) -> str:
    tokens = api.ok(api.get("/api/v1/tokens"))["items"]
    return next(t["id"] for t in tokens if t["role"] == role)


def _forged(document: dict[str, Any], actor_token_id: str) -> dict[str, Any]:
    """An export edited to claim that another organization's admin forced the stream ahead."""
    forged = {**document, "value_stream": {**document["value_stream"], "phase": "execution"}}
    forged["history"] = [
        *document["history"],
        {
            "id": "00000000-0000-7000-8000-000000000001",
            "kind": "forward",
            "from_phase": "pre_planning",
            "to_phase": "execution",
            "from_cycle": 1,
            "to_cycle": 1,
            "actor_token_id": actor_token_id,
            "actor_person_id": None,
            "reason": None,
            "forced": True,
            "justification": "Approved by the board",
            "gate": {},
            "at": "2020-03-01T09:00:00Z",
        },
    ]
    return forged


def test_an_editor_cannot_import_a_forged_forced_move(
    editor: Api, outsider: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="Forged")
    exported = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/export"))
    forged = _forged(exported, _token_id(outsider, "admin"))

    refused = editor.post("/api/v1/import?name=Forged copy", forged)

    body = assert_problem(refused, 403, code="FORBIDDEN", field="value_stream.phase")
    assert "past its first phase" in body["detail"]
    assert "admin" in body["detail"]
    listed = editor.ok(editor.get("/api/v1/value-streams", params={"q": "Forged copy"}))
    assert listed["items"] == []


def test_an_editor_cannot_import_forced_moves_of_a_stream_in_its_first_phase(
    editor: Api, outsider: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    exported = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/export"))
    forged = _forged(exported, _token_id(outsider, "admin"))
    forged["value_stream"]["phase"] = "pre_planning"

    refused = editor.post("/api/v1/import?name=Forced copy", forged)

    body = assert_problem(refused, 403, code="FORBIDDEN", field="history.0.forced")
    assert "forced" in body["detail"]


def test_an_admin_imports_foreign_history_marked_as_imported_by_the_admin(
    admin: Api, editor: Api, outsider: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="Forged")
    exported = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/export"))
    foreign_admin = _token_id(outsider, "admin")
    forged = _forged(exported, foreign_admin)

    imported = admin.ok(admin.post("/api/v1/import?name=Imported", forged), 201)
    history = admin.ok(admin.get(f"/api/v1/value-streams/{imported['id']}/history"))["items"]
    over_graphql = admin.graphql(
        """query($id: ID!) { valueStream(id: $id) { history {
             forced imported importedAt importedByTokenId actorTokenId actorPersonId } } }""",
        {"id": imported["id"]},
    )
    trail = admin.ok(
        admin.get("/api/v1/audit", params={"entity_id": imported["id"], "action": "import"})
    )["items"]
    readout = admin.get(
        f"/api/v1/value-streams/{imported['id']}/export", params={"format": "markdown"}
    )

    importer = _token_id(admin, "admin")
    assert imported["phase"] == "execution"
    [entry] = history
    assert entry["imported"] is True
    assert entry["imported_by_token_id"] == importer
    assert entry["imported_at"] > "2026"
    assert entry["actor_token_id"] is None and entry["actor_person_id"] is None
    assert foreign_admin not in str(history)
    assert (entry["forced"], entry["justification"], entry["at"][:10]) == (
        True,
        "Approved by the board",
        "2020-03-01",
    )
    assert "errors" not in over_graphql, over_graphql
    [node] = over_graphql["data"]["valueStream"]["history"]
    assert node["imported"] is True
    assert node["importedByTokenId"] == importer
    assert node["actorTokenId"] is None and node["actorPersonId"] is None
    assert [event["actor_token_id"] for event in trail] == [importer]
    assert "| 2020-03-01 09:00 UTC (imported " in readout.text.split("## Recent history")[1]


def test_moves_made_here_are_not_marked_imported(admin: Api, admin_factory: Factory) -> None:
    stream = admin_factory.value_stream()
    moved = admin_factory.transition(
        stream["id"], "planning", force=True, justification="Board decision"
    )
    assert moved.status_code == 201, moved.text

    [entry] = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/history"))["items"]

    assert entry["imported"] is False
    assert entry["imported_at"] is None and entry["imported_by_token_id"] is None
    assert entry["actor_token_id"] == _token_id(admin, "admin")


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


def test_history_survives_the_round_trip_marked_as_imported(
    admin: Api, outsider: Api, admin_factory: Factory
) -> None:
    stream = admin_factory.value_stream()
    forced = admin_factory.transition(
        stream["id"], "planning", force=True, justification="Sponsor asked"
    )
    assert forced.status_code == 201, forced.text
    exported = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/export"))

    imported = outsider.ok(outsider.post("/api/v1/import", exported), 201)
    again = outsider.ok(outsider.get(f"/api/v1/value-streams/{imported['id']}/export"))

    marker = ("imported", "imported_at", "imported_by_token_id", "imported_by_person_id")
    actor = ("actor_token_id", "actor_person_id")
    [before], [after] = exported["history"], again["history"]
    assert before["actor_token_id"] is not None and before["imported"] is False
    assert after["imported"] is True
    assert after["imported_by_token_id"] == _token_id(outsider, "admin")
    assert all(after[field] is None for field in actor)
    unchanged = {k: v for k, v in before.items() if k not in {"id", *marker, *actor}}
    assert {k: after[k] for k in unchanged} == unchanged
    assert again["value_stream"]["phase"] == "planning"


def test_an_import_whose_raci_names_a_person_it_does_not_hold_is_refused_naming_it(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="Dangling")
    item = factory.backlog_item(stream)
    factory.raci(item, factory.person(), "R")
    document = editor.get(f"/api/v1/value-streams/{stream['id']}/export").json()
    document["people"] = []

    refused = editor.post("/api/v1/import?name=Copy", document)

    assert_problem(refused, 409, field="backlog.0.raci.0.person_id")
