"""The playbook: DESIGN.md's table by default, an organization's own rules once replaced."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

DEFAULT_CRITERIA = {
    "pre_planning": [
        "core_team_champions",
        "sponsor",
        "business_case",
        "draft_goals",
        "expected_benefits",
        "risk_log",
        "training_strategy",
        "draft_metrics",
    ],
    "planning": [
        "final_goals",
        "key_flow_metrics",
        "working_agreement",
        "training_content",
        "participants_identified",
        "trained_facilitator",
        "workshop_agenda",
        "logistics",
    ],
    "current_state": [
        "current_map_complete",
        "handoffs_recorded",
        "waste_analyzed",
        "readout_summary",
        "action_items",
    ],
    "desired_state": ["desired_map_faster", "sponsor_signoff"],
    "transformation_plan": [
        "prioritized_backlog",
        "committed_items_owned",
        "roadmap_milestone",
        "vsm_owner",
    ],
    "execution": [],
}

LEAN_PLAYBOOK: dict[str, Any] = {
    "iterate_to": "map",
    "phases": [
        {
            "key": "kickoff",
            "name": "Kick-off",
            "goal": "Agree why we map.",
            "timebox_days": 14,
            "criteria": [
                {
                    "key": "two_risks",
                    "check": "risks",
                    "description": "At least two risks in the log",
                    "params": {"min": 2},
                },
                {
                    "key": "a_sponsor",
                    "check": "participants",
                    "description": "A sponsor",
                    "params": {"role": "sponsor"},
                },
            ],
        },
        {"key": "map", "name": "Map", "timebox_days": 3, "criteria": []},
        {"key": "improve", "name": "Improve", "criteria": []},
    ],
}


def test_the_default_playbook_is_the_design_table(viewer: Api) -> None:
    response = viewer.get("/api/v1/playbook")

    playbook = viewer.ok(response)
    assert response.headers["etag"] == '"0"'
    assert [p["key"] for p in playbook["phases"]] == list(DEFAULT_CRITERIA)
    assert {p["key"]: [c["key"] for c in p["criteria"]] for p in playbook["phases"]} == (
        DEFAULT_CRITERIA
    )
    assert [p["timebox_days"] for p in playbook["phases"]] == [30, 60, 2, 2, 2, None]
    assert playbook["iterate_to"] == "current_state"
    assert all(c["description"] for p in playbook["phases"] for c in p["criteria"])


def test_an_admin_replaces_the_playbook_at_version_zero(admin: Api) -> None:
    replaced = admin.put("/api/v1/playbook", LEAN_PLAYBOOK, if_match=0)

    assert admin.ok(replaced)["iterate_to"] == "map"
    assert replaced.headers["etag"] == '"1"'
    read = admin.get("/api/v1/playbook")
    assert read.headers["etag"] == '"1"'
    assert [p["key"] for p in read.json()["phases"]] == ["kickoff", "map", "improve"]
    assert read.json()["phases"][0]["criteria"][0]["params"] == {"min": 2}


def test_each_replacement_moves_the_version_on(admin: Api) -> None:
    admin.ok(admin.put("/api/v1/playbook", LEAN_PLAYBOOK, if_match=0))
    tuned = {**LEAN_PLAYBOOK, "iterate_to": "kickoff"}

    second = admin.put("/api/v1/playbook", tuned, if_match=1)
    stale = admin.put("/api/v1/playbook", LEAN_PLAYBOOK, if_match=1)

    assert second.headers["etag"] == '"2"'
    assert_problem(stale, 412, code="STALE_VERSION")
    assert admin.ok(admin.get("/api/v1/playbook"))["iterate_to"] == "kickoff"


def test_new_value_streams_start_in_the_custom_first_phase(
    admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(LEAN_PLAYBOOK))

    stream = factory.value_stream()

    assert (stream["phase"], stream["cycle"]) == ("kickoff", 1)


def test_the_gate_checks_the_custom_criteria(
    editor: Api, admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(LEAN_PLAYBOOK))
    stream = factory.value_stream()
    factory.sponsor(stream)
    factory.risk(stream)

    gate = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/gate"))

    assert (gate["phase"], gate["next_phase"], gate["passed"]) == ("kickoff", "map", False)
    by_key = {c["key"]: c for c in gate["criteria"]}
    assert list(by_key) == ["two_risks", "a_sponsor"]
    assert by_key["two_risks"]["passed"] is False
    assert "1 risk" in by_key["two_risks"]["reason"]
    assert "at least 2" in by_key["two_risks"]["reason"]
    assert by_key["a_sponsor"]["passed"] is True


def test_a_second_risk_opens_the_custom_gate(
    editor: Api, admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(LEAN_PLAYBOOK))
    stream = factory.value_stream()
    factory.sponsor(stream)
    factory.risk(stream)
    blocked = factory.transition(stream["id"], "map")
    factory.risk(stream)

    moved = factory.transition(stream["id"], "map")

    assert_problem(blocked, 409, code="GATE_BLOCKED")
    assert [c["key"] for c in blocked.json()["criteria"]] == ["two_risks"]
    assert editor.ok(moved, 201)["value_stream"]["phase"] == "map"


def test_the_custom_playbook_iterates_to_its_own_phase(
    admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(LEAN_PLAYBOOK))
    stream = factory.value_stream()
    factory.sponsor(stream)
    factory.risk(stream)
    factory.risk(stream)
    factory.api.ok(factory.transition(stream["id"], "map"), 201)
    factory.api.ok(factory.transition(stream["id"], "improve"), 201)

    iterated = factory.api.ok(factory.transition(stream["id"], "iterate"), 201)

    assert (iterated["value_stream"]["phase"], iterated["value_stream"]["cycle"]) == ("map", 2)
    assert iterated["transition"]["kind"] == "iterate"


def test_portfolio_and_timeboxes_follow_the_custom_playbook(
    editor: Api, admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(LEAN_PLAYBOOK))
    factory.value_stream(name="Alpha")

    row = editor.ok(editor.get("/api/v1/portfolio"))["items"][0]

    assert (row["phase"], row["phase_name"], row["timebox_days"]) == ("kickoff", "Kick-off", 14)
    assert (row["gate_passed"], row["blocking_criteria"]) == (False, 2)


def test_a_replacement_keeping_the_phases_in_use_leaves_streams_where_they_are(
    admin: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    keeps_pre_planning = {
        "iterate_to": "pre_planning",
        "phases": [
            {"key": "pre_planning", "name": "Getting ready"},
            {"key": "mapping", "name": "Mapping"},
        ],
    }

    admin.ok(admin.put("/api/v1/playbook", keeps_pre_planning, if_match=0))

    after = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}"))
    assert (after["phase"], after["version"]) == ("pre_planning", stream["version"])
    gate = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/gate"))
    assert (gate["passed"], gate["next_phase"], gate["criteria"]) == (True, "mapping", [])


def test_the_playbook_of_one_organization_is_not_another_ones(
    admin: Api, outsider: Api, outsider_factory: Factory
) -> None:
    outsider.ok(outsider.put("/api/v1/playbook", LEAN_PLAYBOOK, if_match=0))

    ours = admin.get("/api/v1/playbook")

    assert ours.headers["etag"] == '"0"'
    assert ours.json()["phases"][0]["key"] == "pre_planning"
    assert outsider_factory.value_stream()["phase"] == "kickoff"


# --- GraphQL ------------------------------------------------------------------------------

REPLACE = """mutation($v: Int!, $p: JSON!) {
  replacePlaybook(expectedVersion: $v, playbook: $p) { version playbook }
}"""


def test_graphql_answers_the_default_playbook_at_version_zero(viewer: Api) -> None:
    result = viewer.graphql("{ playbook { version playbook } }")

    assert "errors" not in result, result
    payload = result["data"]["playbook"]
    assert payload["version"] == 0
    phases = payload["playbook"]["phases"]
    assert {p["key"]: [c["key"] for c in p["criteria"]] for p in phases} == DEFAULT_CRITERIA


def test_graphql_replaces_the_playbook(admin: Api, factory: Factory) -> None:
    result = admin.graphql(REPLACE, {"v": 0, "p": LEAN_PLAYBOOK})

    assert "errors" not in result, result
    payload = result["data"]["replacePlaybook"]
    assert payload["version"] == 1
    assert [p["key"] for p in payload["playbook"]["phases"]] == ["kickoff", "map", "improve"]
    assert admin.graphql("{ playbook { version } }")["data"]["playbook"]["version"] == 1
    assert admin.get("/api/v1/playbook").headers["etag"] == '"1"'
    assert factory.value_stream()["phase"] == "kickoff"


def test_graphql_gate_uses_the_replaced_playbook(admin: Api, factory: Factory) -> None:
    admin.graphql(REPLACE, {"v": 0, "p": LEAN_PLAYBOOK})
    stream = factory.value_stream()
    factory.risk(stream)

    result = admin.graphql(
        """query($id: ID!) { valueStream(id: $id) {
             phase timeboxDays gate { passed criteria { key passed reason } } } }""",
        {"id": stream["id"]},
    )

    data = result["data"]["valueStream"]
    assert (data["phase"], data["timeboxDays"], data["gate"]["passed"]) == ("kickoff", 14, False)
    assert [(c["key"], c["passed"]) for c in data["gate"]["criteria"]] == [
        ("two_risks", False),
        ("a_sponsor", False),
    ]
