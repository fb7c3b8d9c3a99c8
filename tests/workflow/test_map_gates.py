"""The current-state and desired-state gates, evaluated on real maps and findings.

An admin forces the value stream into the phase under test (with a justification, as
the workflow allows), then the team builds the map through the API and watches the
gate's criteria turn from blocked to passing, each with its reason.
"""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory

JUSTIFICATION = "Test setup: the earlier phases are covered elsewhere."


def _in_phase(admin_factory: Factory, factory: Factory, phase: str) -> dict[str, Any]:
    stream = factory.value_stream()
    moved = admin_factory.transition(stream["id"], phase, force=True, justification=JUSTIFICATION)
    assert moved.status_code == 201, moved.text
    return admin_factory.api.ok(admin_factory.api.get(f"/api/v1/value-streams/{stream['id']}"))


def _gate(api: Api, stream: dict[str, Any]) -> dict[str, Any]:
    return api.ok(api.get(f"/api/v1/value-streams/{stream['id']}/gate"))


def _criterion(api: Api, stream: dict[str, Any], key: str) -> dict[str, Any]:
    gate = _gate(api, stream)
    by_key = {c["key"]: c for c in gate["criteria"]}
    assert key in by_key, gate
    return by_key[key]


def _handoff(api: Api, stream_map: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> Any:
    body = {"from_step_id": a["id"], "to_step_id": b["id"]}
    return api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/handoffs", body), 201)


def _complete_current_map(factory: Factory, stream: dict[str, Any]) -> dict[str, Any]:
    """Three steps with role, process and wait time, joined by handoffs: lead time 16 h."""
    stream_map = factory.map(stream, kind="current")
    steps = [
        factory.step(stream_map, name="Request", role="PO", process_time="1 h", wait_time="4 h"),
        factory.step(stream_map, name="Build", role="Dev", process_time="2 h", wait_time="8 h"),
        factory.step(stream_map, name="Release", role="Ops", process_time="1 h", wait_time="0 h"),
    ]
    _handoff(factory.api, stream_map, steps[0], steps[1])
    _handoff(factory.api, stream_map, steps[1], steps[2])
    return stream_map


def _triage_everything(api: Api, stream_map: dict[str, Any]) -> int:
    suggested = api.ok(
        api.get(f"/api/v1/maps/{stream_map['id']}/findings", params={"status": "suggested"})
    )["items"]
    for finding in suggested:
        api.ok(
            api.post(
                f"/api/v1/findings/{finding['id']}/triage",
                {"status": "confirmed"},
                if_match=finding["version"],
            )
        )
    return len(suggested)


def _desired_map(factory: Factory, stream: dict[str, Any], *times: tuple[str, str]) -> Any:
    stream_map = factory.map(stream, kind="desired", chosen=True)
    for n, (process, wait) in enumerate(times):
        factory.step(
            stream_map, name=f"Step {n}", role="Team", process_time=process, wait_time=wait
        )
    return stream_map


# --- current_state ----------------------------------------------------------------------


def test_the_current_state_gate_is_blocked_without_a_map(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")

    gate = _gate(editor, stream)

    assert gate["phase"] == "current_state" and gate["passed"] is False
    by_key = {c["key"]: c for c in gate["criteria"]}
    assert by_key["current_map_complete"]["passed"] is False
    assert "no current-state map" in by_key["current_map_complete"]["reason"]
    assert by_key["handoffs_recorded"]["passed"] is False
    assert by_key["waste_analyzed"]["passed"] is False


def test_a_desired_map_alone_does_not_count_as_the_current_one(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    _desired_map(factory, stream, ("1 h", "1 h"))

    criterion = _criterion(editor, stream, "current_map_complete")

    assert criterion["passed"] is False
    assert "no current-state map" in criterion["reason"]


def test_an_empty_current_map_is_not_complete(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    factory.map(stream, kind="current")

    criterion = _criterion(editor, stream, "current_map_complete")

    assert criterion["passed"] is False
    assert "no steps" in criterion["reason"]


def test_steps_lacking_role_process_or_wait_time_block_and_are_counted(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    factory.step(stream_map, name="Ask", process_time="1 h", wait_time="1 h")
    factory.step(stream_map, name="Build", role="Dev", process_time="2 h")
    factory.step(stream_map, name="Test", role="QA")

    criterion = _criterion(editor, stream, "current_map_complete")

    assert criterion["passed"] is False
    reason = criterion["reason"]
    assert "1 step without a role" in reason
    assert "1 step without process time" in reason
    assert "2 steps without wait time" in reason


def test_completing_the_steps_lets_the_map_criterion_pass(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    step = factory.step(stream_map, name="Ask", process_time="1 h")
    assert _criterion(editor, stream, "current_map_complete")["passed"] is False

    editor.ok(
        editor.patch(f"/api/v1/steps/{step['id']}", {"role": "PO", "wait_time": "0 h"}, if_match=1)
    )

    criterion = _criterion(editor, stream, "current_map_complete")
    assert criterion["passed"] is True
    assert criterion["reason"] == "1 step, each with role, process and wait time"


def test_removing_the_incomplete_step_lets_the_map_criterion_pass(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    """A gate read before a change must not answer from what it saw then."""
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    factory.step(stream_map, name="Ask", role="PO", process_time="1 h", wait_time="1 h")
    vague = factory.step(stream_map, name="Somehow")
    assert _criterion(editor, stream, "current_map_complete")["passed"] is False

    editor.ok(editor.delete(f"/api/v1/steps/{vague['id']}", if_match=1), 204)

    assert _criterion(editor, stream, "current_map_complete")["passed"] is True


def test_a_blank_role_counts_as_no_role(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    """The map metrics list a step whose role is only spaces as missing its role; so must
    the gate, or a map the metrics call incomplete passes it."""
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    factory.step(stream_map, name="Ask", role="   ", process_time="1 h", wait_time="1 h")
    metrics = editor.ok(editor.get(f"/api/v1/maps/{stream_map['id']}/metrics"))
    assert len(metrics["steps_missing_role"]) == 1

    criterion = _criterion(editor, stream, "current_map_complete")

    assert criterion["passed"] is False, criterion
    assert "1 step without a role" in criterion["reason"]


def test_a_multi_step_map_without_handoffs_blocks(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    a = factory.step(stream_map, name="A", role="Dev", process_time="1 h", wait_time="1 h")
    b = factory.step(stream_map, name="B", role="QA", process_time="1 h", wait_time="1 h")

    blocked = _criterion(editor, stream, "handoffs_recorded")
    _handoff(editor, stream_map, a, b)
    recorded = _criterion(editor, stream, "handoffs_recorded")

    assert blocked["passed"] is False
    assert "no handoffs" in blocked["reason"]
    assert recorded == {**recorded, "passed": True, "reason": "1 handoff recorded"}


def test_a_single_step_map_needs_no_handoff(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    factory.step(factory.map(stream, kind="current"), name="All of it", role="Dev")

    assert _criterion(editor, stream, "handoffs_recorded")["passed"] is True


def test_waste_must_be_analyzed_and_every_suggestion_triaged(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = _complete_current_map(factory, stream)
    never_analyzed = _criterion(editor, stream, "waste_analyzed")

    created = editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))["created"]
    untriaged = _criterion(editor, stream, "waste_analyzed")
    first = created[0]
    editor.ok(
        editor.post(
            f"/api/v1/findings/{first['id']}/triage",
            {"status": "dismissed", "reason": "Accepted."},
            if_match=first["version"],
        )
    )
    fewer = _criterion(editor, stream, "waste_analyzed")
    _triage_everything(editor, stream_map)
    triaged = _criterion(editor, stream, "waste_analyzed")

    n = len(created)
    assert n >= 2, "the map should give the built-in rules at least two findings"
    assert never_analyzed["passed"] is False
    assert "no waste analyzed" in never_analyzed["reason"]
    assert untriaged["passed"] is False
    assert f"{n} suggestions not yet triaged" in untriaged["reason"]
    assert fewer["passed"] is False
    assert f"{n - 1} suggestion" in fewer["reason"]
    assert triaged["passed"] is True
    assert triaged["reason"] == f"all {n} findings triaged"


def test_a_finding_a_person_records_counts_as_analyzed_waste(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = _complete_current_map(factory, stream)

    editor.ok(
        editor.post(
            f"/api/v1/maps/{stream_map['id']}/findings",
            {"category": "delays", "description": "Waiting on approvals."},
        ),
        201,
    )

    assert _criterion(editor, stream, "waste_analyzed")["passed"] is True


def test_the_current_state_gate_passes_when_all_is_in_place(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = _complete_current_map(factory, stream)
    editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))
    _triage_everything(editor, stream_map)
    without_readout = _gate(editor, stream)
    factory.deliverable(stream, "readout_summary", status="done")
    factory.action_item(stream)

    gate = _gate(editor, stream)

    assert without_readout["passed"] is False
    assert {c["key"] for c in without_readout["criteria"] if not c["passed"]} == {
        "readout_summary",
        "action_items",
    }
    assert gate["passed"] is True, gate
    assert all(c["passed"] for c in gate["criteria"])
    moved = factory.transition(stream["id"], "desired_state")
    assert moved.status_code == 201, moved.text
    assert moved.json()["transition"]["forced"] is False


def test_the_gate_over_graphql_says_the_same(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    stream_map = factory.map(stream, kind="current")
    factory.step(stream_map, name="A", process_time="1 h", wait_time="1 h")

    result = editor.graphql(
        """query($id: ID!) {
             valueStream(id: $id) { gate { passed criteria { key passed reason } } }
           }""",
        {"id": stream["id"]},
    )

    assert "errors" not in result, result
    gate = result["data"]["valueStream"]["gate"]
    assert gate["passed"] is False
    over_rest = {c["key"]: (c["passed"], c["reason"]) for c in _gate(editor, stream)["criteria"]}
    assert {c["key"]: (c["passed"], c["reason"]) for c in gate["criteria"]} == over_rest


def test_a_map_of_the_previous_cycle_does_not_count_in_the_next(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "current_state")
    _complete_current_map(factory, stream)
    assert _criterion(editor, stream, "current_map_complete")["passed"] is True
    for to in ("execution", "iterate"):
        moved = admin_factory.transition(stream["id"], to, force=True, justification="Loop.")
        assert moved.status_code == 201, moved.text

    gate = _gate(editor, stream)

    assert gate["phase"] == "current_state"
    by_key = {c["key"]: c for c in gate["criteria"]}
    assert by_key["current_map_complete"]["passed"] is False
    assert "no current-state map in this cycle" in by_key["current_map_complete"]["reason"]


# --- desired_state ----------------------------------------------------------------------


def test_the_desired_state_gate_needs_a_chosen_desired_map(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "desired_state")
    _complete_current_map(factory, stream)
    factory.map(stream, kind="desired", name="Draft, not chosen")

    criterion = _criterion(editor, stream, "desired_map_faster")

    assert criterion["passed"] is False
    assert "no desired-state map is marked chosen" in criterion["reason"]


def test_the_desired_state_gate_blocks_a_desired_map_that_is_not_faster(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "desired_state")
    _complete_current_map(factory, stream)
    same = _desired_map(factory, stream, ("8 h", "8 h"))
    same_reason = _criterion(editor, stream, "desired_map_faster")
    editor.ok(editor.patch(f"/api/v1/maps/{same['id']}", {"chosen": False}, if_match=1))
    _desired_map(factory, stream, ("10 h", "10 h"))

    slower = _criterion(editor, stream, "desired_map_faster")

    assert same_reason["passed"] is False
    assert same_reason["reason"] == "desired lead time 16 h is not below the current 16 h"
    assert slower["passed"] is False
    assert "20 h is not below the current 16 h" in slower["reason"]


def test_the_desired_state_gate_passes_with_a_faster_map_and_a_sponsor_sign_off(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    stream = _in_phase(admin_factory, factory, "desired_state")
    _complete_current_map(factory, stream)
    _desired_map(factory, stream, ("1 h", "1 h"), ("1 h", "1 h"))
    faster = _criterion(editor, stream, "desired_map_faster")
    unsigned = _gate(editor, stream)
    sponsor = factory.sponsor(stream)

    factory.signoff(stream, sponsor["person_id"])

    gate = _gate(editor, stream)
    assert faster["passed"] is True
    assert faster["reason"] == "lead time 4 h is below the current 16 h"
    assert unsigned["passed"] is False
    assert [c["key"] for c in unsigned["criteria"] if not c["passed"]] == ["sponsor_signoff"]
    assert gate["passed"] is True, gate
    moved = factory.transition(stream["id"], "transformation_plan")
    assert moved.status_code == 201, moved.text
    assert moved.json()["transition"]["forced"] is False


def test_an_unmeasured_desired_map_is_not_faster_than_the_current(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    """A chosen desired map with no steps, or with steps whose times nobody entered, has
    a lead time of 0 s; 'below the current' must not be passed by leaving times out."""
    stream = _in_phase(admin_factory, factory, "desired_state")
    _complete_current_map(factory, stream)
    empty = factory.map(stream, kind="desired", chosen=True)
    with_no_steps = _criterion(editor, stream, "desired_map_faster")
    factory.step(empty, name="Somehow faster", role="Team")

    with_unmeasured_step = _criterion(editor, stream, "desired_map_faster")

    assert with_no_steps["passed"] is False, with_no_steps
    assert with_unmeasured_step["passed"] is False, with_unmeasured_step
