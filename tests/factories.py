"""Test data made through the real API, with defaults a test overrides only where it matters."""

import itertools
from typing import Any

from tests.api_client import Api

_sequence = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {next(_sequence)}"


HOUR = 3_600.0
DAY = 24 * HOUR


def dora_benchmark(**overrides: Any) -> dict[str, Any]:
    """An organization's own DORA benchmark as the API takes it: stricter than the default
    (elite deploys twice a day and restores within half an hour)."""
    return {
        "name": "Acme delivery standard 2026",
        "publisher": "Acme engineering council",
        "published": "2026-01-15",
        "source": "Acme engineering handbook, chapter 4",
        "deployment_frequency": {"elite": 2.0, "high": 0.5, "medium": 1 / 7},
        "lead_time_for_changes": {"elite": 4 * HOUR, "high": DAY, "medium": 7 * DAY},
        "change_failure_rate": {"elite": 0.02, "high": 0.05, "medium": 0.1},
        "time_to_restore": {"elite": HOUR / 2, "high": 4 * HOUR, "medium": DAY},
        **overrides,
    }


class Factory:
    def __init__(self, api: Api) -> None:
        self.api = api

    def person(self, **overrides: Any) -> dict[str, Any]:
        n = next(_sequence)
        body = {"name": f"Person {n}", "email": f"person{n}@example.com", **overrides}
        return self.api.ok(self.api.post("/api/v1/people", body), 201)

    def team(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Team"), **overrides}
        return self.api.ok(self.api.post("/api/v1/teams", body), 201)

    def token(self, **overrides: Any) -> dict[str, Any]:
        """Needs an admin's Api; the answer holds the secret in `secret`."""
        body = {"name": unique("Token"), "role": "viewer", **overrides}
        return self.api.ok(self.api.post("/api/v1/tokens", body), 201)

    def member(self, team: dict[str, Any], person: dict[str, Any], **overrides: Any) -> Any:
        """Adds `person` to `team` at the team's current version; answers the changed team."""
        current = self.api.ok(self.api.get(f"/api/v1/teams/{team['id']}"))
        body = {"person_id": person["id"], **overrides}
        return self.api.ok(
            self.api.post(f"/api/v1/teams/{team['id']}/members", body, if_match=current["version"])
        )

    def value_stream(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Value stream"), **overrides}
        return self.api.ok(self.api.post("/api/v1/value-streams", body), 201)

    def participant(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"role": "participant", **overrides}
        if "person_id" not in body:
            body["person_id"] = self.person()["id"]
        url = f"/api/v1/value-streams/{stream['id']}/participants"
        return self.api.ok(self.api.post(url, body), 201)

    def deliverable(self, stream: dict[str, Any], kind: str, **overrides: Any) -> dict[str, Any]:
        body = {"kind": kind, "status": "done", **overrides}
        url = f"/api/v1/value-streams/{stream['id']}/deliverables"
        return self.api.ok(self.api.post(url, body), 201)

    def risk(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"title": unique("Risk"), **overrides}
        return self.api.ok(self.api.post(f"/api/v1/value-streams/{stream['id']}/risks", body), 201)

    def action_item(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"title": unique("Action"), **overrides}
        url = f"/api/v1/value-streams/{stream['id']}/action-items"
        return self.api.ok(self.api.post(url, body), 201)

    def signoff(self, stream: dict[str, Any], sponsor_id: str, **overrides: Any) -> dict[str, Any]:
        body = {"sponsor_id": sponsor_id, "statement": "Aligned.", **overrides}
        url = f"/api/v1/value-streams/{stream['id']}/signoffs"
        return self.api.ok(self.api.post(url, body), 201)

    def transition(self, stream_id: str, to: str, **extra: Any) -> Any:
        current = self.api.get(f"/api/v1/value-streams/{stream_id}")
        return self.api.post(
            f"/api/v1/value-streams/{stream_id}/transitions",
            {"to": to, **extra},
            if_match=current.headers["etag"],
        )

    def sponsor(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        """A sponsor of `stream`: the only kind of participant who may sign off."""
        return self.participant(stream, role="sponsor", **overrides)

    def records(self, stream: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """One record of each kind the engagement keeps, keyed by its URL segment."""
        sponsor = self.sponsor(stream)
        return {
            "participants": sponsor,
            "deliverables": self.deliverable(stream, "business_case"),
            "risks": self.risk(stream),
            "action-items": self.action_item(stream),
            "signoffs": self.signoff(stream, sponsor["person_id"]),
        }

    def playbook(self, data: dict[str, Any]) -> Any:
        """Replaces the playbook at its current version; needs an admin's Api."""
        current = self.api.get("/api/v1/playbook")
        return self.api.put("/api/v1/playbook", data, if_match=current.headers["etag"])

    def map(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"kind": "current", "name": unique("Map"), **overrides}
        return self.api.ok(self.api.post(f"/api/v1/value-streams/{stream['id']}/maps", body), 201)

    def step(self, stream_map: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Step"), **overrides}
        return self.api.ok(self.api.post(f"/api/v1/maps/{stream_map['id']}/steps", body), 201)

    def backlog_item(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"title": unique("Item"), **overrides}
        url = f"/api/v1/value-streams/{stream['id']}/backlog-items"
        return self.api.ok(self.api.post(url, body), 201)

    def finish(self, item: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
        """Mark a backlog item done, `owner` accountable for it; answers the item."""
        body = {"status": "done", "owner_id": owner["id"]}
        url = f"/api/v1/backlog-items/{item['id']}"
        return self.api.ok(self.api.patch(url, body, if_match=item["version"]))

    def milestone(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Milestone"), "due_date": "2027-03-31", **overrides}
        url = f"/api/v1/value-streams/{stream['id']}/milestones"
        return self.api.ok(self.api.post(url, body), 201)

    def target(self, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        body = {
            "metric": "lead_time",
            "baseline": 20,
            "target": 10,
            "direction": "lower_is_better",
            "unit": "days",
            "due_date": "2027-06-30",
            **overrides,
        }
        url = f"/api/v1/value-streams/{stream['id']}/targets"
        return self.api.ok(self.api.post(url, body), 201)

    def ingest(self, stream: dict[str, Any], kind: str, items: list[dict[str, Any]]) -> Any:
        """Bulk-ingest `items` of `kind` (work-items, deployments, incidents); answers counts."""
        url = f"/api/v1/value-streams/{stream['id']}/{kind}/bulk"
        return self.api.ok(self.api.post(url, {"items": items}))

    def flow_metrics(self, stream: dict[str, Any], **params: Any) -> dict[str, Any]:
        """`params`: start, end (ISO 8601 with zone) and bucket (day, week or month)."""
        url = f"/api/v1/value-streams/{stream['id']}/flow-metrics"
        return self.api.ok(self.api.get(url, params=params))

    def handoff(
        self,
        stream_map: dict[str, Any],
        source: dict[str, Any],
        target: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        body = {"from_step_id": source["id"], "to_step_id": target["id"], **extra}
        url = f"/api/v1/maps/{stream_map['id']}/handoffs"
        return self.api.ok(self.api.post(url, body), 201)

    def finding(self, stream_map: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        """A finding a person records (confirmed); give `step_id` or `handoff_id`."""
        body = {"category": "delays", "description": unique("Waste"), **overrides}
        url = f"/api/v1/maps/{stream_map['id']}/findings"
        return self.api.ok(self.api.post(url, body), 201)

    def measurement(self, target: dict[str, Any], value: float, **overrides: Any) -> Any:
        body = {"value": value, **overrides}
        url = f"/api/v1/targets/{target['id']}/measurements"
        return self.api.ok(self.api.post(url, body), 201)

    def raci(self, item: dict[str, Any], person: dict[str, Any], role: str) -> dict[str, Any]:
        body = {"person_id": person["id"], "role": role}
        url = f"/api/v1/backlog-items/{item['id']}/raci"
        return self.api.ok(self.api.post(url, body), 201)

    def export_job(self, subject: str = "value_stream", **body: Any) -> dict[str, Any]:
        """An export queued in the background; answers the job as its 202 showed it."""
        return self.api.ok(self.api.post("/api/v1/export-jobs", {"subject": subject, **body}), 202)

    def exportable_stream(self, name: str | None = None) -> dict[str, Any]:
        """A value stream with something on every sheet of an export; answers what it made.

        Text people typed is made awkward on purpose: quotes, a comma, a line break,
        markup, non-ASCII letters and a spreadsheet formula.
        """
        owner = self.person(name="Vera Owner")
        responsible = self.person(name='Zoë "Z" Ökland')
        team = self.team(name="Order team")
        stream = self.value_stream(name=name or unique("Quote to cash"), owner_id=owner["id"])
        current = self.map(stream, kind="current", name="As is")
        quote = self.step(
            current,
            name='Quote "fast" <b>now</b>',
            role="Sales & Ops",
            team="Sales",
            process_time="PT1H",
            wait_time="P1D",
            value_class="value_add",
            percent_complete_accurate=80,
        )
        approve = self.step(
            current,
            name="Approve",
            role="Manager",
            team="Finance",
            process_time="PT15M",
            wait_time="P2D",
            value_class="unnecessary_non_value_add",
        )
        ship = self.step(current, name="Ship", role="Ops", process_time="PT2H", wait_time="PT4H")
        self.handoff(current, quote, approve, cross_team=True, artifact='quote "v2"')
        self.handoff(current, approve, ship)
        finding = self.finding(
            current,
            step_id=approve["id"],
            category="delays",
            description="Approval waits two days",
            estimated_cost_hours_per_week=12.5,
            confidence=0.8,
        )
        desired = self.map(stream, kind="desired", name="To be", chosen=True)
        self.step(desired, name="Quote", role="Sales", process_time="PT1H", wait_time="PT2H")
        self.step(desired, name="Ship", role="Ops", process_time="PT1H", wait_time="PT1H")
        milestone = self.milestone(stream, name="Q1 release", due_date="2027-03-31")
        first = self.backlog_item(
            stream,
            title="Automate approval",
            owner_id=owner["id"],
            team_id=team["id"],
            status="ready",
            milestone_id=milestone["id"],
            due_date="2027-02-15",
            finding_ids=[finding["id"]],
            business_value=8,
            time_criticality=5,
            risk_reduction=3,
            job_size=8,
        )
        self.raci(first, responsible, "R")
        second = self.backlog_item(stream, title="=HYPERLINK('http://x.example','click')")
        third = self.backlog_item(
            stream, title='Zoë\'s "big", odd\nitem', status="done", owner_id=responsible["id"]
        )
        target = self.target(stream, metric="lead_time", baseline=20, target=10, unit="days")
        self.measurement(target, 18, measured_at="2026-09-01T00:00:00Z")
        self.measurement(target, 15, measured_at="2026-10-01T00:00:00Z", source="jira")
        custom = self.target(
            stream,
            metric="custom",
            custom_key="approvals_per_week",
            unit="count",
            baseline=10,
            target=40,
            direction="higher_is_better",
        )
        return {
            "stream": stream,
            "owner": owner,
            "responsible": responsible,
            "current": current,
            "desired": desired,
            "steps": [quote, approve, ship],
            "finding": finding,
            "milestone": milestone,
            "items": [first, second, third],
            "targets": [target, custom],
        }


def map_document(steps: int, handoffs: int = 0, **overrides: Any) -> dict[str, Any]:
    """A map document (value stream as code) of `steps` steps in a chain, then forward
    handoffs that skip ahead until there are `handoffs`: acyclic whatever the sizes."""
    chain = [(i, i + 1) for i in range(steps - 1)]
    skips = ((i, i + gap) for gap in range(2, steps) for i in range(steps - gap))
    edges = list(itertools.islice(itertools.chain(chain, skips), handoffs))
    return {
        "name": unique("Imported map"),
        "kind": "desired",
        "steps": [
            {
                "key": f"s{i}",
                "name": f"Step {i}",
                "role": "Developer",
                "team": "Team A" if i % 2 else "Team B",
                "process_time": "PT1H",
                "wait_time": "PT4H",
                "percent_complete_accurate": 90,
                "tools": ["Jira", "Git"],
            }
            for i in range(steps)
        ],
        "handoffs": [
            {"from": f"s{a}", "to": f"s{b}", "cross_team": (a + b) % 2 == 1} for a, b in edges
        ],
        **overrides,
    }
