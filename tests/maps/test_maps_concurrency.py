"""The map rules hold when requests arrive at the same moment, not only one after another.

One current map per cycle, exactly one chosen desired map, no loop of handoffs and no
duplicate suggestion are each checked by reading before writing; concurrent writers
can both read "not there yet". The requests run concurrently in one event loop through
the app's ASGI interface (see tests/runtime/test_concurrency.py).
"""

import asyncio
from collections import Counter
from typing import Any

import httpx

from core.models.token import Role
from tests.conftest import Tenant
from tests.runtime.test_concurrency import serving

WRITERS = 8


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def _setup(client: httpx.AsyncClient, headers: dict[str, str], steps: int = 0) -> Any:
    stream = _ok(
        await client.post("/api/v1/value-streams", json={"name": "Race"}, headers=headers), 201
    )
    stream_map = None
    made = []
    if steps:
        stream_map = _ok(
            await client.post(
                f"/api/v1/value-streams/{stream['id']}/maps",
                json={"kind": "current", "name": "As is"},
                headers=headers,
            ),
            201,
        )
        for n in range(steps):
            made.append(
                _ok(
                    await client.post(
                        f"/api/v1/maps/{stream_map['id']}/steps",
                        json={
                            "name": f"Step {n}",
                            "role": "Dev",
                            "process_time": "1 h",
                            "wait_time": f"{4 + n} h",
                            "cicd_stage": True,
                            "percent_complete_accurate": 50,
                        },
                        headers=headers,
                    ),
                    201,
                )
            )
    return stream, stream_map, made


def test_concurrent_current_maps_leave_exactly_one(app: Any, tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.secrets[Role.editor]}"}

    async def main() -> tuple[list[int], list[dict[str, Any]]]:
        async with serving(app) as client:
            stream, _map, _steps = await _setup(client, headers)
            url = f"/api/v1/value-streams/{stream['id']}/maps"
            answers = await asyncio.gather(
                *(
                    client.post(
                        url, json={"kind": "current", "name": f"As is {n}"}, headers=headers
                    )
                    for n in range(WRITERS)
                )
            )
            listed = _ok(await client.get(url, params={"kind": "current"}, headers=headers))
            return [a.status_code for a in answers], listed["items"]

    statuses, current_maps = asyncio.run(main())

    assert sorted(statuses) == [201] + [409] * (WRITERS - 1), statuses
    assert len(current_maps) == 1, current_maps


def test_concurrent_choices_leave_exactly_one_chosen_map(app: Any, tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.secrets[Role.editor]}"}

    async def main() -> list[dict[str, Any]]:
        async with serving(app) as client:
            stream, _map, _steps = await _setup(client, headers)
            url = f"/api/v1/value-streams/{stream['id']}/maps"
            drafts = [
                _ok(
                    await client.post(
                        url, json={"kind": "desired", "name": f"Draft {n}"}, headers=headers
                    ),
                    201,
                )
                for n in range(WRITERS)
            ]
            await asyncio.gather(
                *(
                    client.patch(
                        f"/api/v1/maps/{d['id']}",
                        json={"chosen": True},
                        headers={**headers, "If-Match": '"1"'},
                    )
                    for d in drafts
                )
            )
            return _ok(await client.get(url, params={"chosen": "true"}, headers=headers))["items"]

    chosen = asyncio.run(main())

    assert len(chosen) == 1, [m["name"] for m in chosen]


def test_concurrent_handoffs_cannot_close_a_loop(app: Any, tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.secrets[Role.editor]}"}

    async def main() -> tuple[list[int], int, int]:
        async with serving(app) as client:
            _stream, stream_map, steps = await _setup(client, headers, steps=3)
            url = f"/api/v1/maps/{stream_map['id']}/handoffs"
            pairs = [(0, 1), (1, 2), (2, 0)] * 2
            answers = await asyncio.gather(
                *(
                    client.post(
                        url,
                        json={"from_step_id": steps[a]["id"], "to_step_id": steps[b]["id"]},
                        headers=headers,
                    )
                    for a, b in pairs
                )
            )
            metrics = await client.get(f"/api/v1/maps/{stream_map['id']}/metrics", headers=headers)
            classify = await client.post(
                f"/api/v1/maps/{stream_map['id']}/classify", headers=headers
            )
            return [a.status_code for a in answers], metrics.status_code, classify.status_code

    statuses, metrics_status, classify_status = asyncio.run(main())

    assert metrics_status == 200, "the stored handoffs form a loop"
    assert classify_status == 200
    assert statuses.count(201) <= 2 * 2, statuses


def test_concurrent_classify_runs_store_each_suggestion_once(app: Any, tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.secrets[Role.editor]}"}

    async def main() -> tuple[list[int], list[dict[str, Any]]]:
        async with serving(app) as client:
            _stream, stream_map, _steps = await _setup(client, headers, steps=4)
            url = f"/api/v1/maps/{stream_map['id']}/classify"
            answers = await asyncio.gather(
                *(client.post(url, headers=headers) for _ in range(WRITERS))
            )
            listed = _ok(
                await client.get(
                    f"/api/v1/maps/{stream_map['id']}/findings",
                    params={"limit": 100},
                    headers=headers,
                )
            )
            return [a.status_code for a in answers], listed["items"]

    statuses, findings = asyncio.run(main())

    assert findings, "the map should give the built-in rules something to find"
    keys = Counter((f["category"], f["step_id"], f["handoff_id"]) for f in findings)
    assert [key for key, n in keys.items() if n > 1] == [], statuses
    assert all(status in (200, 409) for status in statuses), statuses
