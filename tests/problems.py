"""Assertions on RFC 9457 problem answers, shared by the REST test modules."""

from typing import Any

PROBLEM_JSON = "application/problem+json"


def assert_problem(
    response: Any, status: int, *, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The answer is a problem of `status`, with a detail, naming `field` when given."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in named_fields(body) or field in body["detail"], body
    return body


def named_fields(body: dict[str, Any]) -> set[str]:
    """The fields a problem blames, from its `errors` list."""
    return {error["field"] for error in body.get("errors", [])}


def problem_fault(
    response: Any, status: int | None = None, *, field: str | None = None
) -> str | None:
    """What is wrong with `response` as a 4xx problem (of `status`, naming `field`), or None.

    For checks that loop over several routes and compare all answers at once.
    """
    if status is None and not 400 <= response.status_code < 500:
        return f"status {response.status_code}: {response.text[:200]}"
    if status is not None and response.status_code != status:
        return f"status {response.status_code}, not {status}: {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
        return f"content-type {response.headers.get('content-type')}"
    body = response.json()
    if not body.get("detail"):
        return "no detail"
    if field is not None and field not in named_fields(body) and field not in body["detail"]:
        return f"{field} not named in {body}"
    return None
