"""What the BDD steps share: the value stream under test, phases by their spoken names,
the ingredients that meet each gate criterion, maps drawn from tables, and playbook
variants, all through the API.

An *ingredient* is what a team records to meet one criterion of a gate ("a sponsor", "a
finished business case", "a complete current-state map"). Each phase lists the
ingredients of its default gate, so a step can arrange "everything its gate asks for
except a sponsor". Some ingredients build on others (the owners of committed items need
a backlog to own): leaving one out leaves out those that need it.
"""

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import parse

from tests.api_client import Api
from tests.factories import Factory, unique

API = "/api/v1"
FORCED_ARRIVAL = "Arranged for the scenario: an admin brought the value stream here."

# -- phases ------------------------------------------------------------------------------

PHASE_PATTERN = (
    r"(?:the )?(?:pre-planning|planning|current[- ]state|desired[- ]state"
    r"|transformation[- ]plan|execution)(?: phase)?"
)


def phase_key(text: str) -> str:
    """ "the current-state phase" -> "current_state"."""
    words = text.strip().removeprefix("the ").removesuffix(" phase")
    return words.replace("-", "_").replace(" ", "_")


def phase_words(key: str) -> str:
    return key.replace("_", " ")


@parse.with_pattern(PHASE_PATTERN)
def _phase(text: str) -> str:
    return phase_key(text)


@parse.with_pattern(r"(?:the|an?) (?:editor|admin|viewer)")
def _who(text: str) -> str:
    return text.split(" ", 1)[1]


@parse.with_pattern(r"[-+]?\d+(?:\.\d+)?")
def _number(text: str) -> float:
    return float(text)


QUOTED = r'"[^"]+"'


@parse.with_pattern(rf"{QUOTED}(?:(?:, |,? and ){QUOTED})*")
def _quoted(text: str) -> list[str]:
    """'"Alpha", "Beta" and "Gamma"' -> ["Alpha", "Beta", "Gamma"]."""
    return names(text)


@parse.with_pattern(r"[A-Z][a-z]+")
def _person(text: str) -> str:
    return text


EXTRA_TYPES: dict[str, Callable[[str], Any]] = {
    "Phase": _phase,
    "Who": _who,
    "Num": _number,
    "Quoted": _quoted,
    "Person": _person,
}


def today() -> date:
    """The service's today: dates are UTC."""
    return datetime.now(UTC).date()


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


# -- the value stream under test ---------------------------------------------------------


@dataclass
class DrawnMap:
    """A map a scenario drew, with its steps by name."""

    body: dict[str, Any]
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    handoffs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def url(self) -> str:
        return f"{API}/maps/{self.id}"

    def step(self, name: str) -> dict[str, Any]:
        try:
            return self.steps[name]
        except KeyError:
            raise AssertionError(f"the map has no step {name!r}: {sorted(self.steps)}") from None

    def handoff(self, source: str, target: str) -> dict[str, Any]:
        ends = (self.step(source)["id"], self.step(target)["id"])
        for handoff in self.handoffs:
            if (handoff["from_step_id"], handoff["to_step_id"]) == ends:
                return handoff
        raise AssertionError(f"the map has no handoff from {source!r} to {target!r}")


@dataclass
class Stream:
    id: str
    name: str
    read_version: str | None = None
    history_length: int = 0
    maps: dict[str, DrawnMap] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{API}/value-streams/{self.id}"

    @property
    def ref(self) -> dict[str, Any]:
        """What the Factory's helpers take as a stream."""
        return {"id": self.id}

    def drawn(self, kind: str) -> DrawnMap:
        try:
            return self.maps[kind]
        except KeyError:
            raise AssertionError(f"no {kind}-state map was drawn in this scenario") from None


def create_stream(factory: Factory, name: str | None = None) -> Stream:
    body = factory.value_stream(name=name or unique("Value stream"))
    return Stream(id=body["id"], name=body["name"])


def read(api: Api, stream: Stream) -> dict[str, Any]:
    return api.ok(api.get(stream.url))


def move(api: Api, stream: Stream, to: str, *, if_match: str | None = None, **extra: Any) -> Any:
    """Ask for a transition the way a client does: with the ETag it just read."""
    if if_match is None:
        if_match = api.get(stream.url).headers["etag"]
    return api.post(f"{stream.url}/transitions", {"to": to, **extra}, if_match=if_match)


def bring_to(admin: Api, stream: Stream, phase: str) -> None:
    """An admin forces the value stream straight into `phase` (a documented, recorded rule)."""
    if read(admin, stream)["phase"] == phase:
        return
    answer = move(admin, stream, phase, force=True, justification=FORCED_ARRIVAL)
    admin.ok(answer, 201)


def gate(api: Api, stream: Stream) -> dict[str, Any]:
    return api.ok(api.get(f"{stream.url}/gate"))


def history(api: Api, stream: Stream) -> list[dict[str, Any]]:
    return api.ok(api.get(f"{stream.url}/history", params={"limit": 100}))["items"]


def criterion(gate_answer: dict[str, Any], description: str) -> dict[str, Any]:
    for item in gate_answer["criteria"]:
        if item["description"] == description:
            return item
    known = [c["description"] for c in gate_answer["criteria"]]
    raise AssertionError(f"the {gate_answer['phase']} gate has no {description!r}: {known}")


def mentions(text: str | None, fragment: str) -> bool:
    return fragment.lower() in (text or "").lower()


def assert_mentions(text: str | None, fragment: str) -> None:
    assert mentions(text, fragment), f"{text!r} does not mention {fragment!r}"


def portfolio(api: Api, **params: Any) -> list[dict[str, Any]]:
    return api.ok(api.get(f"{API}/portfolio", params={"limit": 100, **params}))["items"]


def items(api: Api, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint (one page of up to 100 is plenty for a scenario)."""
    return api.ok(api.get(url, params={"limit": 100, **params}))["items"]


# -- maps ----------------------------------------------------------------------------------

YES = {"yes", "y", "true", "x"}
VALUE_CLASSES = {
    "value-add": "value_add",
    "necessary non-value-add": "necessary_non_value_add",
    "unnecessary non-value-add": "unnecessary_non_value_add",
}
STEP_COLUMNS: dict[str, Callable[[str], tuple[str, Any]]] = {
    "role": lambda v: ("role", v),
    "team": lambda v: ("team", v),
    "process time": lambda v: ("process_time", v),
    "wait time": lambda v: ("wait_time", v),
    "%C&A": lambda v: ("percent_complete_accurate", float(v)),
    "people": lambda v: ("people", int(v)),
    "tools": lambda v: ("tools", [t.strip() for t in v.split(",") if t.strip()]),
    "artifacts": lambda v: ("artifacts", [a.strip() for a in v.split(",") if a.strip()]),
    "automated": lambda v: ("automated", v.lower() in YES),
    "CI/CD stage": lambda v: ("cicd_stage", v.lower() in YES),
    "value": lambda v: ("value_class", VALUE_CLASSES[v]),
    "queue": lambda v: ("queue_size", int(v)),
    "inventory": lambda v: ("queue_size", int(v)),
    "cycle time": lambda v: ("cycle_time", v),
    "changeover": lambda v: ("changeover_time", v),
    "uptime": lambda v: ("uptime_percent", float(v)),
    "batch": lambda v: ("batch_size", int(v)),
    "description": lambda v: ("description", v),
}


def rows(datatable: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    header, *body = datatable
    return [
        dict(zip((h.strip() for h in header), (c.strip() for c in row), strict=True))
        for row in body
    ]


def step_fields(row: dict[str, str]) -> dict[str, Any]:
    """A table row in the workshop's words -> the fields of a step; empty cells are unknown."""
    fields: dict[str, Any] = {"name": row["step"]}
    for column, value in row.items():
        if column == "step" or value == "":
            continue
        try:
            convert = STEP_COLUMNS[column]
        except KeyError:
            raise AssertionError(
                f"no step column {column!r}; known: {sorted(STEP_COLUMNS)}"
            ) from None
        name, converted = convert(value)
        fields[name] = converted
    return fields


def draw_map(
    factory: Factory,
    stream: Stream,
    kind: str,
    step_rows: list[dict[str, Any]],
    **map_fields: Any,
) -> DrawnMap:
    """A map of this cycle with its steps in the order given."""
    body = factory.map(
        stream.ref, kind=kind, name=map_fields.pop("name", unique(f"{kind} map")), **map_fields
    )
    drawn = DrawnMap(body)
    for fields in step_rows:
        step = factory.step(body, **fields)
        drawn.steps[step["name"]] = step
    stream.maps[kind] = drawn
    return drawn


def add_handoff(factory: Factory, drawn: DrawnMap, source: str, target: str, **extra: Any) -> Any:
    answer = factory.api.post(
        f"{drawn.url}/handoffs",
        {"from_step_id": drawn.step(source)["id"], "to_step_id": drawn.step(target)["id"], **extra},
    )
    if answer.status_code == 201:
        drawn.handoffs.append(answer.json())
    return answer


def metrics(api: Api, drawn: DrawnMap) -> dict[str, Any]:
    return api.ok(api.get(f"{drawn.url}/metrics"))


def findings(api: Api, drawn: DrawnMap, **params: Any) -> list[dict[str, Any]]:
    return items(api, f"{drawn.url}/findings", **params)


def classify(api: Api, drawn: DrawnMap) -> dict[str, Any]:
    return api.ok(api.post(f"{drawn.url}/classify"))


def triage(api: Api, finding: dict[str, Any], status: str, reason: str | None = None) -> Any:
    body = {"status": status, **({"reason": reason} if reason is not None else {})}
    return api.post(f"{API}/findings/{finding['id']}/triage", body, if_match=finding["version"])


def confirm_every_suggestion(api: Api, drawn: DrawnMap) -> None:
    for finding in findings(api, drawn, status="suggested"):
        api.ok(triage(api, finding, "confirmed"))


# The current-state map the ingredients draw: a request waits 4 h, is built in 2 h after
# 8 h in the queue and released in 1 h. Lead time 16 h, process time 4 h.
AS_IS: list[dict[str, Any]] = [
    {
        "name": "Request",
        "role": "Product owner",
        "team": "Business",
        "process_time": "PT1H",
        "wait_time": "PT4H",
    },
    {
        "name": "Build",
        "role": "Developer",
        "team": "Delivery",
        "process_time": "PT2H",
        "wait_time": "PT8H",
    },
    {
        "name": "Release",
        "role": "Operations",
        "team": "Delivery",
        "process_time": "PT1H",
        "wait_time": "PT0S",
    },
]
# The desired state: the same steps with shorter queues; lead time 7 h.
TO_BE: list[dict[str, Any]] = [
    {**AS_IS[0], "wait_time": "PT1H"},
    {**AS_IS[1], "wait_time": "PT2H"},
    {**AS_IS[2], "wait_time": "PT0S"},
]
SKETCHED_WAIT = "Release"  # the step whose wait nobody has measured in a sketched map


def current_map(factory: Factory, stream: Stream, *, complete: bool) -> DrawnMap:
    """This cycle's current-state map, drawn if nobody has yet.

    Drawn in passing (for its handoffs or its waste), it is a sketch: the release's wait
    has not been measured yet. Drawn `complete`, or completed later, every step has a
    role, a process time and a wait time.
    """
    drawn = stream.maps.get("current")
    if drawn is not None and drawn.body["cycle"] != read(factory.api, stream)["cycle"]:
        drawn = None
    if drawn is None:
        steps = [
            {**s, "wait_time": None} if s["name"] == SKETCHED_WAIT and not complete else s
            for s in AS_IS
        ]
        return draw_map(factory, stream, "current", steps, name="As is")
    if complete:
        api = factory.api
        for name, step in drawn.steps.items():
            if step["wait_time"] is None:
                url = f"{API}/steps/{step['id']}"
                drawn.steps[name] = api.ok(
                    api.patch(url, {"wait_time": "PT0S"}, if_match=step["version"])
                )
    return drawn


# -- ingredients ---------------------------------------------------------------------------

Arrange = Callable[[Factory, Stream], None]


@dataclass(frozen=True)
class Ingredient:
    phrase: str
    arrange: Arrange
    needs: tuple[str, ...] = ()  # ingredients it builds on
    deliverable: tuple[str, str] | None = None  # (kind, status) of a deliverable ingredient


def participant(role: str, **fields: Any) -> Arrange:
    def arrange(factory: Factory, stream: Stream) -> None:
        factory.participant(stream.ref, role=role, **fields)

    return arrange


def record_deliverable(factory: Factory, stream: Stream, kind: str, status: str) -> None:
    """Write the deliverable of this cycle, or bring the existing one to `status`.

    A deliverable is one per kind and cycle: the goals drafted in pre-planning are the
    same record that planning makes final, and the service points at it when asked
    for a second one.
    """
    api = factory.api
    answer = api.post(f"{stream.url}/deliverables", {"kind": kind, "status": status})
    if answer.status_code != 409:
        api.ok(answer, 201)
        return
    url = f"{API}/deliverables/{answer.json()['existing_id']}"
    existing = api.ok(api.get(url))
    api.ok(api.patch(url, {"status": status}, if_match=existing["version"]))


def deliverable(phrase: str, kind: str, status: str = "done") -> "Ingredient":
    def arrange(factory: Factory, stream: Stream) -> None:
        record_deliverable(factory, stream, kind, status)

    return Ingredient(phrase, arrange, deliverable=(kind, status))


def risk(factory: Factory, stream: Stream) -> None:
    factory.risk(stream.ref, category="cultural")


def action_item(kind: str = "action") -> Arrange:
    def arrange(factory: Factory, stream: Stream) -> None:
        factory.action_item(stream.ref, kind=kind)

    return arrange


def sponsor_signoff(factory: Factory, stream: Stream) -> None:
    sponsor = factory.participant(stream.ref, role="sponsor")
    factory.signoff(stream.ref, sponsor["person_id"], statement="Aligned, and we buy in.")


def vsm_owner(factory: Factory, stream: Stream) -> None:
    api = factory.api
    owner = factory.person()
    current = api.get(stream.url)
    api.ok(api.patch(stream.url, {"owner_id": owner["id"]}, if_match=current.headers["etag"]))


def flow_metric_targets(factory: Factory, stream: Stream) -> None:
    """Lead time from 20 days down to 10, within half a year."""
    factory.target(
        stream.ref, metric="lead_time", baseline=20, target=10, unit="days", due_date=in_days(180)
    )


def complete_current_map(factory: Factory, stream: Stream) -> None:
    current_map(factory, stream, complete=True)


def current_handoffs(factory: Factory, stream: Stream) -> None:
    """The request crosses from the business to delivery; the build stays in delivery."""
    drawn = current_map(factory, stream, complete=False)
    factory.api.ok(add_handoff(factory, drawn, "Request", "Build", cross_team=True), 201)
    factory.api.ok(add_handoff(factory, drawn, "Build", "Release"), 201)


def waste_classified(factory: Factory, stream: Stream) -> None:
    classify(factory.api, current_map(factory, stream, complete=False))


def suggestions_triaged(factory: Factory, stream: Stream) -> None:
    confirm_every_suggestion(factory.api, current_map(factory, stream, complete=False))


def waste_analyzed_and_triaged(factory: Factory, stream: Stream) -> None:
    waste_classified(factory, stream)
    suggestions_triaged(factory, stream)


def desired_map(*, faster: bool = True, chosen: bool = True) -> Arrange:
    """A desired-state map of this cycle, drawn against the (complete) current one."""

    def arrange(factory: Factory, stream: Stream) -> None:
        current_map(factory, stream, complete=True)
        steps = TO_BE if faster else AS_IS
        draw_map(factory, stream, "desired", steps, name="To be", chosen=chosen)

    return arrange


def backlog(api: Api, stream: Stream, **params: Any) -> list[dict[str, Any]]:
    return items(api, f"{stream.url}/backlog-items", **params)


def prioritized_backlog(factory: Factory, stream: Stream) -> None:
    factory.backlog_item(
        stream.ref,
        title="Automate the release",
        type="automation",
        business_value=20,
        time_criticality=13,
        risk_reduction=8,
        job_size=5,
    )
    factory.backlog_item(
        stream.ref,
        title="Shorten the approval wait",
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=8,
    )


def committed_with_owner(factory: Factory, stream: Stream) -> None:
    """The top item is committed (ready), with its accountable owner."""
    api = factory.api
    if not backlog(api, stream):
        prioritized_backlog(factory, stream)
    top = backlog(api, stream)[0]
    owner = factory.person()
    url = f"{API}/backlog-items/{top['id']}"
    api.ok(api.patch(url, {"status": "ready", "owner_id": owner["id"]}, if_match=top["version"]))


def roadmap_milestone(factory: Factory, stream: Stream) -> None:
    factory.milestone(stream.ref, name="Release automation live", due_date=in_days(90))


INGREDIENTS: dict[str, Ingredient] = {
    i.phrase: i
    for i in [
        # pre-planning
        Ingredient(
            "a technology-manager champion",
            participant("champion", champion_kind="technology_manager"),
        ),
        Ingredient(
            "a business-stakeholder champion",
            participant("champion", champion_kind="business_stakeholder"),
        ),
        Ingredient("a sponsor", participant("sponsor")),
        deliverable("a finished business case", "business_case", "done"),
        deliverable("draft goals and purpose", "goals_and_purpose", "draft"),
        deliverable("draft expected benefits", "expected_benefits", "draft"),
        Ingredient("a risk in the risk log", risk),
        deliverable("a draft training strategy", "training_strategy", "draft"),
        deliverable("draft business and delivery metrics", "draft_metrics", "draft"),
        # planning
        deliverable("final purpose and goals", "goals_and_purpose", "done"),
        Ingredient("key flow-metric targets", flow_metric_targets),
        deliverable("a working agreement", "working_agreement", "done"),
        deliverable("finished training content", "training_content", "done"),
        Ingredient(
            "a participant from the business side",
            participant("participant", function="business_pm_po"),
        ),
        Ingredient(
            "a participant from the technology side",
            participant("participant", function="architect"),
        ),
        Ingredient("a trained facilitator", participant("facilitator", trained=True)),
        deliverable("a vetted workshop agenda", "workshop_agenda", "done"),
        deliverable("complete logistics", "logistics", "done"),
        # current state
        Ingredient("a complete current-state map", complete_current_map),
        Ingredient("the handoffs between its steps", current_handoffs),
        Ingredient("its waste analyzed and triaged", waste_analyzed_and_triaged),
        deliverable("a finished readout summary", "readout_summary", "done"),
        Ingredient("an action item", action_item("action")),
        # desired state
        Ingredient("a chosen desired-state map that is faster", desired_map()),
        Ingredient("a sponsor's sign-off", sponsor_signoff),
        # transformation plan
        Ingredient("a prioritized backlog", prioritized_backlog),
        Ingredient(
            "an accountable owner for every committed item",
            committed_with_owner,
            needs=("a prioritized backlog",),
        ),
        Ingredient("a roadmap milestone", roadmap_milestone),
        Ingredient("a VSM owner", vsm_owner),
        # not asked for by the default playbook, or only part of an ingredient
        Ingredient("an untrained facilitator", participant("facilitator", trained=False)),
        Ingredient("a parking-lot entry", action_item("parking_lot")),
        deliverable("finished lessons learned", "lessons_learned", "done"),
        deliverable("a finished security review", "security_review", "done"),
        deliverable("a draft security review", "security_review", "draft"),
        Ingredient("the classifier's analysis of its waste", waste_classified),
        Ingredient("a decision on every suggestion", suggestions_triaged),
        Ingredient("a chosen desired-state map that is no faster", desired_map(faster=False)),
        Ingredient("a faster desired-state map nobody has chosen", desired_map(chosen=False)),
    ]
}

GATE_INGREDIENTS: dict[str, list[str]] = {
    "pre_planning": [
        "a technology-manager champion",
        "a business-stakeholder champion",
        "a sponsor",
        "a finished business case",
        "draft goals and purpose",
        "draft expected benefits",
        "a risk in the risk log",
        "a draft training strategy",
        "draft business and delivery metrics",
    ],
    "planning": [
        "final purpose and goals",
        "key flow-metric targets",
        "a working agreement",
        "finished training content",
        "a participant from the business side",
        "a participant from the technology side",
        "a trained facilitator",
        "a vetted workshop agenda",
        "complete logistics",
    ],
    "current_state": [
        "a complete current-state map",
        "the handoffs between its steps",
        "its waste analyzed and triaged",
        "a finished readout summary",
        "an action item",
    ],
    "desired_state": ["a chosen desired-state map that is faster", "a sponsor's sign-off"],
    "transformation_plan": [
        "a prioritized backlog",
        "an accountable owner for every committed item",
        "a roadmap milestone",
        "a VSM owner",
    ],
    "execution": [],
}

PHASE_INPUTS: dict[str, list[str]] = {
    # what a phase works from, made in an earlier one: the desired state is drawn
    # against the current-state map
    "desired_state": ["a complete current-state map"],
}


def ingredient(phrase: str) -> Ingredient:
    try:
        return INGREDIENTS[phrase]
    except KeyError:
        raise AssertionError(f"no ingredient {phrase!r}; known: {sorted(INGREDIENTS)}") from None


def record(factory: Factory, stream: Stream, phrase: str) -> None:
    """The team records one ingredient."""
    ingredient(phrase).arrange(factory, stream)


def record_gate(
    factory: Factory, stream: Stream, phase: str, *, leave_out: str | None = None
) -> None:
    """Everything the default gate of `phase` asks for, or all but `leave_out` (and what
    builds on it)."""
    phrases = GATE_INGREDIENTS[phase]
    if leave_out is not None:
        assert leave_out in phrases, f"{leave_out!r} is not asked for by the {phase} gate"
    for phrase in PHASE_INPUTS.get(phase, []):
        record(factory, stream, phrase)
    for phrase in phrases:
        if phrase == leave_out or (
            leave_out is not None and leave_out in INGREDIENTS[phrase].needs
        ):
            continue
        record(factory, stream, phrase)


# -- playbook variants ---------------------------------------------------------------------

Playbook = dict[str, Any]


def read_playbook(api: Api) -> tuple[Playbook, str]:
    answer = api.get(f"{API}/playbook")
    return api.ok(answer), answer.headers["etag"]


def put_playbook(api: Api, playbook: Playbook, etag: str) -> Any:
    return api.put(f"{API}/playbook", playbook, if_match=etag)


def phase_spec(playbook: Playbook, key: str) -> dict[str, Any]:
    [spec] = [p for p in playbook["phases"] if p["key"] == key]
    return spec


def criterion_spec(playbook: Playbook, phase: str, key: str) -> dict[str, Any]:
    [spec] = [c for c in phase_spec(playbook, phase)["criteria"] if c["key"] == key]
    return spec


def needing_risks(playbook: Playbook, n: int) -> Playbook:
    tuned = copy.deepcopy(playbook)
    spec = criterion_spec(tuned, "pre_planning", "risk_log")
    spec["params"] = {"min": n}
    spec["description"] = f"Draft risk log with at least {n} risks"
    return tuned


def with_timebox(playbook: Playbook, phase: str, days: float) -> Playbook:
    tuned = copy.deepcopy(playbook)
    phase_spec(tuned, phase)["timebox_days"] = days
    return tuned


def without_phase(playbook: Playbook, phase: str) -> Playbook:
    tuned = copy.deepcopy(playbook)
    tuned["phases"] = [p for p in tuned["phases"] if p["key"] != phase]
    return tuned


def with_criterion(playbook: Playbook, phase: str, spec: dict[str, Any]) -> Playbook:
    tuned = copy.deepcopy(playbook)
    phase_spec(tuned, phase)["criteria"].append(spec)
    return tuned


def _flaw(change: Callable[[Playbook], None]) -> Callable[[Playbook], Playbook]:
    def apply(playbook: Playbook) -> Playbook:
        flawed = copy.deepcopy(playbook)
        change(flawed)
        return flawed

    return apply


def _set(path: str, value: Any) -> Callable[[Playbook], None]:
    """`phases.0.criteria.2.check` = value."""

    def change(playbook: Playbook) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = playbook
        for part in parents:
            target = target[part]
        target[last] = value

    return change


def _repeat_first_criterion(playbook: Playbook) -> None:
    criteria = playbook["phases"][0]["criteria"]
    criteria.append(copy.deepcopy(criteria[0]))


def _one_phase(playbook: Playbook) -> None:
    playbook["phases"] = playbook["phases"][:1]


FLAWS: dict[str, Callable[[Playbook], Playbook]] = {
    "a criterion asks for a check nobody knows": _flaw(
        _set("phases.0.criteria.0.check", "crystal_ball")
    ),
    "a deliverable must reach a status that does not exist": _flaw(
        _set("phases.0.criteria.2.params.status", "polished")
    ),
    "the risk log asks for no risk at all": _flaw(_set("phases.0.criteria.5.params.min", 0)),
    "a gate lists the same criterion twice": _flaw(_repeat_first_criterion),
    "pre-planning has a timebox of zero days": _flaw(_set("phases.0.timebox_days", 0)),
    "two phases share a name": _flaw(_set("phases.1.key", "pre_planning")),
    "cycles restart at a phase it does not have": _flaw(_set("iterate_to", "retrospective")),
    "cycles restart at the last phase": _flaw(_set("iterate_to", "execution")),
    "there is a single phase": _flaw(_one_phase),
}


def flawed(playbook: Playbook, flaw: str) -> Playbook:
    try:
        return FLAWS[flaw](playbook)
    except KeyError:
        raise AssertionError(f"no playbook flaw {flaw!r}; known: {sorted(FLAWS)}") from None


def names(text: str) -> list[str]:
    """'"Alpha" and "Beta"' -> ["Alpha", "Beta"]."""
    return re.findall(r'"([^"]+)"', text)
