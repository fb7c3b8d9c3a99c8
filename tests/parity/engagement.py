"""Parity cases of the engagement: value streams, their records, phases and the playbook."""

from typing import Any

from tests.factories import Factory
from tests.parity.crud import Resource, cases, nested
from tests.parity.harness import Case, QueryCase, Twin


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

CASES: list[Case | QueryCase] = [case for resource in RECORDS for case in cases(resource)]
