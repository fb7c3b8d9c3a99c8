"""Parity cases of scheduled readouts: schedules and their deliveries."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.crud import selection
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    comparable,
    graphql_data,
    graphql_nodes,
)

URL = "/api/v1/readout-schedules"
SCHEDULE = selection("ReadoutSchedule")
BODY = {
    "name": "Monday steering",
    "cron": "0 8 * * MON",
    "timezone": "Europe/Berlin",
    "scope": "portfolio",
    "format": "markdown",
    "destination": "webhook",
}


def _scheduled(_factory: Factory, admin: Factory) -> Twin:
    api = admin.api
    return {"schedule": api.ok(api.post(URL, BODY), 201)}


def _nothing(_factory: Factory, _admin: Factory) -> Twin:
    return {}


def _read(api: Api, twin: Twin) -> Any:
    answer = api.get(f"{URL}/{twin['schedule']['id']}")
    if answer.status_code != 200:
        return answer.status_code
    read = dict(answer.json())
    del read["next_run_at"]
    return read


def _created_by_rest(api: Api, twin: Twin) -> Any:
    answer = api.post(URL, BODY)
    twin["schedule"] = answer.json()
    return answer


def _created_by_graphql(api: Api, twin: Twin) -> Any:
    twin["schedule"] = graphql_data(
        api,
        "mutation($i: ReadoutScheduleCreateInput!) { createReadoutSchedule(input: $i) { id } }",
        i=BODY,
    )["createReadoutSchedule"]


def _version(api: Api, twin: Twin) -> int:
    return int(api.ok(api.get(f"{URL}/{twin['schedule']['id']}"))["version"])


def _by_graphql(name: str, arguments: str = "", selection_: str = "") -> Any:
    def via_graphql(api: Api, twin: Twin) -> Any:
        graphql_data(
            api,
            f"mutation($id: ID!, $v: Int!) {{ {name}(id: $id, expectedVersion: $v{arguments}) "
            f"{selection_} }}",
            id=twin["schedule"]["id"],
            v=_version(api, twin),
        )

    return via_graphql


CASES: list[Case | QueryCase] = [
    Case(
        name="schedule a readout",
        rest=(f"POST {URL}",),
        graphql=("createReadoutSchedule",),
        arrange=_nothing,
        via_rest=_created_by_rest,
        via_graphql=_created_by_graphql,
        observe=_read,
    ),
    Case(
        name="change a readout schedule",
        rest=(f"PATCH {URL}/{{schedule_id}}",),
        graphql=("updateReadoutSchedule",),
        arrange=_scheduled,
        via_rest=lambda api, t: api.patch(
            f"{URL}/{t['schedule']['id']}",
            {"name": "Daily", "cron": "0 7 * * *", "enabled": False},
            if_match=_version(api, t),
        ),
        via_graphql=_by_graphql(
            "updateReadoutSchedule",
            ', input: {name: "Daily", cron: "0 7 * * *", enabled: false}',
            "{ id }",
        ),
        observe=_read,
    ),
    Case(
        name="remove a readout schedule",
        rest=(f"DELETE {URL}/{{schedule_id}}",),
        graphql=("deleteReadoutSchedule",),
        arrange=_scheduled,
        via_rest=lambda api, t: api.delete(
            f"{URL}/{t['schedule']['id']}", if_match=_version(api, t)
        ),
        via_graphql=_by_graphql("deleteReadoutSchedule"),
        observe=_read,
    ),
    QueryCase(
        name="a readout schedule",
        rest=(f"GET {URL}/{{schedule_id}}",),
        graphql=("readoutSchedule",),
        arrange=_scheduled,
        via_rest=lambda api, t: comparable(api.ok(api.get(f"{URL}/{t['schedule']['id']}"))),
        via_graphql=lambda api, t: comparable(
            graphql_data(
                api,
                f"query($id: ID!) {{ readoutSchedule(id: $id) {{ {SCHEDULE} }} }}",
                id=t["schedule"]["id"],
            )["readoutSchedule"]
        ),
    ),
    QueryCase(
        name="the readout schedules",
        rest=(f"GET {URL}",),
        graphql=("readoutSchedules",),
        arrange=_scheduled,
        via_rest=lambda api, t: comparable(api.ok(api.get(URL))["items"]),
        via_graphql=lambda api, t: comparable(
            graphql_nodes(
                api,
                f"{{ readoutSchedules {{ edges {{ node {{ {SCHEDULE} }} }} }} }}",
                "readoutSchedules",
            )
        ),
    ),
    QueryCase(
        name="a schedule's deliveries",
        rest=(f"GET {URL}/{{schedule_id}}/deliveries",),
        graphql=("readoutDeliveries",),
        arrange=_scheduled,
        via_rest=lambda api, t: [
            "checked",
            comparable(api.ok(api.get(f"{URL}/{t['schedule']['id']}/deliveries"))["items"]),
        ],
        via_graphql=lambda api, t: [
            "checked",
            comparable(
                graphql_nodes(
                    api,
                    "query($id: ID!) { readoutDeliveries(scheduleId: $id) { edges { node "
                    f"{{ {selection('ReadoutDelivery')} }} }} }} }}",
                    "readoutDeliveries",
                    id=t["schedule"]["id"],
                )
            ),
        ],
    ),
]
