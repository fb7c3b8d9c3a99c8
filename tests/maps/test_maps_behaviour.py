"""Value stream maps as the practice uses them: rules, tenancy, versions, audit, documents.

Everything goes through the REST API (and GraphQL where a rule must hold on both), as a
team building its own frontend would use it.
"""

import json
import uuid
from typing import Any

import pytest
import sqlalchemy
import yaml
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.models.value_stream_map import MapStep
from tests.api_client import Api
from tests.conftest import run_in_db
from tests.factories import Factory
from tests.problems import assert_problem

HOUR = 3600.0


# --- helpers ----------------------------------------------------------------------------


def _handoff(api: Api, stream_map: dict[str, Any], a: dict[str, Any], b: dict[str, Any], **kw: Any):
    body = {"from_step_id": a["id"], "to_step_id": b["id"], **kw}
    return api.post(f"/api/v1/maps/{stream_map['id']}/handoffs", body)


def _chain(factory: Factory, stream: dict[str, Any] | None = None, **map_fields: Any):
    """A current map of three measured steps joined by two handoffs (lead 16 h, process 4 h)."""
    stream = stream or factory.value_stream()
    stream_map = factory.map(stream, **{"kind": "current", **map_fields})
    steps = [
        factory.step(stream_map, name="Request", role="PO", process_time="1 h", wait_time="4 h"),
        factory.step(stream_map, name="Build", role="Dev", process_time="2 h", wait_time="8 h"),
        factory.step(stream_map, name="Release", role="Ops", process_time="1 h", wait_time="0 h"),
    ]
    handoffs = [
        factory.api.ok(_handoff(factory.api, stream_map, steps[0], steps[1]), 201),
        factory.api.ok(_handoff(factory.api, stream_map, steps[1], steps[2]), 201),
    ]
    return stream, stream_map, steps, handoffs


def _manual_finding(api: Api, stream_map: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {"category": "delays", "description": "Builds wait for a shared runner.", **overrides}
    return api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/findings", body), 201)


def _suggested(api: Api, stream_map: dict[str, Any]) -> list[dict[str, Any]]:
    outcome = api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/classify"))
    assert outcome["created"], "the map was meant to give the built-in rules something to find"
    return outcome["created"]


def _read(api: Api, url: str) -> dict[str, Any]:
    return api.ok(api.get(url))


def _events(api: Api, **filters: Any) -> list[dict[str, Any]]:
    return api.ok(api.get("/api/v1/audit", params={"limit": 100, **filters}))["items"]


def _import(api: Api, stream: dict[str, Any], text: str | bytes, media: str) -> Any:
    content = text.encode() if isinstance(text, str) else text
    return api.post(
        f"/api/v1/value-streams/{stream['id']}/maps/import",
        content=content,
        headers={"content-type": media},
    )


@pytest.fixture
def tenant_map(factory: Factory, editor: Api) -> dict[str, Any]:
    """One of each record of a map, in the tenant's organization."""
    stream, stream_map, steps, handoffs = _chain(factory)
    finding = _manual_finding(editor, stream_map, step_id=steps[1]["id"])
    return {
        "stream": stream,
        "map": stream_map,
        "step": steps[1],
        "steps": steps,
        "handoff": handoffs[0],
        "finding": finding,
    }


# --- tenancy ----------------------------------------------------------------------------


def test_another_organization_gets_404_for_every_map_record_and_url(
    outsider: Api, tenant_map: dict[str, Any]
) -> None:
    m, s, h, f = (tenant_map[k]["id"] for k in ("map", "step", "handoff", "finding"))
    stream = tenant_map["stream"]["id"]
    reads = [
        f"/api/v1/maps/{m}",
        f"/api/v1/steps/{s}",
        f"/api/v1/handoffs/{h}",
        f"/api/v1/findings/{f}",
        f"/api/v1/maps/{m}/steps",
        f"/api/v1/maps/{m}/handoffs",
        f"/api/v1/maps/{m}/findings",
        f"/api/v1/maps/{m}/metrics",
        f"/api/v1/maps/{m}/document",
        f"/api/v1/value-streams/{stream}/maps",
        f"/api/v1/value-streams/{stream}/comparison",
    ]
    for url in reads:
        assert_problem(outsider.get(url), 404)
    for url in (f"/api/v1/maps/{m}", f"/api/v1/steps/{s}", f"/api/v1/handoffs/{h}"):
        assert_problem(
            outsider.patch(url, {"name": "x"} if "handoffs" not in url else {}, if_match=1), 404
        )
        assert_problem(outsider.delete(url, if_match=1), 404)
    assert_problem(outsider.patch(f"/api/v1/findings/{f}", {"description": "x"}, if_match=1), 404)
    assert_problem(outsider.delete(f"/api/v1/findings/{f}", if_match=1), 404)
    assert_problem(
        outsider.post(f"/api/v1/findings/{f}/triage", {"status": "confirmed"}, if_match=1), 404
    )
    assert_problem(outsider.post(f"/api/v1/maps/{m}/classify"), 404)
    assert_problem(outsider.post(f"/api/v1/maps/{m}/steps", {"name": "Sneak"}), 404)
    assert_problem(
        outsider.post(f"/api/v1/maps/{m}/findings", {"category": "delays", "description": "x"}),
        404,
    )
    assert_problem(
        outsider.post(f"/api/v1/value-streams/{stream}/maps", {"kind": "desired", "name": "x"}),
        404,
    )
    assert_problem(
        _import(
            outsider, tenant_map["stream"], '{"name": "x", "kind": "desired"}', "application/json"
        ),
        404,
    )


def test_another_organization_cannot_point_its_records_at_the_tenant_s_steps(
    outsider: Api, outsider_factory: Factory, tenant_map: dict[str, Any]
) -> None:
    own_map = outsider_factory.map(outsider_factory.value_stream(), kind="current")
    own_step = outsider_factory.step(own_map, name="Mine")
    theirs = tenant_map["step"]

    assert_problem(_handoff(outsider, own_map, own_step, theirs), 422, field="to_step_id")
    assert_problem(_handoff(outsider, own_map, theirs, own_step), 422, field="from_step_id")
    for field, ident in (("step_id", theirs["id"]), ("handoff_id", tenant_map["handoff"]["id"])):
        answer = outsider.post(
            f"/api/v1/maps/{own_map['id']}/findings",
            {"category": "delays", "description": "x", field: ident},
        )
        assert_problem(answer, 422, field=field)


def test_another_organization_s_lists_and_graphql_hold_none_of_the_tenant_s_maps(
    outsider: Api, outsider_factory: Factory, tenant_map: dict[str, Any]
) -> None:
    own_stream = outsider_factory.value_stream()
    own_map = outsider_factory.map(own_stream, kind="current")

    listed = outsider.ok(outsider.get(f"/api/v1/value-streams/{own_stream['id']}/maps"))["items"]
    streams = outsider.ok(outsider.get("/api/v1/value-streams"))["items"]
    audit = _events(outsider, entity_type="value_stream_map")

    assert [m["id"] for m in listed] == [own_map["id"]]
    assert tenant_map["stream"]["id"] not in {s["id"] for s in streams}
    assert tenant_map["map"]["id"] not in {e["entity_id"] for e in audit}
    for query, ident in (
        ("query($id: ID!) { map(id: $id) { id steps { id } } }", tenant_map["map"]["id"]),
        ("query($id: ID!) { valueStream(id: $id) { maps { id } } }", tenant_map["stream"]["id"]),
    ):
        result = outsider.graphql(query, {"id": ident})
        assert result.get("data") is None or not any(result["data"].values()), result
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND", result


def test_lists_of_one_map_hold_only_that_map_s_records(
    editor: Api, factory: Factory, tenant_map: dict[str, Any]
) -> None:
    other = factory.map(tenant_map["stream"], kind="desired")
    factory.step(other, name="Elsewhere")

    steps = _read(editor, f"/api/v1/maps/{tenant_map['map']['id']}/steps")["items"]
    other_steps = _read(editor, f"/api/v1/maps/{other['id']}/steps")["items"]

    assert [s["name"] for s in steps] == ["Request", "Build", "Release"]
    assert [s["name"] for s in other_steps] == ["Elsewhere"]
    assert _read(editor, f"/api/v1/maps/{other['id']}/handoffs")["items"] == []
    assert _read(editor, f"/api/v1/maps/{other['id']}/findings")["items"] == []


# --- roles ------------------------------------------------------------------------------


def test_a_viewer_reads_maps_but_every_write_is_403(
    viewer: Api, tenant_map: dict[str, Any]
) -> None:
    m, s, h, f = (tenant_map[k] for k in ("map", "step", "handoff", "finding"))
    stream = tenant_map["stream"]
    for url in (f"/api/v1/maps/{m['id']}", f"/api/v1/maps/{m['id']}/metrics"):
        assert viewer.get(url).status_code == 200

    writes = [
        viewer.post(f"/api/v1/value-streams/{stream['id']}/maps", {"kind": "desired", "name": "x"}),
        viewer.post(f"/api/v1/maps/{m['id']}/steps", {"name": "x"}),
        _handoff(viewer, m, tenant_map["steps"][0], tenant_map["steps"][2]),
        viewer.post(f"/api/v1/maps/{m['id']}/findings", {"category": "delays", "description": "x"}),
        viewer.post(f"/api/v1/maps/{m['id']}/classify"),
        viewer.post(
            f"/api/v1/findings/{f['id']}/triage", {"status": "confirmed"}, if_match=f["version"]
        ),
        _import(viewer, stream, '{"name": "x", "kind": "desired"}', "application/json"),
        viewer.patch(f"/api/v1/maps/{m['id']}", {"name": "x"}, if_match=m["version"]),
        viewer.patch(f"/api/v1/steps/{s['id']}", {"name": "x"}, if_match=s["version"]),
        viewer.patch(f"/api/v1/handoffs/{h['id']}", {"artifact": "x"}, if_match=h["version"]),
        viewer.patch(f"/api/v1/findings/{f['id']}", {"description": "x"}, if_match=f["version"]),
        viewer.delete(f"/api/v1/findings/{f['id']}", if_match=f["version"]),
        viewer.delete(f"/api/v1/handoffs/{h['id']}", if_match=h["version"]),
        viewer.delete(f"/api/v1/steps/{s['id']}", if_match=s["version"]),
        viewer.delete(f"/api/v1/maps/{m['id']}", if_match=m["version"]),
    ]

    for answer in writes:
        assert_problem(answer, 403)
    assert _read(viewer, f"/api/v1/maps/{m['id']}")["version"] == m["version"]
    assert len(_read(viewer, f"/api/v1/maps/{m['id']}/findings")["items"]) == 1


def test_a_viewer_cannot_classify_or_triage_through_graphql(
    viewer: Api, tenant_map: dict[str, Any]
) -> None:
    finding = tenant_map["finding"]
    classify = viewer.graphql(
        "mutation($id: ID!) { classifyMap(id: $id) { skippedKnown } }",
        {"id": tenant_map["map"]["id"]},
    )
    triage = viewer.graphql(
        """mutation($id: ID!, $v: Int!) {
             triageFinding(id: $id, expectedVersion: $v, status: "dismissed", reason: "no") { id }
           }""",
        {"id": finding["id"], "v": finding["version"]},
    )

    for result in (classify, triage):
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result


# --- versions ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["map", "step", "handoff", "finding"])
def test_a_stale_if_match_is_412_on_change_and_delete_and_nothing_changes(
    editor: Api, tenant_map: dict[str, Any], kind: str
) -> None:
    record = tenant_map[kind]
    url = f"/api/v1/{kind}s/{record['id']}"
    patch = {"handoff": {"artifact": "spec"}, "finding": {"description": "changed"}}.get(
        kind, {"name": "changed"}
    )
    moved_on = editor.ok(editor.patch(url, patch, if_match=record["version"]))

    stale_patch = editor.patch(url, {**patch}, if_match=record["version"])
    stale_delete = editor.delete(url, if_match=record["version"])
    missing = editor.patch(url, patch)

    assert_problem(stale_patch, 412)
    assert_problem(stale_delete, 412)
    assert_problem(missing, 428)
    assert _read(editor, url)["version"] == moved_on["version"]


def test_triage_with_a_stale_if_match_is_412_and_keeps_the_suggestion(
    editor: Api, factory: Factory
) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]
    url = f"/api/v1/findings/{finding['id']}"
    editor.ok(editor.patch(url, {"description": "Edited first"}, if_match=finding["version"]))

    stale = editor.post(f"{url}/triage", {"status": "confirmed"}, if_match=finding["version"])
    missing = editor.post(f"{url}/triage", {"status": "confirmed"})

    assert_problem(stale, 412)
    assert_problem(missing, 428)
    assert _read(editor, url)["status"] == "suggested"


def test_the_etag_of_a_map_record_is_its_version(editor: Api, tenant_map: dict[str, Any]) -> None:
    answer = editor.get(f"/api/v1/steps/{tenant_map['step']['id']}")

    assert answer.headers["etag"] == f'"{tenant_map["step"]["version"]}"'


# --- audit ------------------------------------------------------------------------------


def test_map_step_handoff_and_finding_changes_leave_audit_events(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    stream_map = factory.map(stream, kind="current", name="As is")
    a = factory.step(stream_map, name="A", process_time="1 h")
    b = factory.step(stream_map, name="B")
    handoff = editor.ok(_handoff(editor, stream_map, a, b), 201)
    finding = _manual_finding(editor, stream_map)

    editor.ok(editor.patch(f"/api/v1/maps/{stream_map['id']}", {"name": "As was"}, if_match=1))
    editor.ok(editor.patch(f"/api/v1/steps/{a['id']}", {"process_time": "2 h"}, if_match=1))
    editor.delete(f"/api/v1/handoffs/{handoff['id']}", if_match=1)
    editor.delete(f"/api/v1/findings/{finding['id']}", if_match=1)

    def one(entity_id: str, action: str) -> dict[str, Any]:
        found = _events(editor, entity_id=entity_id, action=action)
        assert len(found) == 1, found
        return found[0]

    created = one(stream_map["id"], "create")
    renamed = one(stream_map["id"], "update")
    retimed = one(a["id"], "update")
    removed_handoff = one(handoff["id"], "delete")
    removed_finding = one(finding["id"], "delete")
    assert created["entity_type"] == "value_stream_map"
    assert created["after"]["name"] == "As is" and created["before"] is None
    assert (renamed["before"]["name"], renamed["after"]["name"]) == ("As is", "As was")
    assert retimed["entity_type"] == "map_step"
    assert (retimed["before"]["process_seconds"], retimed["after"]["process_seconds"]) == (
        HOUR,
        2 * HOUR,
    )
    assert removed_handoff["entity_type"] == "map_handoff"
    assert removed_handoff["before"]["from_step_id"] == a["id"]
    assert removed_handoff["after"] is None
    assert removed_finding["entity_type"] == "waste_finding"
    assert one(b["id"], "create")["after"]["name"] == "B"


def test_findings_are_listed_most_telling_first_and_a_new_cost_moves_one(
    editor: Api, factory: Factory
) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    hunch = _manual_finding(editor, stream_map, description="Maybe slow", confidence=0.5)
    costly = _manual_finding(
        editor,
        stream_map,
        category="manual_activities",
        description="Hand deploys",
        estimated_cost_hours_per_week=40.0,
    )
    url = f"/api/v1/maps/{stream_map['id']}/findings"

    before = [f["id"] for f in _read(editor, url)["items"]]
    editor.ok(
        editor.patch(
            f"/api/v1/findings/{hunch['id']}",
            {"estimated_cost_hours_per_week": 1_000_000.0},
            if_match=hunch["version"],
        )
    )
    after = [f["id"] for f in _read(editor, url)["items"]]

    assert before == [costly["id"], hunch["id"]]
    assert after == [hunch["id"], costly["id"]]


def test_triage_leaves_an_audit_event_with_action_triage(editor: Api, factory: Factory) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]

    editor.ok(
        editor.post(
            f"/api/v1/findings/{finding['id']}/triage",
            {"status": "dismissed", "reason": "Known and accepted."},
            if_match=finding["version"],
        )
    )

    (event,) = _events(editor, entity_id=finding["id"], action="triage")
    assert event["entity_type"] == "waste_finding"
    assert event["before"]["status"] == "suggested"
    assert event["after"]["status"] == "dismissed"
    assert event["after"]["triage_reason"] == "Known and accepted."
    assert _events(editor, entity_id=finding["id"], action="update") == []
    assert len(_events(editor, entity_id=finding["id"], action="create")) == 1


# --- one current map, one chosen desired map --------------------------------------------


def test_a_cycle_has_only_one_current_map(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.map(stream, kind="current")

    second = editor.post(
        f"/api/v1/value-streams/{stream['id']}/maps", {"kind": "current", "name": "Again"}
    )
    imported = _import(editor, stream, '{"name": "Again", "kind": "current"}', "application/json")

    assert_problem(second, 409, field="kind")
    assert_problem(imported, 409)
    listed = _read(editor, f"/api/v1/value-streams/{stream['id']}/maps")["items"]
    assert [m["kind"] for m in listed] == ["current"]


def test_the_next_cycle_gets_a_current_map_of_its_own(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = factory.value_stream()
    first = factory.map(stream, kind="current")
    admin_factory.api.ok(
        admin_factory.transition(stream["id"], "execution", force=True, justification="Pilot."),
        201,
    )
    admin_factory.api.ok(
        admin_factory.transition(stream["id"], "iterate", force=True, justification="Again."), 201
    )

    second = factory.map(stream, kind="current")

    assert (first["cycle"], second["cycle"]) == (1, 2)
    this_cycle = _read(editor, f"/api/v1/value-streams/{stream['id']}/maps?kind=current&cycle=2")[
        "items"
    ]
    assert [m["id"] for m in this_cycle] == [second["id"]]


def test_several_desired_drafts_with_exactly_one_chosen(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    drafts = [factory.map(stream, kind="desired", name=f"Draft {n}") for n in range(3)]

    def chosen() -> list[str]:
        url = f"/api/v1/value-streams/{stream['id']}/maps"
        return [m["id"] for m in _read(editor, url + "?chosen=true")["items"]]

    assert chosen() == []
    first = editor.ok(editor.patch(f"/api/v1/maps/{drafts[0]['id']}", {"chosen": True}, if_match=1))
    assert chosen() == [drafts[0]["id"]]

    editor.ok(editor.patch(f"/api/v1/maps/{drafts[1]['id']}", {"chosen": True}, if_match=1))

    assert chosen() == [drafts[1]["id"]]
    unmarked = _read(editor, f"/api/v1/maps/{drafts[0]['id']}")
    assert unmarked["chosen"] is False
    assert unmarked["version"] == first["version"] + 1
    updates = _events(editor, entity_id=drafts[0]["id"], action="update")
    assert [(e["before"]["chosen"], e["after"]["chosen"]) for e in updates] == [
        (True, False),
        (False, True),
    ]  # newest first: chosen by a person, then unmarked when another was chosen

    created_chosen = factory.map(stream, kind="desired", name="Late idea", chosen=True)

    assert chosen() == [created_chosen["id"]]


def test_only_a_desired_map_can_be_chosen(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    current = factory.map(stream, kind="current")

    created = editor.post(
        f"/api/v1/value-streams/{stream['id']}/maps",
        {"kind": "current", "name": "x", "chosen": True},
    )
    patched = editor.patch(f"/api/v1/maps/{current['id']}", {"chosen": True}, if_match=1)

    assert_problem(created, 422, field="chosen")
    assert_problem(patched, 422, field="chosen")


def test_choosing_a_map_in_one_stream_leaves_other_streams_alone(
    editor: Api, factory: Factory
) -> None:
    one, two = factory.value_stream(), factory.value_stream()
    kept = factory.map(one, kind="desired", chosen=True)

    factory.map(two, kind="desired", chosen=True)

    assert _read(editor, f"/api/v1/maps/{kept['id']}")["chosen"] is True


# --- handoffs ---------------------------------------------------------------------------


def test_a_handoff_that_closes_a_loop_is_refused_naming_the_cycle(
    editor: Api, factory: Factory
) -> None:
    _stream, stream_map, steps, _handoffs = _chain(factory)

    loop = _handoff(editor, stream_map, steps[2], steps[0])
    to_itself = _handoff(editor, stream_map, steps[1], steps[1])

    body = assert_problem(loop, 422)
    assert "'Request'" in body["detail"] and "'Release'" in body["detail"], body
    assert_problem(to_itself, 422, field="to_step_id")
    assert len(_read(editor, f"/api/v1/maps/{stream_map['id']}/handoffs")["items"]) == 2


def test_a_handoff_to_a_step_of_another_map_is_refused(editor: Api, factory: Factory) -> None:
    stream, stream_map, steps, _handoffs = _chain(factory)
    other = factory.map(stream, kind="desired")
    foreign = factory.step(other, name="Elsewhere")

    forward = _handoff(editor, stream_map, steps[0], foreign)
    backward = _handoff(editor, stream_map, foreign, steps[0])
    unknown = editor.post(
        f"/api/v1/maps/{stream_map['id']}/handoffs",
        {"from_step_id": steps[0]["id"], "to_step_id": "01a00000-0000-7000-8000-000000000000"},
    )

    assert_problem(forward, 422, field="to_step_id")
    assert_problem(backward, 422, field="from_step_id")
    assert_problem(unknown, 422, field="to_step_id")


def test_a_branching_map_takes_the_longest_path_as_lead_time(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current")
    start = factory.step(stream_map, name="Start", role="PO", process_time="1 h", wait_time="1 h")
    slow = factory.step(stream_map, name="Slow", role="Dev", process_time="2 h", wait_time="8 h")
    fast = factory.step(stream_map, name="Fast", role="QA", process_time="1 h", wait_time="1 h")
    end = factory.step(stream_map, name="End", role="Ops", process_time="1 h", wait_time="0 h")
    for a, b in ((start, slow), (start, fast), (slow, end), (fast, end)):
        editor.ok(_handoff(editor, stream_map, a, b), 201)

    metrics = _read(editor, f"/api/v1/maps/{stream_map['id']}/metrics")

    assert metrics["lead_time_seconds"] == 13 * HOUR
    assert metrics["process_time_seconds"] == 4 * HOUR
    assert metrics["critical_path"] == [start["id"], slow["id"], end["id"]]
    assert metrics["bottleneck_step_id"] == slow["id"]
    assert metrics["handoffs"] == 4


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        ("PT39S", 39),
        ("PT1H30M", 5400),
        ("P1DT2H", 26 * HOUR),
        ("P1W", 7 * 24 * HOUR),
        ("90 min", 5400),
        ("2.5h", 2.5 * HOUR),
        ("3 days", 3 * 24 * HOUR),
        ("2 wd", 16 * HOUR),
        (120, 120),
        (0.5, 0.5),
    ],
)
def test_durations_in_a_calendar_day_map(
    editor: Api, factory: Factory, given: Any, seconds: float
) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current")

    step = factory.step(stream_map, process_time=given, wait_time=given)

    assert step["process_seconds"] == seconds
    assert step["wait_seconds"] == seconds


@pytest.mark.parametrize(
    ("given", "hours"),
    [("2 d", 15), ("P1D", 7.5), ("1 w", 37.5), ("3 h", 3), ("2 working days", 15)],
)
def test_durations_in_a_working_day_map_of_seven_and_a_half_hours(
    editor: Api, factory: Factory, given: str, hours: float
) -> None:
    stream_map = factory.map(
        factory.value_stream(), kind="current", waits_in="working", hours_per_working_day=7.5
    )

    step = factory.step(stream_map, process_time=given, wait_time=given)

    assert step["process_seconds"] == hours * HOUR
    assert step["wait_seconds"] == hours * HOUR


def test_a_working_day_map_reports_lead_time_in_its_own_days(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(
        factory.value_stream(), kind="current", waits_in="working", hours_per_working_day=7.5
    )
    factory.step(stream_map, name="Code", role="Dev", process_time="1 d", wait_time="2 d")

    metrics = _read(editor, f"/api/v1/maps/{stream_map['id']}/metrics")

    assert metrics["lead_time_seconds"] == 22.5 * HOUR
    assert metrics["lead_time_days"] == 3
    assert metrics["process_time_days"] == 1


@pytest.mark.parametrize("bad", ["soon", "-1 h", "P1M", "P1Y", "", "3 parsecs", "1e309"])
@pytest.mark.parametrize("field", ["process_time", "wait_time"])
def test_a_bad_duration_is_422_naming_its_field(
    editor: Api, factory: Factory, field: str, bad: Any
) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current")
    step = factory.step(stream_map, name="Fine", process_time="1 h", wait_time="1 h")

    created = editor.post(f"/api/v1/maps/{stream_map['id']}/steps", {"name": "x", field: bad})
    changed = editor.patch(f"/api/v1/steps/{step['id']}", {field: bad}, if_match=1)

    assert_problem(created, 422, field=field)
    assert_problem(changed, 422, field=field)
    assert _read(editor, f"/api/v1/steps/{step['id']}")["process_seconds"] == HOUR
    assert len(_read(editor, f"/api/v1/maps/{stream_map['id']}/steps")["items"]) == 1


def test_a_step_answers_its_times_in_seconds_and_iso(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current")

    step = factory.step(stream_map, process_time="90 min", wait_time="P1DT30M")

    assert (step["process_seconds"], step["process_time"]) == (5400, "PT1H30M")
    assert (step["wait_seconds"], step["wait_time"]) == (24 * HOUR + 1800, "PT24H30M")


def test_a_stored_time_that_is_no_duration_reads_as_null_through_both_transports(
    editor: Api, factory: Factory, database_url: str
) -> None:
    """Rows stored before the bounds existed, or by another tool, may hold any float."""
    stream_map = factory.map(factory.value_stream(), kind="current")
    step = factory.step(stream_map, process_time="1 h", wait_time="1 h")

    async def corrupt(session: AsyncSession) -> None:
        await session.exec(
            sqlalchemy.update(MapStep)
            .where(col(MapStep.id) == uuid.UUID(step["id"]))
            .values(process_seconds=-5.0, wait_seconds=-1.0)
        )

    run_in_db(database_url, corrupt)
    rest = _read(editor, f"/api/v1/steps/{step['id']}")
    graphql = editor.graphql(
        "query($id: ID!) { map(id: $id) { steps { processSeconds processTime waitTime } } }",
        {"id": stream_map["id"]},
    )

    assert (rest["process_seconds"], rest["process_time"], rest["wait_time"]) == (-5, None, None)
    assert graphql == {
        "data": {"map": {"steps": [{"processSeconds": -5, "processTime": None, "waitTime": None}]}}
    }


# --- comparison -------------------------------------------------------------------------


def test_the_comparison_of_the_chosen_desired_map_with_worked_numbers(
    editor: Api, factory: Factory
) -> None:
    stream, current, _steps, _handoffs = _chain(factory)
    desired = factory.map(stream, kind="desired", name="To be", chosen=True)
    factory.step(desired, name="Request", role="PO", process_time="1 h", wait_time="1 h")
    factory.step(desired, name="Ship", role="Dev", process_time="1 h", wait_time="1 h")
    factory.map(stream, kind="desired", name="Rejected idea")

    answer = _read(editor, f"/api/v1/value-streams/{stream['id']}/comparison")

    assert answer["current_map_id"] == current["id"]
    assert answer["desired_map_id"] == desired["id"]
    changes = answer["changes"]
    # current: lead 1+4 + 2+8 + 1+0 = 16 h, process 4 h; desired: lead 4 h, process 2 h
    assert changes["lead_time_seconds"] == {
        "current": 16 * HOUR,
        "desired": 4 * HOUR,
        "absolute_change": -12 * HOUR,
        "percent_change": -75.0,
    }
    assert changes["process_time_seconds"] == {
        "current": 4 * HOUR,
        "desired": 2 * HOUR,
        "absolute_change": -2 * HOUR,
        "percent_change": -50.0,
    }
    assert changes["activity_ratio"] == {
        "current": 0.25,
        "desired": 0.5,
        "absolute_change": 0.25,
        "percent_change": 100.0,
    }
    assert changes["step_count"]["absolute_change"] == -1
    assert changes["step_count"]["percent_change"] == pytest.approx(-100 / 3)
    assert changes["handoffs"] == {
        "current": 2,
        "desired": 0,
        "absolute_change": -2,
        "percent_change": -100.0,
    }
    assert changes["cross_team_handoffs"] == {
        "current": 0,
        "desired": 0,
        "absolute_change": 0,
        "percent_change": None,
    }
    assert answer["current"]["lead_time_seconds"] == 16 * HOUR
    assert answer["desired"]["lead_time_seconds"] == 4 * HOUR


def test_the_comparison_is_the_same_over_graphql(editor: Api, factory: Factory) -> None:
    stream, _current, _steps, _handoffs = _chain(factory)
    desired = factory.map(stream, kind="desired", chosen=True)
    factory.step(desired, name="Only", role="Dev", process_time="2 h", wait_time="2 h")

    result = editor.graphql(
        """query($id: ID!) { comparison(valueStreamId: $id) {
             desired { id } changes { metric current desired absoluteChange percentChange } } }""",
        {"id": stream["id"]},
    )

    assert "errors" not in result, result
    lead = {c["metric"]: c for c in result["data"]["comparison"]["changes"]}["lead_time_seconds"]
    assert lead == {
        "metric": "lead_time_seconds",
        "current": 16 * HOUR,
        "desired": 4 * HOUR,
        "absoluteChange": -12 * HOUR,
        "percentChange": -75.0,
    }
    assert result["data"]["comparison"]["desired"]["id"] == desired["id"]


def test_the_comparison_is_404_without_a_chosen_desired_map(editor: Api, factory: Factory) -> None:
    stream, _current, _steps, _handoffs = _chain(factory)
    factory.map(stream, kind="desired", name="Draft, not chosen")
    bare = factory.value_stream()
    only_desired = factory.value_stream()
    factory.map(only_desired, kind="desired", chosen=True)

    body = assert_problem(editor.get(f"/api/v1/value-streams/{stream['id']}/comparison"), 404)
    assert "chosen desired-state map" in body["detail"]
    assert_problem(editor.get(f"/api/v1/value-streams/{bare['id']}/comparison"), 404)
    body = assert_problem(editor.get(f"/api/v1/value-streams/{only_desired['id']}/comparison"), 404)
    assert "current-state map" in body["detail"]


# --- findings and triage ----------------------------------------------------------------


def test_confirming_a_suggestion_records_who_and_when(editor: Api, factory: Factory) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]
    me = editor.graphql("{ me { tokenId } }")["data"]["me"]["tokenId"]
    assert (finding["status"], finding["triaged_at"]) == ("suggested", None)

    confirmed = editor.ok(
        editor.post(
            f"/api/v1/findings/{finding['id']}/triage",
            {"status": "confirmed"},
            if_match=finding["version"],
        )
    )

    assert confirmed["status"] == "confirmed"
    assert confirmed["triaged_by_token_id"] == me
    assert confirmed["triaged_at"] is not None
    assert confirmed["version"] == finding["version"] + 1
    assert confirmed["source"] == "classifier"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_dismissing_without_a_reason_is_422(
    editor: Api, factory: Factory, reason: str | None
) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]
    body = {"status": "dismissed"} if reason is None else {"status": "dismissed", "reason": reason}

    answer = editor.post(f"/api/v1/findings/{finding['id']}/triage", body, if_match=1)

    assert_problem(answer, 422, field="reason")
    assert _read(editor, f"/api/v1/findings/{finding['id']}")["status"] == "suggested"


def test_dismissing_with_a_reason_keeps_the_reason(editor: Api, factory: Factory) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]

    dismissed = editor.ok(
        editor.post(
            f"/api/v1/findings/{finding['id']}/triage",
            {"status": "dismissed", "reason": "The wait is a legal hold."},
            if_match=1,
        )
    )

    assert dismissed["status"] == "dismissed"
    assert dismissed["triage_reason"] == "The wait is a legal hold."
    listed = _read(editor, f"/api/v1/maps/{stream_map['id']}/findings?status=dismissed")["items"]
    assert [f["id"] for f in listed] == [finding["id"]]


@pytest.mark.parametrize("status", ["suggested", "maybe"])
def test_triage_only_confirms_or_dismisses(editor: Api, factory: Factory, status: str) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    finding = _suggested(editor, stream_map)[0]

    answer = editor.post(f"/api/v1/findings/{finding['id']}/triage", {"status": status}, if_match=1)

    assert_problem(answer, 422, field="status")


def test_a_finding_a_person_records_starts_confirmed(editor: Api, factory: Factory) -> None:
    _stream, stream_map, steps, handoffs = _chain(factory)

    on_step = _manual_finding(editor, stream_map, step_id=steps[1]["id"], evidence="Seen it.")
    on_handoff = _manual_finding(
        editor, stream_map, category="transportation", handoff_id=handoffs[0]["id"]
    )

    for finding in (on_step, on_handoff):
        assert finding["status"] == "confirmed"
        assert finding["source"] == "person"
        assert finding["classifier"] is None and finding["rule"] is None
        assert finding["triaged_at"] is not None
    assert on_step["step_id"] == steps[1]["id"]
    assert on_handoff["handoff_id"] == handoffs[0]["id"]


def test_a_person_cannot_set_the_status_or_source_of_a_new_finding(
    editor: Api, factory: Factory
) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    url = f"/api/v1/maps/{stream_map['id']}/findings"

    for extra in ({"status": "suggested"}, {"source": "classifier"}, {"classifier": "x"}):
        answer = editor.post(url, {"category": "delays", "description": "x", **extra})
        assert_problem(answer, 422, field=next(iter(extra)))


def test_a_finding_on_a_step_of_another_map_is_refused(editor: Api, factory: Factory) -> None:
    stream, stream_map, _steps, _handoffs = _chain(factory)
    foreign = factory.step(factory.map(stream, kind="desired"), name="Elsewhere")

    answer = editor.post(
        f"/api/v1/maps/{stream_map['id']}/findings",
        {"category": "delays", "description": "x", "step_id": foreign["id"]},
    )

    assert_problem(answer, 422, field="step_id")


def test_classify_is_idempotent_and_does_not_bring_back_dismissed_findings(
    editor: Api, factory: Factory
) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    url = f"/api/v1/maps/{stream_map['id']}/classify"
    first = editor.ok(editor.post(url))
    dismissed = first["created"][0]
    editor.ok(
        editor.post(
            f"/api/v1/findings/{dismissed['id']}/triage",
            {"status": "dismissed", "reason": "Accepted risk."},
            if_match=1,
        )
    )

    second = editor.ok(editor.post(url))
    third = editor.ok(editor.post(url))

    assert first["created"]
    assert second["created"] == [] and third["created"] == []
    assert second["skipped_known"] == third["skipped_known"] == len(first["created"])
    stored = _read(editor, f"/api/v1/maps/{stream_map['id']}/findings")["items"]
    assert sorted(f["id"] for f in stored) == sorted(f["id"] for f in first["created"])


def test_classify_skips_what_a_person_already_recorded(editor: Api, factory: Factory) -> None:
    _stream, stream_map, _steps, _handoffs = _chain(factory)
    would_be = _suggested(editor, stream_map)
    target = would_be[0]
    fresh = factory.map(factory.value_stream(), kind="current")
    steps = [
        factory.step(fresh, name="Request", role="PO", process_time="1 h", wait_time="4 h"),
        factory.step(fresh, name="Build", role="Dev", process_time="2 h", wait_time="8 h"),
        factory.step(fresh, name="Release", role="Ops", process_time="1 h", wait_time="0 h"),
    ]
    index = [s["id"] for s in _read(editor, f"/api/v1/maps/{stream_map['id']}/steps")["items"]]
    mine = _manual_finding(
        editor,
        fresh,
        category=target["category"],
        step_id=steps[index.index(target["step_id"])]["id"] if target["step_id"] else None,
    )

    outcome = editor.ok(editor.post(f"/api/v1/maps/{fresh['id']}/classify"))

    same = [
        f
        for f in outcome["created"]
        if (f["category"], f["step_id"], f["handoff_id"])
        == (mine["category"], mine["step_id"], mine["handoff_id"])
    ]
    assert same == []
    assert outcome["skipped_known"] == 1


# --- documents --------------------------------------------------------------------------


def _assert_import_refused(api: Api, stream: dict[str, Any], text: str, media: str, *words: str):
    answer = _import(api, stream, text, media)
    assert 400 <= answer.status_code < 500, answer.text
    body = assert_problem(answer, answer.status_code)
    text_of_problem = body["detail"] + " ".join(
        f"{e['field']} {e['message']}" for e in body.get("errors", [])
    )
    for word in words:
        assert word in text_of_problem, body
    listed = _read(api, f"/api/v1/value-streams/{stream['id']}/maps")["items"]
    assert listed == [], "a refused import must leave nothing behind"
    return body


def test_import_refuses_a_document_that_is_not_yaml(editor: Api, factory: Factory) -> None:
    _assert_import_refused(
        editor, factory.value_stream(), "name: [unclosed\nkind: current", "application/yaml", "yaml"
    )


def test_import_refuses_malformed_json(editor: Api, factory: Factory) -> None:
    _assert_import_refused(editor, factory.value_stream(), '{"name": ', "application/json", "json")


def test_import_refuses_a_document_that_is_not_a_mapping(editor: Api, factory: Factory) -> None:
    _assert_import_refused(
        editor, factory.value_stream(), "- a\n- b\n", "application/yaml", "mapping"
    )


def test_import_refuses_a_handoff_naming_an_unknown_step_key(editor: Api, factory: Factory) -> None:
    document = """
name: To be
kind: desired
steps:
  - {key: ask, name: Ask}
  - {key: build, name: Build}
handoffs:
  - {from: ask, to: build}
  - {from: build, to: ship}
"""
    _assert_import_refused(
        editor, factory.value_stream(), document, "application/yaml", "handoffs[1]", "'ship'"
    )


def test_import_refuses_duplicate_step_keys(editor: Api, factory: Factory) -> None:
    document = {
        "name": "To be",
        "kind": "desired",
        "steps": [{"key": "a", "name": "One"}, {"key": "a", "name": "Two"}],
    }
    _assert_import_refused(
        editor, factory.value_stream(), json.dumps(document), "application/json", "unique"
    )


def test_import_refuses_a_loop_of_handoffs_naming_the_handoff(
    editor: Api, factory: Factory
) -> None:
    looped = {
        "name": "Loop",
        "kind": "desired",
        "steps": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
        "handoffs": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}],
    }
    _assert_import_refused(
        editor, factory.value_stream(), json.dumps(looped), "application/json", "handoffs[1]"
    )


def test_import_refuses_a_bad_duration_naming_the_step(editor: Api, factory: Factory) -> None:
    """In a document of hundreds of steps, 'process_time' alone does not say which one."""
    timed = {
        "name": "Timed",
        "kind": "desired",
        "steps": [
            {"key": "a", "name": "A", "process_time": "1 h"},
            {"key": "b", "name": "B", "process_time": "a while"},
        ],
    }
    _assert_import_refused(
        editor,
        factory.value_stream(),
        json.dumps(timed),
        "application/json",
        "steps[1]",
        "process_time",
        "a while",
    )


def test_import_refuses_unknown_fields_and_other_media_types(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    document = {"name": "x", "kind": "desired", "steps": [{"key": "a", "name": "A", "colour": 1}]}

    _assert_import_refused(editor, stream, json.dumps(document), "application/json", "colour")
    _assert_import_refused(editor, stream, "name: x", "text/plain", "content-type")


FULL_STEP_FIELDS = (
    "name",
    "description",
    "role",
    "team",
    "people",
    "position",
    "process_seconds",
    "wait_seconds",
    "percent_complete_accurate",
    "tools",
    "artifacts",
    "automated",
    "cicd_stage",
    "value_class",
    "queue_size",
)


def _branching_map_with_every_field(
    editor: Api, factory: Factory, stream: dict[str, Any], **calendar: Any
) -> dict[str, Any]:
    stream_map = factory.map(
        stream, kind="desired", name="Every field", notes="Workshop of 3 March.", **calendar
    )
    common = {"people": 2, "percent_complete_accurate": 92.5}
    ask = factory.step(
        stream_map,
        name="Ask",
        description="A request arrives.",
        role="Product owner",
        team="Product",
        process_time="PT30M",
        wait_time="5 d",
        tools=["Jira", "Confluence"],
        artifacts=["story"],
        value_class="necessary_non_value_add",
        queue_size=14,
        **common,
    )
    code = factory.step(
        stream_map,
        name="Code",
        role="Developer",
        team="Dev",
        process_time="6 h",
        wait_time="PT1H15M",
        tools=["IDE"],
        artifacts=["commit"],
        value_class="value_add",
        **common,
    )
    docs = factory.step(
        stream_map,
        name="Write release notes",
        role="Tech writer",
        team="Docs",
        process_time="1.5 h",
        wait_time="PT39S",
        artifacts=["notes"],
        value_class="unnecessary_non_value_add",
        queue_size=0,
        **common,
    )
    ship = factory.step(
        stream_map,
        name="Deploy",
        role="Pipeline",
        team="Platform",
        process_time="PT12M",
        wait_time="P1DT2H",
        tools=["Jenkins", "Terraform"],
        automated=True,
        cicd_stage=True,
        value_class="value_add",
        people=0,
        percent_complete_accurate=99.9,
    )
    for a, b, extra in (
        (ask, code, {"artifact": "story", "cross_team": True}),
        (ask, docs, {"artifact": "story", "cross_team": True}),
        (code, ship, {"artifact": "commit", "cross_team": True}),
        (docs, ship, {}),
    ):
        editor.ok(_handoff(editor, stream_map, a, b, **extra), 201)
    return stream_map


def _picture(api: Api, stream_map: dict[str, Any]) -> dict[str, Any]:
    """A map as ids-free data: its fields, its steps' fields, handoffs by step names."""
    read = _read(api, f"/api/v1/maps/{stream_map['id']}")
    steps = _read(api, f"/api/v1/maps/{stream_map['id']}/steps")["items"]
    handoffs = _read(api, f"/api/v1/maps/{stream_map['id']}/handoffs")["items"]
    metrics = _read(api, f"/api/v1/maps/{stream_map['id']}/metrics")
    names = {s["id"]: s["name"] for s in steps}
    return {
        "map": {k: read[k] for k in ("kind", "name", "notes", "hours_per_working_day", "waits_in")},
        "steps": [{k: s[k] for k in FULL_STEP_FIELDS} for s in steps],
        "handoffs": sorted(
            (names[h["from_step_id"]], names[h["to_step_id"]], h["artifact"], h["cross_team"])
            for h in handoffs
        ),
        "metrics": {
            k: metrics[k]
            for k in ("lead_time_seconds", "process_time_seconds", "rolled_pca_percent", "handoffs")
        },
    }


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_branching_map_with_every_field_survives_export_and_import(
    editor: Api, factory: Factory, fmt: str
) -> None:
    stream_map = _branching_map_with_every_field(editor, factory, factory.value_stream())
    before = _picture(editor, stream_map)
    exported = editor.get(f"/api/v1/maps/{stream_map['id']}/document", params={"format": fmt})
    assert exported.status_code == 200, exported.text
    document = json.loads(exported.text) if fmt == "json" else yaml.safe_load(exported.text)
    assert len(document["steps"]) == 4 and len(document["handoffs"]) == 4

    imported = editor.ok(
        _import(editor, factory.value_stream(), exported.text, f"application/{fmt}"), 201
    )

    assert _picture(editor, imported) == before
    again = editor.get(f"/api/v1/maps/{imported['id']}/document", params={"format": fmt})
    assert again.text == exported.text


def test_a_working_day_map_survives_export_and_import(editor: Api, factory: Factory) -> None:
    """Times are stored in seconds; a document must bring back the same seconds.

    In a working-day map, 'P1D' read back means one working day, so an export that
    writes 24-hour days changes every wait of a day or more on the way back in.
    """
    stream_map = _branching_map_with_every_field(
        editor, factory, factory.value_stream(), waits_in="working", hours_per_working_day=7.5
    )
    before = _picture(editor, stream_map)
    exported = editor.get(f"/api/v1/maps/{stream_map['id']}/document", params={"format": "yaml"})

    imported = editor.ok(
        _import(editor, factory.value_stream(), exported.text, "application/yaml"), 201
    )

    after = _picture(editor, imported)
    waits = [(s["name"], s["wait_seconds"]) for s in after["steps"]]
    assert waits == [(s["name"], s["wait_seconds"]) for s in before["steps"]]
    assert after == before


def test_an_imported_chosen_desired_map_unmarks_the_chosen_one(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    was = factory.map(stream, kind="desired", chosen=True)

    imported = editor.ok(
        _import(
            editor, stream, '{"name": "New", "kind": "desired", "chosen": true}', "application/json"
        ),
        201,
    )

    assert imported["chosen"] is True
    assert _read(editor, f"/api/v1/maps/{was['id']}")["chosen"] is False


# --- required fields cannot be nulled ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("map", "name"),
        ("map", "chosen"),
        ("map", "waits_in"),
        ("map", "hours_per_working_day"),
        ("step", "name"),
        ("step", "automated"),
        ("step", "position"),
        ("finding", "category"),
        ("finding", "description"),
    ],
)
def test_nulling_a_required_field_is_refused_naming_it(
    editor: Api, tenant_map: dict[str, Any], kind: str, field: str
) -> None:
    """`null` for a field that must have a value is bad input, not a conflict with the store."""
    record = tenant_map[kind]

    answer = editor.patch(f"/api/v1/{kind}s/{record['id']}", {field: None}, if_match=1)

    assert_problem(answer, 422, field=field)
    assert _read(editor, f"/api/v1/{kind}s/{record['id']}")[field] == record[field]


@pytest.mark.parametrize("field", ["process_time", "wait_time"])
def test_a_flag_is_not_a_duration(editor: Api, factory: Factory, field: str) -> None:
    """Lax JSON parsing would read `true` as one second; it is refused before that."""
    stream_map = factory.map(factory.value_stream(), kind="current")

    created = editor.post(f"/api/v1/maps/{stream_map['id']}/steps", {"name": "x", field: True})

    assert_problem(created, 422, field=field)
