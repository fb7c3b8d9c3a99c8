"""A retried create returns the first answer instead of creating a second object.

The Idempotency-Key header (IETF httpapi draft): the same key and request within
the retention window answer as the first time; the same key with another request
is refused; keys belong to one caller of one organization; a request that failed
stored nothing, so its retry runs anew.
"""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from core.actor import Actor
from core.errors import ValidationFailed
from core.foundation import idempotency
from core.models.token import Role
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory
from tests.problems import assert_problem
from tests.runtime.test_concurrency import serving


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_retried_create_answers_as_the_first_time(editor: Api) -> None:
    key = str(uuid.uuid4())

    first = editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key))
    retry = editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [p["name"] for p in editor.ok(editor.get("/api/v1/people"))["items"]] == ["Ada"]


def test_the_same_key_for_another_request_is_refused(editor: Api) -> None:
    key = str(uuid.uuid4())
    editor.ok(editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key)), 201)

    reused = editor.post("/api/v1/people", {"name": "Grace"}, headers=keyed(key))

    assert_problem(reused, 422, code="VALIDATION_FAILED", field="Idempotency-Key")
    assert len(editor.ok(editor.get("/api/v1/people"))["items"]) == 1


def test_keys_belong_to_their_caller(editor: Api, admin: Api) -> None:
    key = str(uuid.uuid4())

    mine = editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key))
    theirs = admin.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key))

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_request_that_failed_stored_nothing_so_its_retry_runs(editor: Api) -> None:
    key = str(uuid.uuid4())

    refused = editor.post("/api/v1/people", {"name": ""}, headers=keyed(key))
    corrected = editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed(key))

    assert refused.status_code == 422
    assert editor.ok(corrected, 201)["name"] == "Ada"


def test_a_retried_phase_move_is_not_a_second_move(admin: Api, admin_factory: Factory) -> None:
    stream = admin_factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/transitions"
    body = {"to": "planning", "force": True, "justification": "the sponsor insists"}
    etag = admin.get(f"/api/v1/value-streams/{stream['id']}").headers["etag"]
    key = str(uuid.uuid4())

    first = admin.post(url, body, if_match=etag, headers=keyed(key))
    retry = admin.post(url, body, if_match=etag, headers=keyed(key))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    history = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/history"))["items"]
    assert [move["to_phase"] for move in history] == ["planning"]


def test_a_key_that_is_not_visible_ascii_is_refused(editor: Api) -> None:
    response = editor.post("/api/v1/people", {"name": "Ada"}, headers=keyed("a key"))

    assert_problem(response, 400, code="BAD_REQUEST", field="Idempotency-Key")


def test_an_expired_key_may_be_used_again(database_url: str, tenant: Tenant) -> None:
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor, token_id=uuid.uuid4())
    fingerprint = idempotency.fingerprint("POST", "/api/v1/people", b"{}")
    day = timedelta(hours=24)

    async def first(session: Any) -> None:
        assert await idempotency.claim(session, actor, "k", fingerprint, retention=day) is None
        await idempotency.record_answer(
            session, actor, "k", status_code=201, headers={}, body=b"{}"
        )

    async def within(session: Any) -> Any:
        return await idempotency.claim(session, actor, "k", fingerprint, retention=day)

    async def after(session: Any) -> Any:
        later = idempotency.utcnow() + day + timedelta(seconds=1)
        other = idempotency.fingerprint("POST", "/api/v1/people", b"{ }")
        return await idempotency.claim(session, actor, "k", other, retention=day, now=later)

    run_in_db(database_url, first)
    replayed = run_in_db(database_url, within)
    reused = run_in_db(database_url, after)

    assert replayed.status_code == 201
    assert reused is None


def test_a_key_reused_for_another_request_within_the_window_is_refused_by_the_service(
    database_url: str, tenant: Tenant
) -> None:
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor, token_id=uuid.uuid4())
    day = timedelta(hours=24)

    async def claim(session: Any, body: bytes) -> Any:
        fingerprint = idempotency.fingerprint("POST", "/x", body)
        found = await idempotency.claim(session, actor, "k", fingerprint, retention=day)
        if found is None:
            await idempotency.record_answer(
                session, actor, "k", status_code=201, headers={}, body=b"{}"
            )
        return found

    run_in_db(database_url, lambda session: claim(session, b"a"))
    try:
        run_in_db(database_url, lambda session: claim(session, b"b"))
    except ValidationFailed as refused:
        assert refused.problems[0].field == "Idempotency-Key"
    else:
        raise AssertionError("a different request under a used key was accepted")


def test_concurrent_retries_create_one_object(app: Any, tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.secrets[Role.editor]}", **keyed("same")}

    async def both() -> tuple[list[int], list[dict[str, Any]]]:
        async with serving(app) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/api/v1/people", json={"name": "Ada"}, headers=headers)
                    for _ in range(8)
                )
            )
            listed = await client.get("/api/v1/people", headers=headers)
        return [a.status_code for a in answers], listed.json()["items"]

    statuses, people = asyncio.run(both())

    assert len(people) == 1
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses


CREATE_PERSON = "mutation($name: String!) { createPerson(input: {name: $name}) { id name } }"


def graphql(api: Api, key: str, name: str) -> Any:
    return api.client.post(
        "/graphql",
        json={"query": CREATE_PERSON, "variables": {"name": name}},
        headers={"Authorization": f"Bearer {api.token}", **keyed(key)},
    )


def test_a_retried_graphql_mutation_answers_as_the_first_time(editor: Api) -> None:
    key = str(uuid.uuid4())

    first = graphql(editor, key, "Ada")
    retry = graphql(editor, key, "Ada")

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(editor.ok(editor.get("/api/v1/people"))["items"]) == 1


def test_a_graphql_key_reused_for_other_variables_is_refused(editor: Api) -> None:
    key = str(uuid.uuid4())
    graphql(editor, key, "Ada")

    reused = graphql(editor, key, "Grace").json()

    assert reused["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"
    assert len(editor.ok(editor.get("/api/v1/people"))["items"]) == 1
