"""Step definitions shared by every feature: they drive the real HTTP API as its users would.

Imported into tests/bdd/conftest.py, so every feature's test module sees them. State passes
between steps through `target_fixture`: `stream` (the value stream under test, the "it" of
the scenarios) and `answer` (the API's answer to the last action).
"""

from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from core.workflow.playbook import default_playbook
from tests.api_client import Api
from tests.bdd import world
from tests.bdd.world import Stream
from tests.clock import ManualClock
from tests.factories import Factory

PROBLEM_JSON = "application/problem+json"


def p(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types=world.EXTRA_TYPES)


def caller(request: pytest.FixtureRequest, who: str) -> Api:
    """The API client of the admin, the editor or the viewer of the organization."""
    return request.getfixturevalue(who)


def refused(answer: Any, status: int, *, code: str | None = None, field: str | None = None) -> Any:
    """The answer is a problem (RFC 9457) of `status` that explains itself."""
    assert answer.status_code == status, f"{answer.status_code}: {answer.text}"
    assert answer.headers["content-type"].startswith(PROBLEM_JSON), answer.headers
    body = answer.json()
    assert body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body


# -- Given: value streams ----------------------------------------------------------------


@given("a new value stream", target_fixture="stream")
def a_new_value_stream(factory: Factory) -> Stream:
    return world.create_stream(factory)


@given(p("a value stream in {phase:Phase}"), target_fixture="stream")
def a_value_stream_in(factory: Factory, admin: Api, phase: str) -> Stream:
    """Phases after pre-planning are reached by an admin's justified forced move."""
    stream = world.create_stream(factory)
    world.bring_to(admin, stream, phase)
    return stream


@given(
    p("a value stream in {phase:Phase} with everything its gate asks for"), target_fixture="stream"
)
def a_value_stream_with_everything(factory: Factory, admin: Api, phase: str) -> Stream:
    stream = world.create_stream(factory)
    world.bring_to(admin, stream, phase)
    world.record_gate(factory, stream, phase)
    return stream


@given(
    p("a value stream in {phase:Phase} with everything its gate asks for except {ingredient}"),
    target_fixture="stream",
)
def a_value_stream_with_all_but(
    factory: Factory, admin: Api, phase: str, ingredient: str
) -> Stream:
    stream = world.create_stream(factory)
    world.bring_to(admin, stream, phase)
    world.record_gate(factory, stream, phase, leave_out=ingredient)
    return stream


@given(p('a value stream "{name}" in {phase:Phase}'), target_fixture="stream")
def a_named_value_stream(factory: Factory, admin: Api, name: str, phase: str) -> Stream:
    stream = world.create_stream(factory, name)
    world.bring_to(admin, stream, phase)
    return stream


@given(
    p('a value stream "{name}" in {phase:Phase} with everything its gate asks for'),
    target_fixture="stream",
)
def a_named_value_stream_with_everything(
    factory: Factory, admin: Api, name: str, phase: str
) -> Stream:
    stream = world.create_stream(factory, name)
    world.bring_to(admin, stream, phase)
    world.record_gate(factory, stream, phase)
    return stream


@given("a value stream that has left pre-planning through its gate", target_fixture="stream")
def a_value_stream_in_planning_for_real(factory: Factory, editor: Api) -> Stream:
    stream = world.create_stream(factory)
    world.record_gate(factory, stream, "pre_planning")
    editor.ok(world.move(editor, stream, "planning"), 201)
    return stream


@given(
    "a value stream in execution after its first cycle, with the records of its current-state "
    "workshop and a sponsor's sign-off",
    target_fixture="stream",
)
def a_value_stream_after_a_first_cycle(factory: Factory, editor: Api, admin: Api) -> Stream:
    """Pre-planning and the current-state workshop are left through their gates, since
    what they produced is what iterating keeps or asks for again; the other phases are
    passed by an admin's forced moves, which keeps the scenarios quick."""
    stream = world.create_stream(factory)
    world.record_gate(factory, stream, "pre_planning")
    editor.ok(world.move(editor, stream, "planning"), 201)
    world.bring_to(admin, stream, "current_state")
    world.record_gate(factory, stream, "current_state")
    editor.ok(world.move(editor, stream, "desired_state"), 201)
    world.record(factory, stream, "a sponsor's sign-off")
    world.bring_to(admin, stream, "execution")
    stream.history_length = len(world.history(editor, stream))
    return stream


@given("its business case is only a draft")
def business_case_only_drafted(editor: Api, stream: Stream) -> None:
    page = editor.ok(editor.get(f"{stream.url}/deliverables", params={"kind": "business_case"}))
    [case] = page["items"]
    url = f"{world.API}/deliverables/{case['id']}"
    editor.ok(editor.patch(url, {"status": "draft"}, if_match=case["version"]))


@given(p("the team has recorded {ingredient}"))
@when(p("the team records {ingredient}"))
def the_team_records(factory: Factory, stream: Stream, ingredient: str) -> None:
    world.record(factory, stream, ingredient)


@when(p("the team writes its {label} again, as a new deliverable"), target_fixture="answer")
def writes_deliverable_again(editor: Api, stream: Stream, label: str) -> Any:
    kind = label.replace(" ", "_")
    return editor.post(f"{stream.url}/deliverables", {"kind": kind, "status": "done"})


@given("the editor has read the value stream")
def the_editor_has_read(editor: Api, stream: Stream) -> None:
    stream.read_version = editor.get(stream.url).headers["etag"]


@given("an admin has renamed the value stream since")
def an_admin_renamed_it(admin: Api, stream: Stream) -> None:
    etag = admin.get(stream.url).headers["etag"]
    admin.ok(admin.patch(stream.url, {"name": f"{stream.name} (renamed)"}, if_match=etag))


@given(p("{days:Num} days have passed"))
@when(p("{days:Num} days have passed"))
def time_passes(clock: ManualClock, days: float) -> None:
    clock.advance(timedelta(days=days))


# -- When: moves ---------------------------------------------------------------------------


@when(p("{who:Who} moves it on to {phase:Phase}"), target_fixture="answer")
def moves_on(request: pytest.FixtureRequest, stream: Stream, who: str, phase: str) -> Any:
    return world.move(caller(request, who), stream, phase)


@when(p("{who:Who} moves it on to {phase:Phase}, as of what they read"), target_fixture="answer")
def moves_on_as_read(request: pytest.FixtureRequest, stream: Stream, who: str, phase: str) -> Any:
    assert stream.read_version is not None, "nobody read the value stream before"
    return world.move(caller(request, who), stream, phase, if_match=stream.read_version)


@when(p('{who:Who} moves it back to {phase:Phase} because "{reason}"'), target_fixture="answer")
def moves_back(
    request: pytest.FixtureRequest, stream: Stream, who: str, phase: str, reason: str
) -> Any:
    return world.move(caller(request, who), stream, phase, reason=reason)


@when(
    p("{who:Who} moves it back to {phase:Phase} without giving a reason"), target_fixture="answer"
)
def moves_back_without_reason(
    request: pytest.FixtureRequest, stream: Stream, who: str, phase: str
) -> Any:
    return world.move(caller(request, who), stream, phase)


@when(
    p('{who:Who} forces it on to {phase:Phase}, justified by "{justification}"'),
    target_fixture="answer",
)
def forces_on(
    request: pytest.FixtureRequest, stream: Stream, who: str, phase: str, justification: str
) -> Any:
    return world.move(caller(request, who), stream, phase, force=True, justification=justification)


@when(p("{who:Who} forces it on to {phase:Phase} without a justification"), target_fixture="answer")
def forces_on_without_justification(
    request: pytest.FixtureRequest, stream: Stream, who: str, phase: str
) -> Any:
    return world.move(caller(request, who), stream, phase, force=True)


@when(p("{who:Who} starts the next cycle"), target_fixture="answer")
def starts_next_cycle(request: pytest.FixtureRequest, stream: Stream, who: str) -> Any:
    return world.move(caller(request, who), stream, "iterate")


@when(
    p('{who:Who} moves it to "{target}", a phase the playbook does not have'),
    target_fixture="answer",
)
def moves_to_unknown_phase(
    request: pytest.FixtureRequest, stream: Stream, who: str, target: str
) -> Any:
    return world.move(caller(request, who), stream, target)


@when("someone who is not one of its sponsors signs off", target_fixture="answer")
def a_non_sponsor_signs_off(factory: Factory, editor: Api, stream: Stream) -> Any:
    champion = factory.participant(
        stream.ref, role="champion", champion_kind="business_stakeholder"
    )
    body = {"sponsor_id": champion["person_id"], "statement": "Looks good to me."}
    return editor.post(f"{stream.url}/signoffs", body)


# -- Then: the answer to a move --------------------------------------------------------------


@then(p('the move is refused because the gate is blocked by "{criterion}"'))
def refused_gate_blocked(answer: Any, criterion: str) -> None:
    body = refused(answer, 409, code="GATE_BLOCKED")
    blocking = [c["description"] for c in body["criteria"]]
    assert criterion in blocking, blocking
    assert all(not c["passed"] and c["reason"] for c in body["criteria"]), body


@then("the move is refused because only an admin may force it")
def refused_not_admin(answer: Any) -> None:
    body = refused(answer, 403, code="FORBIDDEN")
    world.assert_mentions(body["detail"], "only an admin may force")


@then("the move is refused because a viewer may only look")
def refused_viewer(answer: Any) -> None:
    body = refused(answer, 403, code="FORBIDDEN")
    world.assert_mentions(body["detail"], "the token has viewer")


@then("the move is refused because it needs a reason")
def refused_without_reason(answer: Any) -> None:
    refused(answer, 422, code="VALIDATION_FAILED", field="reason")


@then("the move is refused because it needs a written justification")
def refused_without_justification(answer: Any) -> None:
    refused(answer, 422, code="VALIDATION_FAILED", field="justification")


@then(p("the move is refused because phases are left one at a time, the next being {phase:Phase}"))
def refused_skipping(answer: Any, phase: str) -> None:
    body = refused(answer, 409, code="CONFLICT", field="to")
    world.assert_mentions(body["detail"], f"the next phase is {phase}")


@then(p('the move is refused because "{target}" is not a phase of the playbook'))
def refused_unknown_phase(answer: Any, target: str) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED", field="to")
    world.assert_mentions(body["detail"], f"'{target}' is not a phase of the playbook")


@then("the move is refused because the value stream changed since the editor read it")
def refused_stale(answer: Any) -> None:
    refused(answer, 412, code="STALE_VERSION")


@then(p("the move is refused because the value stream is already in {phase:Phase}"))
def refused_already_there(answer: Any, phase: str) -> None:
    body = refused(answer, 409, code="CONFLICT")
    world.assert_mentions(body["detail"], f"already in {phase}")


@then("the move is refused because only execution starts a new cycle")
def refused_iterating_early(answer: Any) -> None:
    body = refused(answer, 409, code="CONFLICT")
    world.assert_mentions(body["detail"], "only the execution phase iterates")


@then(p('the editor cannot move it on to {phase:Phase}: the gate is blocked by "{criterion}"'))
def editor_cannot_move_on(editor: Api, stream: Stream, phase: str, criterion: str) -> None:
    before = world.read(editor, stream)
    refused_gate_blocked(world.move(editor, stream, phase), criterion)
    after = world.read(editor, stream)
    assert (after["phase"], after["version"]) == (before["phase"], before["version"])


@then("the sign-off is refused because the signer is not a sponsor of the value stream")
def signoff_refused(answer: Any) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED", field="sponsor_id")
    world.assert_mentions(body["detail"], "not a sponsor of this value stream")


@then(
    p(
        "that is refused because this cycle already has its {label}, "
        "and the answer points at the one to change"
    )
)
def refused_second_deliverable(editor: Api, stream: Stream, answer: Any, label: str) -> None:
    body = refused(answer, 409, code="CONFLICT", field="kind")
    kind = label.replace(" ", "_")
    cycle = world.read(editor, stream)["cycle"]
    [existing] = world.items(editor, f"{stream.url}/deliverables", kind=kind, cycle=cycle)
    assert body["existing_id"] == existing["id"], body
    world.assert_mentions(body["detail"], existing["id"])


@then(p("the {label} is recorded in {phase:Phase}, cycle {cycle:d}"))
def deliverable_recorded_in(
    editor: Api, stream: Stream, label: str, phase: str, cycle: int
) -> None:
    kind = label.replace(" ", "_")
    [record] = world.items(editor, f"{stream.url}/deliverables", kind=kind)
    assert (record["phase"], record["cycle"]) == (phase, cycle), record


# -- Then: where the value stream stands -----------------------------------------------------


@then(p("the value stream is in {phase:Phase}"))
@then(p("the value stream is still in {phase:Phase}"))
def is_in(editor: Api, stream: Stream, phase: str) -> None:
    assert world.read(editor, stream)["phase"] == phase


@then(p("the value stream is in {phase:Phase}, cycle {cycle:d}"))
@then(p("the value stream is still in {phase:Phase}, cycle {cycle:d}"))
def is_in_cycle(editor: Api, stream: Stream, phase: str, cycle: int) -> None:
    current = world.read(editor, stream)
    assert (current["phase"], current["cycle"]) == (phase, cycle), current


# -- Then: the gate --------------------------------------------------------------------------


@then(p("the gate passes, leading on to {phase:Phase}"))
def gate_passes(editor: Api, stream: Stream, phase: str) -> None:
    answer = world.gate(editor, stream)
    blocking = [(c["description"], c["reason"]) for c in answer["criteria"] if not c["passed"]]
    assert answer["passed"] is True and not blocking, blocking
    assert answer["next_phase"] == phase, answer


@then(p('the gate is blocked by "{criterion}", with a reason mentioning "{why}"'))
def gate_blocked_by(editor: Api, stream: Stream, criterion: str, why: str) -> None:
    answer = world.gate(editor, stream)
    item = world.criterion(answer, criterion)
    assert answer["passed"] is False, answer
    assert item["passed"] is False, item
    world.assert_mentions(item["reason"], why)


@then(p('the criterion "{criterion}" passes, with a reason mentioning "{why}"'))
def criterion_passes(editor: Api, stream: Stream, criterion: str, why: str) -> None:
    item = world.criterion(world.gate(editor, stream), criterion)
    assert item["passed"] is True, item
    world.assert_mentions(item["reason"], why)


@then("the gate blocks on every criterion, each with its reason:")
def gate_blocks_on_all(editor: Api, stream: Stream, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["criterion", "reason"], header
    answer = world.gate(editor, stream)
    assert answer["passed"] is False
    assert [c["description"] for c in answer["criteria"]] == [row[0] for row in rows]
    for item, (_description, why) in zip(answer["criteria"], rows, strict=True):
        assert item["passed"] is False, item
        world.assert_mentions(item["reason"], why)


@then(p("the gate's next phase is {phase:Phase}"))
def gate_leads_to(editor: Api, stream: Stream, phase: str) -> None:
    assert world.gate(editor, stream)["next_phase"] == phase


@then(p('the gate does not ask for "{criterion}"'))
def gate_does_not_ask_for(editor: Api, stream: Stream, criterion: str) -> None:
    answer = world.gate(editor, stream)
    assert criterion not in [c["description"] for c in answer["criteria"]], answer


# -- Then: history and records -------------------------------------------------------------


@then("its history is empty")
def history_empty(editor: Api, stream: Stream) -> None:
    assert world.history(editor, stream) == []


def last_move(editor: Api, stream: Stream) -> dict[str, Any]:
    moves = world.history(editor, stream)
    assert moves, "the history is empty"
    return moves[-1]


@then(
    p("its history records the move from {origin:Phase} to {target:Phase} through a passing gate")
)
def history_forward(editor: Api, stream: Stream, origin: str, target: str) -> None:
    entry = last_move(editor, stream)
    assert (entry["kind"], entry["from_phase"], entry["to_phase"]) == ("forward", origin, target)
    assert entry["forced"] is False and entry["justification"] is None, entry
    assert entry["gate"]["phase"] == origin and entry["gate"]["passed"] is True, entry


@then(
    p(
        "its history records the move from {origin:Phase} to {target:Phase} through a passing "
        'gate, not as forced, with the justification "{justification}"'
    )
)
def history_forward_justified(
    editor: Api, stream: Stream, origin: str, target: str, justification: str
) -> None:
    entry = last_move(editor, stream)
    assert (entry["kind"], entry["from_phase"], entry["to_phase"]) == ("forward", origin, target)
    assert entry["forced"] is False and entry["justification"] == justification, entry
    assert entry["gate"]["phase"] == origin and entry["gate"]["passed"] is True, entry


@then(p('its history records a move back from {origin:Phase} to {target:Phase} because "{reason}"'))
def history_backward(editor: Api, stream: Stream, origin: str, target: str, reason: str) -> None:
    entry = last_move(editor, stream)
    assert (entry["kind"], entry["from_phase"], entry["to_phase"]) == ("backward", origin, target)
    assert entry["reason"] == reason and entry["forced"] is False, entry


@then(
    p(
        "its history records a forced move from {origin:Phase} to {target:Phase}, "
        'justified by "{justification}"'
    )
)
def history_forced(
    editor: Api, stream: Stream, origin: str, target: str, justification: str
) -> None:
    entry = last_move(editor, stream)
    assert (entry["kind"], entry["from_phase"], entry["to_phase"]) == ("forward", origin, target)
    assert entry["forced"] is True and entry["justification"] == justification, entry


@then(
    p(
        "its history keeps the {phase:Phase} gate as it stood at that moment, "
        'blocked by "{criterion}"'
    )
)
def history_keeps_gate(editor: Api, stream: Stream, phase: str, criterion: str) -> None:
    recorded = last_move(editor, stream)["gate"]
    assert recorded["phase"] == phase and recorded["passed"] is False, recorded
    item = world.criterion(recorded, criterion)
    assert item["passed"] is False and item["reason"], item


@then(
    p(
        "its history keeps every move of cycle {old:d} and ends with the start of cycle {new:d}, "
        "from {origin:Phase} into {target:Phase}"
    )
)
def history_iterated(
    editor: Api, stream: Stream, old: int, new: int, origin: str, target: str
) -> None:
    *earlier, entry = world.history(editor, stream)
    assert len(earlier) == stream.history_length, earlier
    assert all(e["from_cycle"] == e["to_cycle"] == old for e in earlier), earlier
    assert (entry["kind"], entry["from_phase"], entry["to_phase"]) == ("iterate", origin, target)
    assert (entry["from_cycle"], entry["to_cycle"]) == (old, new), entry


@then(p("cycle {cycle:d} still holds its readout summary and its action item"))
def cycle_records_kept(editor: Api, stream: Stream, cycle: int) -> None:
    readouts = editor.ok(
        editor.get(f"{stream.url}/deliverables", params={"kind": "readout_summary", "cycle": cycle})
    )["items"]
    assert [(d["status"], d["phase"]) for d in readouts] == [("done", "current_state")]
    actions = editor.ok(
        editor.get(f"{stream.url}/action-items", params={"kind": "action", "cycle": cycle})
    )["items"]
    assert len(actions) == 1 and actions[0]["phase"] == "current_state", actions


# -- Then: the portfolio ---------------------------------------------------------------------


def portfolio_row(api: Api, name: str) -> dict[str, Any]:
    rows = [r for r in world.portfolio(api, q=name) if r["name"] == name]
    assert len(rows) == 1, rows
    return rows[0]


@then(p("the portfolio shows it in {phase:Phase}, cycle {cycle:d}"))
def portfolio_shows_cycle(editor: Api, stream: Stream, phase: str, cycle: int) -> None:
    row = portfolio_row(editor, stream.name)
    assert (row["phase"], row["cycle"]) == (phase, cycle), row


@then(
    p(
        'the portfolio shows "{name}" in {phase:Phase} with a timebox of {days:Num} days, '
        "not overdue"
    )
)
def portfolio_on_time(editor: Api, name: str, phase: str, days: float) -> None:
    row = portfolio_row(editor, name)
    assert (row["phase"], row["timebox_days"], row["overdue"]) == (phase, days, False), row
    assert row["days_in_phase"] < days, row


@then(p('the portfolio shows "{name}" in {phase:Phase} without a timebox, not overdue'))
def portfolio_without_timebox(editor: Api, name: str, phase: str) -> None:
    row = portfolio_row(editor, name)
    assert (row["phase"], row["timebox_days"], row["overdue"]) == (phase, None, False), row


@then(p('the portfolio flags "{name}" as overdue, {days:Num} days into a timebox of {box:Num}'))
def portfolio_overdue(editor: Api, name: str, days: float, box: float) -> None:
    row = portfolio_row(editor, name)
    assert row["overdue"] is True, row
    assert (int(row["days_in_phase"]), row["timebox_days"]) == (days, box), row


@then("asked for the overdue value streams, the portfolio lists none")
def portfolio_no_overdue(editor: Api) -> None:
    assert world.portfolio(editor, overdue=True) == []


@then(p("asked for the overdue value streams, the portfolio lists only {quoted}"))
def portfolio_overdue_only(editor: Api, quoted: str) -> None:
    rows = world.portfolio(editor, overdue=True)
    assert sorted(r["name"] for r in rows) == sorted(world.names(quoted)), rows
    assert all(r["overdue"] for r in rows), rows


@then(p("asked for the value streams on time, the portfolio lists only {quoted}"))
def portfolio_on_time_only(editor: Api, quoted: str) -> None:
    rows = world.portfolio(editor, overdue=False)
    assert sorted(r["name"] for r in rows) == sorted(world.names(quoted)), rows
    assert not any(r["overdue"] for r in rows), rows


# -- The playbook ----------------------------------------------------------------------------


def tune(api: Api, change: Any) -> Any:
    """Read the playbook in force, change it, and put it back with the ETag just read."""
    current, etag = world.read_playbook(api)
    return world.put_playbook(api, change(current), etag)


@given(
    p(
        "an admin has tuned the playbook so that pre-planning needs at least {n:d} risks "
        "in the risk log"
    )
)
@given(
    p(
        "another admin has since tuned the playbook so that pre-planning needs at least {n:d} "
        "risks in the risk log"
    )
)
def admin_tuned_risks(admin: Api, n: int) -> None:
    admin.ok(tune(admin, lambda pb: world.needing_risks(pb, n)))


@when(
    p(
        "{who:Who} tunes the playbook so that pre-planning needs at least {n:d} risks "
        "in the risk log"
    ),
    target_fixture="answer",
)
def tunes_risks(request: pytest.FixtureRequest, who: str, n: int) -> Any:
    return tune(caller(request, who), lambda pb: world.needing_risks(pb, n))


@given(p("an admin has given {phase:Phase} a timebox of {days:Num} days"))
def admin_gave_timebox(admin: Api, phase: str, days: float) -> None:
    admin.ok(tune(admin, lambda pb: world.with_timebox(pb, phase, days)))


@given(
    p(
        'an admin has added the criterion "{description}" to the {phase:Phase} gate, '
        "asking for {phrase}"
    )
)
def admin_added_deliverable_criterion(
    admin: Api, description: str, phase: str, phrase: str
) -> None:
    """A criterion of the organization's own: a deliverable, of any kind, at a status."""
    wanted = world.ingredient(phrase).deliverable
    assert wanted is not None, f"{phrase!r} is not a deliverable"
    kind, status = wanted
    spec = {
        "key": kind,
        "check": "deliverable",
        "description": description,
        "params": {"kind": kind, "status": status},
    }
    admin.ok(tune(admin, lambda pb: world.with_criterion(pb, phase, spec)))


@given(p("an admin has replaced the playbook with one without {phase:Phase}"))
def admin_dropped_phase(admin: Api, phase: str) -> None:
    admin.ok(tune(admin, lambda pb: world.without_phase(pb, phase)))


@when(p("an admin replaces the playbook with one without {phase:Phase}"), target_fixture="answer")
def replaces_without_phase(admin: Api, phase: str) -> Any:
    return tune(admin, lambda pb: world.without_phase(pb, phase))


@when(p("an admin replaces the playbook with one where {flaw}"), target_fixture="answer")
def replaces_with_flaw(admin: Api, flaw: str) -> Any:
    return tune(admin, lambda pb: world.flawed(pb, flaw))


@given("an admin has read the playbook", target_fixture="playbook_read")
def admin_read_playbook(admin: Api) -> tuple[dict[str, Any], str]:
    return world.read_playbook(admin)


@when(
    p("the first admin replaces it with one without {phase:Phase}, as of what they read"),
    target_fixture="answer",
)
def replaces_as_read(admin: Api, playbook_read: tuple[dict[str, Any], str], phase: str) -> Any:
    playbook, etag = playbook_read
    return world.put_playbook(admin, world.without_phase(playbook, phase), etag)


@then(p('the playbook is refused as invalid, with a reason mentioning "{why}"'))
def playbook_invalid(answer: Any, why: str) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED")
    world.assert_mentions(body["detail"], why)


@then(p("the playbook is refused because value streams are still in {phase:Phase}"))
def playbook_drops_phase_in_use(answer: Any, phase: str) -> None:
    body = refused(answer, 409, code="CONFLICT")
    world.assert_mentions(body["detail"], phase)


@then("the playbook is refused because only an admin may change it")
def playbook_not_admin(answer: Any) -> None:
    body = refused(answer, 403, code="FORBIDDEN")
    world.assert_mentions(body["detail"], "needs the admin role")


@then("the playbook is refused because it changed since it was read")
def playbook_stale(answer: Any) -> None:
    refused(answer, 412, code="STALE_VERSION")


@then("the playbook in force is still the default")
def playbook_is_default(viewer: Api) -> None:
    playbook, etag = world.read_playbook(viewer)
    assert etag == '"0"', etag
    assert playbook == default_playbook().model_dump(mode="json")


@then(p('the playbook in force still asks pre-planning for "{criterion}"'))
def playbook_asks_for(viewer: Api, criterion: str) -> None:
    playbook, _etag = world.read_playbook(viewer)
    spec = world.phase_spec(playbook, "pre_planning")
    assert criterion in [c["description"] for c in spec["criteria"]], spec
