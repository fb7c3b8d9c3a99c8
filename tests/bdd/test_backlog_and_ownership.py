"""Feature: The transformation backlog and who owns it
(features/backlog_and_ownership.feature).

Items are named by their titles and people by their first names; both are made through
the API on first mention.
"""

from datetime import datetime, timedelta
from typing import Any

import parse
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import refused
from tests.bdd.world import Stream
from tests.clock import ManualClock
from tests.factories import Factory

scenarios("backlog_and_ownership.feature")

SCORES = {
    "business value": "business_value",
    "time criticality": "time_criticality",
    "risk reduction": "risk_reduction",
    "job size": "job_size",
}
STATUSES = ("proposed", "ready", "in progress", "blocked", "done", "dropped")
COMMITTED = {"ready", "in_progress", "blocked", "done"}
REFUSALS = {
    "a committed item needs its accountable owner": (422, "needs its accountable owner"),
    "the item already has an accountable person": (409, "already has an accountable person"),
    "a committed item keeps its accountable person": (409, "keeps its accountable person"),
    "the dependency would make a cycle": (422, "would make a cycle"),
}


@parse.with_pattern(r"(?:still )?(?:" + "|".join(STATUSES) + ")")
def _status(text: str) -> str:
    return text.removeprefix("still ").replace(" ", "_")


def p(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types={**world.EXTRA_TYPES, "Status": _status})


@pytest.fixture
def people() -> dict[str, dict[str, Any]]:
    """The people of the scenario by first name."""
    return {}


def person(factory: Factory, people: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    if name not in people:
        people[name] = factory.person(name=name)
    return people[name]


def backlog(api: Api, stream: Stream, **params: Any) -> list[dict[str, Any]]:
    return world.backlog(api, stream, **params)


def titles(api: Api, stream: Stream, **params: Any) -> list[str]:
    return [i["title"] for i in backlog(api, stream, **params)]


def item(api: Api, stream: Stream, title: str) -> dict[str, Any]:
    found = [i for i in backlog(api, stream) if i["title"] == title]
    assert len(found) == 1, f"no single backlog item {title!r}: {found}"
    return found[0]


def item_url(found: dict[str, Any]) -> str:
    return f"{world.API}/backlog-items/{found['id']}"


def raci(api: Api, found: dict[str, Any]) -> list[dict[str, Any]]:
    return api.ok(api.get(f"{item_url(found)}/raci"))


# -- Given -------------------------------------------------------------------------------


@given("the backlog holds these items:")
def backlog_with_scores(factory: Factory, stream: Stream, datatable: list[list[str]]) -> None:
    for row in world.rows(datatable):
        scores = {SCORES[k]: int(v) for k, v in row.items() if k in SCORES and v}
        factory.backlog_item(stream.ref, title=row["item"], **scores)


@given(p("the backlog holds {names:Quoted}"))
def backlog_with_titles(factory: Factory, stream: Stream, names: list[str]) -> None:
    for title in names:
        factory.backlog_item(stream.ref, title=title)


@given(p('the backlog holds "{title}", committed with {name:Person} accountable'))
def backlog_with_committed_item(
    factory: Factory, stream: Stream, people: dict[str, dict[str, Any]], title: str, name: str
) -> None:
    owner = person(factory, people, name)
    factory.backlog_item(stream.ref, title=title, status="ready", owner_id=owner["id"])


@given(p('"{title}" depends on "{other}"'))
def depends_on(editor: Api, stream: Stream, title: str, other: str) -> None:
    answer = add_dependency(editor, stream, title, other)
    editor.ok(answer, 201)


@given(p('the roadmap has the milestone "{name}"'), target_fixture="milestones")
def roadmap_milestone(factory: Factory, stream: Stream, name: str) -> dict[str, Any]:
    return {name: factory.milestone(stream.ref, name=name, due_date=world.in_days(90))}


@given(p('these items are planned for "{name}":'))
def items_planned_for(
    factory: Factory,
    stream: Stream,
    milestones: dict[str, Any],
    name: str,
    datatable: list[list[str]],
) -> None:
    owner = factory.person()
    for row in world.rows(datatable):
        status = row["status"].replace(" ", "_")
        fields: dict[str, Any] = {"status": status, "milestone_id": milestones[name]["id"]}
        if status in COMMITTED:
            fields["owner_id"] = owner["id"]
        factory.backlog_item(stream.ref, title=row["item"], **fields)


# -- When --------------------------------------------------------------------------------


def ranks(api: Api, stream: Stream) -> dict[str, str]:
    return {i["title"]: i["rank"] for i in backlog(api, stream)}


@when(p('the team moves "{title}" to just after "{anchor}"'), target_fixture="ranks_before")
def moves_after(editor: Api, stream: Stream, title: str, anchor: str) -> dict[str, str]:
    before = ranks(editor, stream)
    moving = item(editor, stream, title)
    body = {"after_id": item(editor, stream, anchor)["id"]}
    editor.ok(editor.post(f"{item_url(moving)}/move", body, if_match=moving["version"]))
    return before


@when(p('the team moves "{title}" to the top'), target_fixture="ranks_before")
def moves_to_top(editor: Api, stream: Stream, title: str) -> dict[str, str]:
    before = ranks(editor, stream)
    moving = item(editor, stream, title)
    editor.ok(editor.post(f"{item_url(moving)}/move", {}, if_match=moving["version"]))
    return before


@when(p('the team commits "{title}" without naming who is accountable'), target_fixture="answer")
def commits_without_owner(editor: Api, stream: Stream, title: str) -> Any:
    found = item(editor, stream, title)
    return editor.patch(item_url(found), {"status": "ready"}, if_match=found["version"])


@when(p('the team commits "{title}" with {name:Person} accountable'))
def commits_with_owner(
    factory: Factory, editor: Api, stream: Stream, people: dict[str, Any], title: str, name: str
) -> None:
    found = item(editor, stream, title)
    body = {"status": "ready", "owner_id": person(factory, people, name)["id"]}
    editor.ok(editor.patch(item_url(found), body, if_match=found["version"]))


def assign(
    factory: Factory, people: dict[str, Any], found: dict[str, Any], name: str, role: str
) -> Any:
    body = {"person_id": person(factory, people, name)["id"], "role": role}
    return factory.api.post(f"{item_url(found)}/raci", body)


@when(p('the team makes {name:Person} accountable for "{title}" as well'), target_fixture="answer")
def makes_accountable_as_well(
    factory: Factory, editor: Api, stream: Stream, people: dict[str, Any], name: str, title: str
) -> Any:
    return assign(factory, people, item(editor, stream, title), name, "A")


@when(p('the team makes {name:Person} responsible for "{title}"'))
def makes_responsible(
    factory: Factory, editor: Api, stream: Stream, people: dict[str, Any], name: str, title: str
) -> None:
    editor.ok(assign(factory, people, item(editor, stream, title), name, "R"), 201)


@when(p('the team removes {name:Person}\'s accountability for "{title}"'), target_fixture="answer")
def removes_accountability(
    editor: Api, stream: Stream, people: dict[str, Any], name: str, title: str
) -> Any:
    found = item(editor, stream, title)
    [row] = [
        r for r in raci(editor, found) if r["role"] == "A" and r["person_id"] == people[name]["id"]
    ]
    return editor.delete(f"{world.API}/raci/{row['id']}", if_match=row["version"])


@when(p('the team makes {name:Person} the owner of "{title}"'))
def makes_owner(
    factory: Factory, editor: Api, stream: Stream, people: dict[str, Any], name: str, title: str
) -> None:
    found = item(editor, stream, title)
    body = {"owner_id": person(factory, people, name)["id"]}
    editor.ok(editor.patch(item_url(found), body, if_match=found["version"]))


def add_dependency(api: Api, stream: Stream, title: str, other: str) -> Any:
    found = item(api, stream, title)
    body = {"depends_on_id": item(api, stream, other)["id"]}
    return api.post(f"{item_url(found)}/dependencies", body)


@when(p('the team makes "{title}" depend on "{other}"'), target_fixture="answer")
def makes_depend(editor: Api, stream: Stream, title: str, other: str) -> Any:
    return add_dependency(editor, stream, title, other)


# -- Then --------------------------------------------------------------------------------


@then("their WSJF is:")
def wsjf_is(editor: Api, stream: Stream, datatable: list[list[str]]) -> None:
    scored = {i["title"]: i["wsjf"] for i in backlog(editor, stream)}
    expected = {
        row["item"]: None if row["WSJF"] == "none" else float(row["WSJF"])
        for row in world.rows(datatable)
    }
    assert scored == expected


@then(p("ordered by WSJF, the backlog reads {names:Quoted}"))
def ordered_by_wsjf(editor: Api, stream: Stream, names: list[str]) -> None:
    assert titles(editor, stream, sort="wsjf") == names


@then(p("in the team's own ranking, the backlog reads {names:Quoted}"))
def ordered_by_rank(editor: Api, stream: Stream, names: list[str]) -> None:
    assert titles(editor, stream) == names


@then(p('only "{title}" changed its place: the others kept theirs'))
def only_one_moved(editor: Api, stream: Stream, ranks_before: dict[str, str], title: str) -> None:
    after = ranks(editor, stream)
    changed = sorted(t for t in after if after[t] != ranks_before[t])
    assert changed == [title], (ranks_before, after)


@then(p("it is refused because {why}"))
def it_is_refused(answer: Any, why: str) -> None:
    status, fragment = REFUSALS[why]
    body = refused(answer, status)
    world.assert_mentions(body["detail"], fragment)


@then(p('"{title}" is {status:Status}'))
def item_status(editor: Api, stream: Stream, title: str, status: str) -> None:
    assert item(editor, stream, title)["status"] == status


def accountable(api: Api, found: dict[str, Any]) -> list[str]:
    return [r["person_id"] for r in raci(api, found) if r["role"] == "A"]


@then(p('{name:Person} is the only accountable person for "{title}"'))
@then(p('{name:Person} is still the only accountable person for "{title}"'))
def only_accountable(
    editor: Api, stream: Stream, people: dict[str, Any], name: str, title: str
) -> None:
    found = item(editor, stream, title)
    assert accountable(editor, found) == [people[name]["id"]]
    assert found["owner_id"] == people[name]["id"], found


@then(p('"{title}" has {a:Person} accountable and {r:Person} responsible'))
def raci_of_item(
    editor: Api, stream: Stream, people: dict[str, Any], title: str, a: str, r: str
) -> None:
    roles = sorted(
        (row["role"], row["person_id"]) for row in raci(editor, item(editor, stream, title))
    )
    assert roles == [("A", people[a]["id"]), ("R", people[r]["id"])]


def dependencies(api: Api, stream: Stream, title: str) -> list[str]:
    found = item(api, stream, title)
    ids = api.ok(api.get(f"{item_url(found)}/dependencies"))
    by_id = {i["id"]: i["title"] for i in backlog(api, stream)}
    return sorted(by_id[i] for i in ids)


@then(p('"{title}" depends on nothing'))
def depends_on_nothing(editor: Api, stream: Stream, title: str) -> None:
    assert dependencies(editor, stream, title) == []


@then(p('"{title}" depends on {names:Quoted}'))
def depends_on_these(editor: Api, stream: Stream, title: str, names: list[str]) -> None:
    assert dependencies(editor, stream, title) == sorted(names)


@then(p('"{name}" is {percent:Num}% done, {done:d} of {total:d} items'))
def milestone_progress(
    editor: Api, milestones: dict[str, Any], name: str, percent: float, done: int, total: int
) -> None:
    read = editor.ok(editor.get(f"{world.API}/milestones/{milestones[name]['id']}"))
    assert read["progress"] == {"items": total, "done": done, "percent": percent}, read


# -- expected and realised effects, and the backlog's forecast -------------------------------

RAISE_OR_CUT = {"raise": 1, "cut": -1}
METRICS = {"the deployment frequency": "deployment_frequency", "the flow time": "flow_time"}
DAY = timedelta(days=1)


@given(p('the backlog holds "{title}", expected to {way} {metric} by {change:Num} {unit}'))
def backlog_with_expectation(
    factory: Factory, stream: Stream, title: str, way: str, metric: str, change: float, unit: str
) -> None:
    effect = {"metric": METRICS[metric], "change": RAISE_OR_CUT[way] * change, "unit": unit}
    factory.backlog_item({"id": stream.id}, title=title, expected_effects=[effect])


@given(p("the pipeline deployed every other day over the last {days:d} days"))
def deployed_every_other_day(
    factory: Factory, stream: Stream, clock: ManualClock, days: int
) -> None:
    now = clock()
    deployed = [now - days * DAY + (2 * k + 1) * DAY for k in range(days // 2)]
    factory.ingest(
        {"id": stream.id},
        "deployments",
        [{"external_id": f"B{n}", "deployed_at": t.isoformat()} for n, t in enumerate(deployed)],
    )


@when(p('the team marks "{title}" done with {name:Person} accountable'))
def marks_done(
    factory: Factory, editor: Api, stream: Stream, people: dict[str, Any], title: str, name: str
) -> None:
    factory.finish(item(editor, stream, title), person(factory, people, name))


@when(
    p('the pipeline reports deploying {times:d} times every {days:d} days since "{title}" was done')
)
def deploys_since(
    factory: Factory, editor: Api, stream: Stream, times: int, days: int, title: str
) -> None:
    done = datetime.fromisoformat(item(editor, stream, title)["done_at"])
    every = days * DAY / times
    deployed = [done + k * every + timedelta(hours=1) for k in range(int(30 * DAY / every))]
    factory.ingest(
        {"id": stream.id},
        "deployments",
        [{"external_id": f"A{n}", "deployed_at": t.isoformat()} for n, t in enumerate(deployed)],
    )


def effect_on(api: Api, stream: Stream, title: str, metric: str) -> dict[str, Any]:
    found = item(api, stream, title)
    answer = api.ok(api.get(f"{item_url(found)}/effects"))
    (effect,) = [e for e in answer["effects"] if e["metric"] == METRICS[metric]]
    return effect


@then(p('the change "{title}" made to {metric} awaits the {days:d} days after it'))
def effect_awaits(editor: Api, stream: Stream, title: str, metric: str, days: int) -> None:
    effect = effect_on(editor, stream, title, metric)
    assert effect["status"] == "awaiting_data", effect
    assert f"the {days} days after the item was done" in effect["reason"]
    assert effect["change"] is None


@then(
    p(
        '"{title}" moved {metric} from {before:Num} to {after:Num} {unit}, '
        "a change of {change:Num}: {share:Num}% of the promise"
    )
)
def effect_measured(
    editor: Api,
    stream: Stream,
    title: str,
    metric: str,
    before: float,
    after: float,
    unit: str,
    change: float,
    share: float,
) -> None:
    effect = effect_on(editor, stream, title, metric)
    assert (effect["status"], effect["unit"]) == ("measured", unit), effect
    assert (effect["before"], effect["after"], effect["change"]) == (before, after, change)
    assert effect["share_of_expected"] * 100 == pytest.approx(share)


@given(p("the team got {count:d} backlog items done on each of the last {days:d} days"))
def done_each_day(
    factory: Factory, stream: Stream, clock: ManualClock, count: int, days: int
) -> None:
    owner = factory.person()
    for day in range(days):
        if day:
            clock.advance(DAY)
        for _ in range(count):
            factory.finish(factory.backlog_item({"id": stream.id}), owner)
    clock.advance(DAY)


@given(p("{open_count:d} more items are still open and {dropped:d} was dropped"))
def open_and_dropped(factory: Factory, stream: Stream, open_count: int, dropped: int) -> None:
    for _ in range(open_count):
        factory.backlog_item({"id": stream.id})
    for _ in range(dropped):
        factory.backlog_item({"id": stream.id}, status="dropped")


@when(
    p("the team asks when the open items of the backlog will be done, from the last {days:d} days"),
    target_fixture="forecast",
)
def backlog_forecast(editor: Api, stream: Stream, clock: ManualClock, days: int) -> dict[str, Any]:
    params = {"source": "backlog", "history_days": days, "start": clock().date().isoformat()}
    return editor.ok(editor.get(f"{stream.url}/forecast", params=params))


@then(p("the forecast counts {count:d} open items"))
def forecast_counts(forecast: dict[str, Any], count: int) -> None:
    assert (forecast["remaining"], forecast["remaining_counted"]) == (count, True)


@then(p("at {confidence:d}% confidence they are done within {days:d} days"))
def done_within(forecast: dict[str, Any], confidence: int, days: int) -> None:
    (when,) = [w for w in forecast["when"] if w["confidence"] == confidence]
    assert when["days"] == days, forecast
