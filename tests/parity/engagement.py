"""Parity cases of the engagement: value streams, their records, phases and the playbook."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory, unique
from tests.parity.crud import (
    Resource,
    by_id,
    cases,
    connection,
    filtered,
    nested,
    refused,
    refused_at_root,
    selection,
)
from tests.parity.harness import Case, QueryCase, Twin, comparable, graphql_data, rest_json


def _stream(factory: Factory) -> Twin:
    return {"parent": factory.value_stream(), "person": factory.person(name="Ada")}


def _stream_with_sponsor(factory: Factory) -> Twin:
    twin = _stream(factory)
    return {**twin, "sponsor": factory.sponsor(twin["parent"], person_id=twin["person"]["id"])}


def _records(field_name: str) -> Any:
    return nested("valueStream", field_name)


RECORDS = [
    Resource(
        noun="participant",
        type_name="Participant",
        item="/api/v1/participants/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/participants",
        arrange=_stream,
        make=lambda f, t: f.participant(t["parent"], person_id=t["person"]["id"]),
        create=lambda t: {
            "person_id": t["person"]["id"],
            "role": "champion",
            "champion_kind": "technology_manager",
            "function": "architect",
            "trained": True,
        },
        update=lambda t: {"role": "facilitator", "function": "qa", "trained": True},
        read_all=_records("participants"),
        reads_via=("valueStream",),
    ),
    Resource(
        noun="deliverable",
        type_name="Deliverable",
        item="/api/v1/deliverables/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/deliverables",
        arrange=_stream,
        make=lambda f, t: f.deliverable(t["parent"], "business_case", status="draft"),
        create=lambda t: {
            "kind": "business_case",
            "title": "Why we map",
            "status": "draft",
            "text": "Lead time hurts.",
            "link": "https://wiki.example.com/why",
        },
        update=lambda t: {"status": "done", "text": "Signed off.", "link": None},
        read_all=_records("deliverables"),
        reads_via=("valueStream",),
    ),
    Resource(
        noun="risk",
        type_name="Risk",
        item="/api/v1/risks/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/risks",
        arrange=_stream,
        make=lambda f, t: f.risk(t["parent"], title="Silos resist"),
        create=lambda t: {
            "title": "Silos resist",
            "description": "Teams guard their steps",
            "category": "cultural",
            "likelihood": 4,
            "impact": 3,
            "owner_id": t["person"]["id"],
            "mitigation": "Invite every team lead",
            "status": "mitigating",
        },
        update=lambda t: {"status": "closed", "impact": 5, "owner_id": t["person"]["id"]},
        read_all=_records("risks"),
        reads_via=("valueStream",),
    ),
    Resource(
        noun="action_item",
        type_name="ActionItem",
        item="/api/v1/action-items/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/action-items",
        arrange=_stream,
        make=lambda f, t: f.action_item(t["parent"], title="Book the room"),
        create=lambda t: {
            "title": "Book the room",
            "kind": "parking_lot",
            "description": "Two days",
            "owner_id": t["person"]["id"],
            "due_date": "2027-01-15",
            "status": "in_progress",
        },
        update=lambda t: {"status": "done", "due_date": "2027-02-01", "kind": "action"},
        read_all=_records("actionItems"),
        reads_via=("valueStream",),
    ),
    Resource(
        noun="signoff",
        type_name="SponsorSignoff",
        item="/api/v1/signoffs/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/signoffs",
        arrange=_stream_with_sponsor,
        make=lambda f, t: f.signoff(t["parent"], t["person"]["id"]),
        create=lambda t: {"sponsor_id": t["person"]["id"], "statement": "Aligned and bought in."},
        update=lambda t: {"statement": "Aligned, with one condition."},
        read_all=_records("signoffs"),
        reads_via=("valueStream",),
    ),
]

STREAM = Resource(
    noun="value_stream",
    type_name="ValueStream",
    item="/api/v1/value-streams/{value_stream_id}",
    collection="/api/v1/value-streams",
    arrange=lambda f: {"name": unique("Quote to cash"), "person": f.person(name="Vera")},
    make=lambda f, t: f.value_stream(name=t["name"]),
    create=lambda t: {"name": t["name"], "description": "Quotes", "owner_id": t["person"]["id"]},
    update=lambda t: {"description": "Quotes and orders", "owner_id": t["person"]["id"]},
    read_all=connection("valueStreams"),
    reads_via=("valueStreams",),
    read_one=by_id("valueStream"),
    one_via=("valueStream",),
    parent_argument=None,
    graphql_only={
        "owner": "the owner's record, which REST reads at /people/{id}",
        "days_in_phase": "the timebox, which REST answers in the portfolio",
        "overdue": "the timebox, which REST answers in the portfolio",
        "timebox_days": "the timebox, which REST answers in the portfolio",
        "history": "the phase transitions, which REST answers at /value-streams/{id}/history",
    },
)

FORCED = {"to": "planning", "force": True, "justification": "The sponsor waived the risk log"}


def _stream_moved(api: Api, twin: Twin) -> Any:
    stream_id = twin["stream"]["id"]
    stream = rest_json(api, f"/api/v1/value-streams/{stream_id}")
    history = rest_json(api, f"/api/v1/value-streams/{stream_id}/history")["items"]
    return {"phase": stream["phase"], "version": stream["version"], "history": history}


def _moved_stream(factory: Factory, admin: Factory) -> Twin:
    stream = factory.value_stream()
    admin.api.ok(admin.transition(stream["id"], **FORCED), 201)
    return {"stream": stream}


def _gate_by_graphql(api: Api, twin: Twin) -> Any:
    text = (
        "query($s: ID!) { valueStream(id: $s) { gate { phase nextPhase passed "
        f"criteria {{ {selection('GateCriterion')} }} }} }} }}"
    )
    return comparable(graphql_data(api, text, s=twin["stream"]["id"])["valueStream"]["gate"])


def _history_by_graphql(api: Api, twin: Twin) -> Any:
    history = selection("PhaseTransition")
    text = f"query($s: ID!) {{ valueStream(id: $s) {{ history {{ {history} }} }} }}"
    return comparable(graphql_data(api, text, s=twin["stream"]["id"])["valueStream"]["history"])


def _tuned(playbook: dict[str, Any], days: int) -> dict[str, Any]:
    phases = [
        {**p, "timebox_days": days} if p["key"] == "planning" else p for p in playbook["phases"]
    ]
    return {**playbook, "phases": phases}


def _playbook_by_rest(api: Api, _twin: Twin) -> Any:
    before = api.get("/api/v1/playbook")
    sent = _tuned(before.json(), 45)
    after = api.put("/api/v1/playbook", sent, if_match=before.headers["etag"])
    stored = rest_json(api, "/api/v1/playbook")
    return {"stored": stored == api.ok(after), "tuned": _planning_days(stored)}


def _playbook_by_graphql(api: Api, _twin: Twin) -> Any:
    before = graphql_data(api, "{ playbook { version playbook } }")["playbook"]
    sent = _tuned(before["playbook"], 45)
    after = graphql_data(
        api,
        "mutation($v: Int!, $p: JSON!) { replacePlaybook(expectedVersion: $v, playbook: $p) "
        "{ version playbook } }",
        v=before["version"],
        p=sent,
    )["replacePlaybook"]
    stored = graphql_data(api, "{ playbook { playbook } }")["playbook"]["playbook"]
    return {"stored": stored == after["playbook"], "tuned": _planning_days(stored)}


def _planning_days(playbook: dict[str, Any]) -> Any:
    return next(p["timebox_days"] for p in playbook["phases"] if p["key"] == "planning")


def _record(noun: str) -> Resource:
    return next(resource for resource in RECORDS if resource.noun == noun)


def _participants_of_two_roles(factory: Factory, twin: Twin) -> Twin:
    stream = twin["parent"]
    factory.participant(stream, role="facilitator", person_id=twin["person"]["id"])
    factory.participant(stream, role="facilitator")
    factory.participant(stream)
    return twin


def _deliverables_of_two_kinds(factory: Factory, twin: Twin) -> Twin:
    factory.deliverable(twin["parent"], "business_case", status="draft")
    factory.deliverable(twin["parent"], "charter", status="draft")
    factory.deliverable(twin["parent"], "training_plan", status="done")
    return twin


def _risks_of_two_owners(factory: Factory, twin: Twin) -> Twin:
    stream = twin["parent"]
    factory.risk(stream, category="cultural", owner_id=twin["person"]["id"])
    factory.risk(stream, category="cultural")
    factory.risk(stream, category="other", owner_id=twin["person"]["id"])
    return twin


def _actions_and_parked_items(factory: Factory, twin: Twin) -> Twin:
    stream = twin["parent"]
    factory.action_item(stream, kind="parking_lot", owner_id=twin["person"]["id"])
    factory.action_item(stream, kind="parking_lot", status="done")
    factory.action_item(stream, owner_id=twin["person"]["id"])
    return twin


FILTERS = [
    filtered(
        _record("participant"),
        "participants by role and person",
        arrange=_participants_of_two_roles,
        query=lambda t: {"role": "facilitator", "person_id": t["person"]["id"]},
        through=("valueStream", "participants"),
    ),
    filtered(
        _record("deliverable"),
        "deliverables by status",
        arrange=_deliverables_of_two_kinds,
        query=lambda t: {"status": "draft"},
        through=("valueStream", "deliverables"),
    ),
    filtered(
        _record("deliverable"),
        "deliverables by kind, cycle and phase",
        arrange=_deliverables_of_two_kinds,
        query=lambda t: {"kind": "charter", "cycle": 1, "phase": "pre_planning"},
        through=("valueStream", "deliverables"),
    ),
    filtered(
        _record("risk"),
        "risks by category and owner",
        arrange=_risks_of_two_owners,
        query=lambda t: {"category": "cultural", "owner_id": t["person"]["id"]},
        through=("valueStream", "risks"),
    ),
    filtered(
        _record("action_item"),
        "action items by kind and status",
        arrange=_actions_and_parked_items,
        query=lambda t: {"kind": "parking_lot", "status": "open"},
        through=("valueStream", "actionItems"),
    ),
    filtered(
        _record("action_item"),
        "action items by owner",
        arrange=_actions_and_parked_items,
        query=lambda t: {"owner_id": t["person"]["id"]},
        through=("valueStream", "actionItems"),
    ),
    filtered(
        _record("signoff"),
        "signoffs by cycle and phase",
        arrange=lambda f, t: {**t, "it": f.signoff(t["parent"], t["person"]["id"])},
        query=lambda t: {"cycle": 1, "phase": "pre_planning"},
        through=("valueStream", "signoffs"),
    ),
]

LONG = "x" * 201
REFUSED_FILTERS = [
    refused(
        _record("participant"),
        "participants of a person id that is none",
        query={"person_id": "nobody"},
        through=("valueStream", "participants"),
    ),
    refused(
        _record("deliverable"),
        "deliverables of cycle 0 and of a kind too long",
        query={"cycle": 0, "kind": "k" * 61},
        through=("valueStream", "deliverables"),
    ),
    refused(
        _record("risk"),
        "risks of an owner id that is none",
        query={"owner_id": "nobody"},
        through=("valueStream", "risks"),
    ),
    refused(
        _record("action_item"),
        "action items of cycle 0",
        query={"cycle": 0},
        through=("valueStream", "actionItems"),
    ),
    refused(
        _record("signoff"),
        "signoffs of a negative cycle",
        query={"cycle": -1, "phase": "planning"},
        through=("valueStream", "signoffs"),
    ),
    refused_at_root(
        "value streams of a phase too long",
        rest="/api/v1/value-streams",
        root="valueStreams",
        query={"phase": "p" * 61},
    ),
    refused_at_root(
        "value streams by text too long",
        rest="/api/v1/value-streams",
        root="valueStreams",
        query={"q": LONG},
    ),
    refused_at_root(
        "the portfolio by text too long and an owner id that is none",
        rest="/api/v1/portfolio",
        root="portfolio",
        query={"q": LONG, "owner_id": "nobody"},
        selection="nodes { overdue }",
    ),
]


CASES: list[Case | QueryCase] = [
    *(case for resource in [*RECORDS, STREAM] for case in cases(resource)),
    *FILTERS,
    *REFUSED_FILTERS,
    Case(
        name="force a value stream into the next phase",
        rest=("POST /api/v1/value-streams/{value_stream_id}/transitions",),
        graphql=("transitionValueStream",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/transitions",
            FORCED,
            if_match=t["stream"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!, $v: Int!, $to: String!, $j: String!) { transitionValueStream("
            "id: $s, expectedVersion: $v, to: $to, force: true, justification: $j) "
            "{ transition { id } } }",
            s=t["stream"]["id"],
            v=t["stream"]["version"],
            to=FORCED["to"],
            j=FORCED["justification"],
        ),
        observe=_stream_moved,
    ),
    QueryCase(
        name="what blocks leaving the phase",
        rest=("GET /api/v1/value-streams/{value_stream_id}/gate",),
        graphql=("valueStream",),
        arrange=_moved_stream,
        via_rest=lambda api, t: comparable(
            rest_json(api, f"/api/v1/value-streams/{t['stream']['id']}/gate")
        ),
        via_graphql=_gate_by_graphql,
    ),
    QueryCase(
        name="a value stream's history",
        rest=("GET /api/v1/value-streams/{value_stream_id}/history",),
        graphql=("valueStream",),
        arrange=_moved_stream,
        via_rest=lambda api, t: comparable(
            rest_json(api, f"/api/v1/value-streams/{t['stream']['id']}/history")["items"]
        ),
        via_graphql=_history_by_graphql,
    ),
    QueryCase(
        name="the playbook",
        rest=("GET /api/v1/playbook",),
        graphql=("playbook",),
        arrange=lambda f, a: {},
        via_rest=lambda api, t: {
            "version": int(api.get("/api/v1/playbook").headers["etag"].strip('W/"')),
            "playbook": rest_json(api, "/api/v1/playbook"),
        },
        via_graphql=lambda api, t: graphql_data(api, "{ playbook { version playbook } }")[
            "playbook"
        ],
    ),
    QueryCase(
        name="tune the playbook",
        rest=("PUT /api/v1/playbook",),
        graphql=("replacePlaybook",),
        arrange=lambda f, a: {},
        via_rest=_playbook_by_rest,
        via_graphql=_playbook_by_graphql,
    ),
]
