"""Parity cases of the transformation backlog: items, ranking, RACI, dependencies, milestones,
its forecast and its items' effects."""

from datetime import timedelta
from typing import Any

from core.types import utcnow
from tests.api_client import Api
from tests.bdd import world
from tests.factories import Factory
from tests.parity.crud import (
    Resource,
    cases,
    filtered,
    nested,
    refused,
    refused_at_root,
    selection,
)
from tests.parity.harness import Case, QueryCase, Twin, comparable, graphql_data, rest_json


def _stream_with_items(factory: Factory, _admin: Factory, *titles: str) -> Twin:
    stream = factory.value_stream()
    items = {t: factory.backlog_item(stream, title=t) for t in titles}
    return {"stream": stream, **items}


def _items_in_order(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/value-streams/{twin['stream']['id']}/backlog-items"
    return [(i["title"], i["type"], i["status"]) for i in api.ok(api.get(url))["items"]]


def _item_with_person(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "Automate the intake")
    return {**twin, "person": factory.person(name="Ada")}


def _raci_of(api: Api, twin: Twin) -> Any:
    item = twin["Automate the intake"]
    assignments = api.ok(api.get(f"/api/v1/backlog-items/{item['id']}/raci"))
    owner = api.ok(api.get(f"/api/v1/backlog-items/{item['id']}"))["owner_id"]
    return {"assignments": assignments, "owner": owner}


def _with_raci(factory: Factory, admin: Factory) -> Twin:
    twin = _item_with_person(factory, admin)
    return {**twin, "raci": factory.raci(twin["Automate the intake"], twin["person"], "R")}


def _dependencies_of(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/backlog-items/{twin['Second']['id']}/dependencies"
    return api.ok(api.get(url))


def _with_dependency(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "First", "Second")
    url = f"/api/v1/backlog-items/{twin['Second']['id']}/dependencies"
    factory.api.ok(factory.api.post(url, {"depends_on_id": twin["First"]["id"]}), 201)
    return twin


def _milestones_of(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/value-streams/{twin['stream']['id']}/milestones"
    return api.ok(api.get(url))["items"]


def _graphql_items(api: Api, twin: Twin) -> Any:
    text = (
        "query($s: ID!) { valueStream(id: $s) { backlogItems { id dependsOn "
        f"raci {{ {selection('RaciAssignment')} }} }} }} }}"
    )
    items = graphql_data(api, text, s=twin["stream"]["id"])["valueStream"]["backlogItems"]
    return comparable(items)


def _items_of_each_type(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "Pair on the intake")
    robot = factory.backlog_item(twin["stream"], title="Robot for the intake", type="automation")
    return {**twin, "robot": robot}


def _stream_with_people(factory: Factory) -> Twin:
    stream = factory.value_stream()
    return {
        "parent": stream,
        "person": factory.person(name="Ada"),
        "team": factory.team(),
        "milestone": factory.milestone(stream, name="Pilot live"),
    }


RECORDS = [
    Resource(
        noun="backlog_item",
        type_name="BacklogItem",
        item="/api/v1/backlog-items/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/backlog-items",
        arrange=_stream_with_people,
        make=lambda f, t: f.backlog_item(t["parent"], title="Automate approval", job_size=5),
        create=lambda t: {"title": "Automate approval"},
        update=lambda t: {
            "status": "in_progress",
            "business_value": 8,
            "time_criticality": 5,
            "risk_reduction": 3,
            "owner_id": t["person"]["id"],
            "team_id": t["team"]["id"],
            "milestone_id": t["milestone"]["id"],
            "due_date": "2027-02-15",
            "expected_effects": [{"metric": "lead_time", "change": -20}],
        },
        read_all=nested("valueStream", "backlogItems"),
        reads_via=("valueStream",),
        graphql_only={
            "owner": "the owner's record, which REST reads at /people/{id}",
            "raci": "the assignments, which REST lists at /backlog-items/{id}/raci",
            "depends_on": "the dependencies, which REST lists at /backlog-items/{id}/dependencies",
        },
        skip=frozenset({"create"}),
    ),
    Resource(
        noun="milestone",
        type_name="Milestone",
        item="/api/v1/milestones/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/milestones",
        arrange=lambda f: {"parent": f.value_stream()},
        make=lambda f, t: f.milestone(t["parent"], name="Pilot live"),
        create=lambda t: {"name": "Pilot live"},
        update=lambda t: {"name": "Pilot in production", "due_date": "2027-04-30"},
        read_all=nested("valueStream", "milestones"),
        reads_via=("valueStream",),
        skip=frozenset({"create"}),
    ),
]


def _items_of_two_owners(factory: Factory, twin: Twin) -> Twin:
    stream, owner = twin["parent"], twin["person"]["id"]
    valued = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3}
    factory.backlog_item(stream, title="Automate approval", owner_id=owner, job_size=8, **valued)
    factory.backlog_item(stream, title="Automate intake", owner_id=owner, job_size=2, **valued)
    factory.backlog_item(
        stream, title="Train the approvers", milestone_id=twin["milestone"]["id"], type="training"
    )
    factory.backlog_item(stream, title="Automate billing", due_date="2020-01-31")
    return twin


def _partly_done(factory: Factory, _admin: Factory) -> Twin:
    """Three items done today, two open: a history and what remains of the backlog."""
    stream, owner = factory.value_stream(), factory.person()
    for title in ("Map the intake", "Automate approval", "Train the approvers"):
        factory.finish(factory.backlog_item(stream, title=title), owner)
    for title in ("Automate billing", "Retire the old form"):
        factory.backlog_item(stream, title=title)
    tomorrow = utcnow().date() + timedelta(days=1)
    return {"stream": stream, "start": tomorrow, "by": tomorrow + timedelta(days=6)}


def _backlog_forecast_by_graphql(api: Api, twin: Twin) -> Any:
    text = (
        "query($s: ID!, $start: Date!, $by: Date!) { deliveryForecast(valueStreamId: $s, "
        "source: backlog, start: $start, by: $by, historyDays: 7, trials: 500) { "
        f"{selection('Forecast')} }} }}"
    )
    found = graphql_data(
        api,
        text,
        s=twin["stream"]["id"],
        start=twin["start"].isoformat(),
        by=twin["by"].isoformat(),
    )
    return comparable(found["deliveryForecast"])


EFFECTS = [
    {"metric": "lead_time", "change": -2, "unit": "days", "note": "no second approval"},
    {"metric": "flow_time", "change": -5, "unit": "days"},
]


def _remapped(factory: Factory, admin: Factory) -> Twin:
    """An item done between two current-state maps: its lead time measured, its flow time
    awaiting the days after it; an open item beside it."""
    stream = world.create_stream(factory)
    ref, owner = {"id": stream.id}, factory.person()
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P3D")
    item = factory.backlog_item(ref, title="Drop the second approval", expected_effects=EFFECTS)
    factory.backlog_item(ref, title="Automate billing", expected_effects=EFFECTS)
    factory.finish(item, owner)
    world.bring_to(admin.api, stream, "execution")
    admin.api.ok(world.move(admin.api, stream, "iterate", force=True, justification="remap"), 201)
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P1D")
    return {"stream": ref, "item": item}


def _effects_by_graphql(root: str, argument: str, key: str) -> Any:
    def read(api: Api, twin: Twin) -> Any:
        text = (
            f"query($i: ID!) {{ {root}({argument}: $i, windowDays: 14) {{ "
            f"{selection('BacklogItemEffects')} }} }}"
        )
        return comparable(graphql_data(api, text, i=twin[key]["id"])[root])

    return read


CASES: list[Case | QueryCase] = [
    *(case for resource in RECORDS for case in cases(resource)),
    filtered(
        RECORDS[0],
        "backlog items by owner, by WSJF",
        arrange=_items_of_two_owners,
        query=lambda t: {"owner_id": t["person"]["id"], "sort": "wsjf"},
        through=("valueStream", "backlogItems"),
    ),
    filtered(
        RECORDS[0],
        "backlog items by text and status",
        arrange=_items_of_two_owners,
        query=lambda t: {"q": "automate", "status": "proposed", "overdue": False},
        through=("valueStream", "backlogItems"),
    ),
    filtered(
        RECORDS[0],
        "backlog items by milestone and type",
        arrange=_items_of_two_owners,
        query=lambda t: {"milestone_id": t["milestone"]["id"], "type": "training"},
        through=("valueStream", "backlogItems"),
    ),
    refused(
        RECORDS[0],
        "backlog items sorted by size",
        query={"sort": "size"},
        through=("valueStream", "backlogItems"),
    ),
    refused(
        RECORDS[0],
        "backlog items by text too long and a milestone id that is none",
        query={"q": "q" * 201, "milestone_id": "someday"},
        through=("valueStream", "backlogItems"),
    ),
    refused_at_root(
        "a backlog page by text too long, sorted by size",
        rest="/api/v1/value-streams/{parent_id}/backlog-items",
        root="backlog",
        query={"q": "q" * 201, "sort": "size"},
        arrange=lambda f, _a: RECORDS[0].arrange(f),
        parent=lambda t: t["parent"]["id"],
        given=lambda t: {"valueStreamId": t["parent"]["id"]},
    ),
    Case(
        name="create a backlog item",
        rest=("POST /api/v1/value-streams/{parent_id}/backlog-items",),
        graphql=("createBacklogItem",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/backlog-items",
            {"title": "Automate the intake", "type": "automation", "job_size": 3},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!) { createBacklogItem(valueStreamId: $s, input: "
            '{title: "Automate the intake", type: automation, jobSize: 3}) { id } }',
            s=t["stream"]["id"],
        ),
        observe=_items_in_order,
    ),
    Case(
        name="move a backlog item to the top",
        rest=("POST /api/v1/backlog-items/{item_id}/move",),
        graphql=("moveBacklogItem",),
        arrange=lambda f, a: _stream_with_items(f, a, "A", "B", "C"),
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['C']['id']}/move", {}, if_match=t["C"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { moveBacklogItem(id: $i, expectedVersion: $v, "
            "input: {}) { id } }",
            i=t["C"]["id"],
            v=t["C"]["version"],
        ),
        observe=_items_in_order,
    ),
    Case(
        name="make a person accountable",
        rest=("POST /api/v1/backlog-items/{item_id}/raci",),
        graphql=("assignRaci",),
        arrange=_item_with_person,
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['Automate the intake']['id']}/raci",
            {"person_id": t["person"]["id"], "role": "A"},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $p: ID!) { assignRaci(itemId: $i, personId: $p, role: A) { id } }",
            i=t["Automate the intake"]["id"],
            p=t["person"]["id"],
        ),
        observe=_raci_of,
    ),
    Case(
        name="remove a RACI assignment",
        rest=("DELETE /api/v1/raci/{assignment_id}",),
        graphql=("removeRaci",),
        arrange=_with_raci,
        via_rest=lambda api, t: api.delete(
            f"/api/v1/raci/{t['raci']['id']}", if_match=t["raci"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { removeRaci(id: $i, expectedVersion: $v) }",
            i=t["raci"]["id"],
            v=t["raci"]["version"],
        ),
        observe=_raci_of,
    ),
    Case(
        name="make an item depend on another",
        rest=("POST /api/v1/backlog-items/{item_id}/dependencies",),
        graphql=("addDependency",),
        arrange=lambda f, a: _stream_with_items(f, a, "First", "Second"),
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['Second']['id']}/dependencies",
            {"depends_on_id": t["First"]["id"]},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $d: ID!) { addDependency(itemId: $i, dependsOnId: $d) { id } }",
            i=t["Second"]["id"],
            d=t["First"]["id"],
        ),
        observe=_dependencies_of,
    ),
    Case(
        name="drop a dependency",
        rest=("DELETE /api/v1/backlog-items/{item_id}/dependencies/{depends_on_id}",),
        graphql=("removeDependency",),
        arrange=_with_dependency,
        via_rest=lambda api, t: api.delete(
            f"/api/v1/backlog-items/{t['Second']['id']}/dependencies/{t['First']['id']}"
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $d: ID!) { removeDependency(itemId: $i, dependsOnId: $d) { id } }",
            i=t["Second"]["id"],
            d=t["First"]["id"],
        ),
        observe=_dependencies_of,
    ),
    Case(
        name="add a milestone",
        rest=("POST /api/v1/value-streams/{parent_id}/milestones",),
        graphql=("createMilestone",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/milestones",
            {"name": "Pilot live", "description": "First team", "due_date": "2027-03-31"},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!) { createMilestone(valueStreamId: $s, input: {name: "
            '"Pilot live", description: "First team", dueDate: "2027-03-31"}) { id } }',
            s=t["stream"]["id"],
        ),
        observe=_milestones_of,
    ),
    QueryCase(
        name="who is responsible for an item",
        rest=("GET /api/v1/backlog-items/{item_id}/raci",),
        graphql=("valueStream",),
        arrange=_with_raci,
        via_rest=lambda api, t: comparable(
            rest_json(api, f"/api/v1/backlog-items/{t['Automate the intake']['id']}/raci")
        ),
        via_graphql=lambda api, t: [
            {k: v for k, v in assignment.items() if k != "person"}
            for assignment in _graphql_items(api, t)[0]["raci"]
        ],
    ),
    QueryCase(
        name="what an item depends on",
        rest=("GET /api/v1/backlog-items/{item_id}/dependencies",),
        graphql=("valueStream",),
        arrange=_with_dependency,
        via_rest=lambda api, t: rest_json(
            api, f"/api/v1/backlog-items/{t['Second']['id']}/dependencies"
        ),
        via_graphql=lambda api, t: next(
            item["depends_on"] for item in _graphql_items(api, t) if item["id"] == t["Second"]["id"]
        ),
    ),
    QueryCase(
        name="the backlog of one type",
        rest=("GET /api/v1/value-streams/{parent_id}/backlog-items",),
        graphql=("backlog",),
        arrange=_items_of_each_type,
        via_rest=lambda api, t: [
            item["title"]
            for item in api.ok(
                api.get(
                    f"/api/v1/value-streams/{t['stream']['id']}/backlog-items",
                    params={"type": "automation"},
                )
            )["items"]
        ],
        via_graphql=lambda api, t: [
            edge["node"]["title"]
            for edge in graphql_data(
                api,
                "query($s: ID!) { backlog(valueStreamId: $s, type: automation) "
                "{ edges { node { title } } } }",
                s=t["stream"]["id"],
            )["backlog"]["edges"]
        ],
    ),
    QueryCase(
        name="a Monte Carlo forecast of the backlog's open items",
        rest=("GET /api/v1/value-streams/{value_stream_id}/forecast",),
        graphql=("deliveryForecast",),
        arrange=_partly_done,
        via_rest=lambda api, t: comparable(
            rest_json(
                api,
                f"/api/v1/value-streams/{t['stream']['id']}/forecast",
                source="backlog",
                start=t["start"].isoformat(),
                by=t["by"].isoformat(),
                history_days=7,
                trials=500,
            )
        ),
        via_graphql=_backlog_forecast_by_graphql,
    ),
    QueryCase(
        name="an item's expected effects beside the change measured",
        rest=("GET /api/v1/backlog-items/{item_id}/effects",),
        graphql=("backlogItemEffects",),
        arrange=_remapped,
        via_rest=lambda api, t: comparable(
            rest_json(api, f"/api/v1/backlog-items/{t['item']['id']}/effects", window_days=14)
        ),
        via_graphql=_effects_by_graphql("backlogItemEffects", "itemId", "item"),
    ),
    QueryCase(
        name="a stream's done items with their expected and realised effects",
        rest=("GET /api/v1/value-streams/{value_stream_id}/backlog-effects",),
        graphql=("backlogEffects",),
        arrange=_remapped,
        via_rest=lambda api, t: comparable(
            rest_json(
                api,
                f"/api/v1/value-streams/{t['stream']['id']}/backlog-effects",
                window_days=14,
            )
        ),
        via_graphql=_effects_by_graphql("backlogEffects", "valueStreamId", "stream"),
    ),
]
