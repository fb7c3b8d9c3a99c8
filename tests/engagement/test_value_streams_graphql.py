"""The engagement over GraphQL: one query gives a PMO a value stream's whole status."""

from tests.api_client import Api
from tests.factories import Factory

STREAM_QUERY = """
query($id: ID!) {
  valueStream(id: $id) {
    name phase cycle daysInPhase overdue timeboxDays
    owner { name }
    gate { phase nextPhase passed criteria { key passed reason } }
    participants { role championKind personId }
    deliverables { kind status }
    risks { title exposure }
    actionItems { title overdue }
    history { fromPhase toPhase }
  }
}
"""


def test_a_value_stream_with_everything_in_one_query(editor: Api, factory: Factory) -> None:
    owner = factory.person(name="Olivia Owner")
    stream = factory.value_stream(owner_id=owner["id"])
    factory.participant(stream, role="champion", champion_kind="technology_manager")
    factory.deliverable(stream, "business_case")
    factory.risk(stream, likelihood=4, impact=5)

    result = editor.graphql(STREAM_QUERY, {"id": stream["id"]})

    assert "errors" not in result, result
    data = result["data"]["valueStream"]
    assert data["owner"]["name"] == "Olivia Owner"
    assert data["gate"]["phase"] == "pre_planning"
    assert data["participants"][0]["championKind"] == "technology_manager"
    assert data["deliverables"] == [{"kind": "business_case", "status": "done"}]
    assert data["risks"][0]["exposure"] == 20
    assert data["timeboxDays"] == 30


def test_create_and_transition_through_mutations(editor: Api, factory: Factory) -> None:
    created = editor.graphql(
        'mutation { createValueStream(input: {name: "Hire to retire"}) { id version phase } }'
    )["data"]["createValueStream"]

    blocked = editor.graphql(
        """mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1, to: "planning")
           { valueStream { phase } } }""",
        {"id": created["id"]},
    )

    assert blocked["errors"][0]["extensions"]["code"] == "GATE_BLOCKED"
    assert blocked["errors"][0]["extensions"]["criteria"]


def test_child_mutations_create_update_delete(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    created = editor.graphql(
        """mutation($vs: ID!) { createRisk(valueStreamId: $vs, input: {title: "Silo culture",
           category: cultural}) { id version category } }""",
        {"vs": stream["id"]},
    )["data"]["createRisk"]

    updated = editor.graphql(
        """mutation($id: ID!) { updateRisk(id: $id, expectedVersion: 1, input: {status: mitigating})
           { status version } }""",
        {"id": created["id"]},
    )["data"]["updateRisk"]

    assert created["category"] == "cultural"
    assert updated == {"status": "mitigating", "version": 2}


def test_portfolio_over_graphql(editor: Api, factory: Factory) -> None:
    factory.value_stream(name="Alpha")

    result = editor.graphql(
        "{ portfolio(first: 10) { edges { node { valueStream { name } overdue blockingCriteria "
        "gate { passed } } } } }"
    )

    node = result["data"]["portfolio"]["edges"][0]["node"]
    assert node["valueStream"]["name"] == "Alpha"
    assert node["blockingCriteria"] == 8


def test_aliases_of_a_record_list_keep_their_own_filters(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.risk(stream, title="Silos resist", status="open")
    factory.risk(stream, title="Budget cut", status="closed")
    query = """query($id: ID!) { valueStream(id: $id) {
      open: risks(status: open) { title }
      closed: risks(status: closed) { title }
      every: risks { title } } }"""

    result = editor.graphql(query, {"id": stream["id"]})

    assert "errors" not in result, result
    risks = result["data"]["valueStream"]
    assert risks["open"] == [{"title": "Silos resist"}]
    assert risks["closed"] == [{"title": "Budget cut"}]
    assert len(risks["every"]) == 2


def test_a_filter_id_that_is_no_uuid_names_the_argument(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    result = editor.graphql(
        'query($id: ID!) { valueStream(id: $id) { risks(ownerId: "nobody") { title } } }',
        {"id": stream["id"]},
    )

    error = result["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"] == "ownerId"
