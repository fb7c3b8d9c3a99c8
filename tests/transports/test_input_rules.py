"""The status rule: a request that cannot be read is 400, readable input that is wrong is 422.

Both answers name the field; a list of allowed values comes with an enumerated one.
Nothing the OpenAPI forbids is accepted because a lax parser could make sense of it.
"""

from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

NUL = "\u0000"


def nested(depth: int) -> Any:
    document: Any = "leaf"
    for _ in range(depth):
        document = [document]
    return document


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": f"a{NUL}b"}, "name"),
        ({"name": "A", "title": f"{NUL}"}, "title"),
        ({"name": "A", f"ti{NUL}tle": "x"}, "body"),
    ],
)
def test_text_holding_a_nul_character_is_refused_naming_the_field(
    editor: Api, body: dict[str, Any], field: str
) -> None:
    response = editor.post("/api/v1/people", body)

    assert_problem(response, 400, code="BAD_REQUEST", field=field)
    assert editor.ok(editor.get("/api/v1/people"))["items"] == []


def test_a_nul_deep_in_a_list_is_named_by_its_path(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    item = {"external_id": f"W-{NUL}1", "type": "feature", "created_at": "2025-01-01T00:00:00Z"}
    url = f"/api/v1/value-streams/{stream['id']}/work-items/bulk"

    response = editor.post(url, {"items": [item]})

    assert_problem(response, 400, field="items[0].external_id")


@pytest.mark.parametrize("param", ["q", "cursor"])
def test_a_nul_in_a_query_parameter_is_refused_naming_it(editor: Api, param: str) -> None:
    response = editor.get("/api/v1/people", params={param: f"a{NUL}b"})

    assert_problem(response, 400, code="BAD_REQUEST", field=param)


@pytest.mark.parametrize("depth", [65, 5_000, 100_000])
def test_a_body_nested_too_deep_is_refused_not_crashed(editor: Api, depth: int) -> None:
    title = "[" * depth + '"leaf"' + "]" * depth
    response = editor.post(
        "/api/v1/people",
        content=f'{{"name": "A", "title": {title}}}'.encode(),
        headers={"Content-Type": "application/json"},
    )

    body = assert_problem(response, 400, code="BAD_REQUEST")
    assert "nested deeper" in body["detail"]


def test_a_body_nested_within_the_limit_reaches_validation(editor: Api) -> None:
    response = editor.post("/api/v1/people", {"name": "A", "title": nested(60)})

    assert_problem(response, 422, code="VALIDATION_FAILED", field="title")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "active": 0}, "active"),
        ({"name": "A", "active": "true"}, "active"),
        ({"name": 12}, "name"),
    ],
)
def test_a_body_must_have_the_json_types_it_documents(
    editor: Api, body: dict[str, Any], field: str
) -> None:
    response = editor.post("/api/v1/people", body)

    assert_problem(response, 422, code="VALIDATION_FAILED", field=field)


def test_numbers_written_as_text_are_not_numbers(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    body = {
        "metric": "lead_time",
        "baseline": "20",
        "target": 10,
        "direction": "lower_is_better",
        "unit": "days",
        "due_date": "2027-06-30",
    }

    response = editor.post(f"/api/v1/value-streams/{stream['id']}/targets", body)

    assert_problem(response, 422, field="baseline")


def test_a_time_given_as_a_number_is_refused(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    response = editor.post(
        f"/api/v1/value-streams/{stream['id']}/targets/measure-flow", {"start": 0, "end": 5}
    )

    body = assert_problem(response, 422, field="start")
    assert "end" in {error["field"] for error in body["errors"]}


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/audit", {"until": "0.5"}, "until"),
        ("/api/v1/audit", {"since": "1700000000"}, "since"),
        ("/api/v1/people", {"active": "0"}, "active"),
        ("/api/v1/people", {"active": "yes"}, "active"),
        ("/api/v1/people", {"limit": "1.0"}, "limit"),
    ],
)
def test_a_query_parameter_must_be_spelled_as_documented(
    admin: Api, url: str, params: dict[str, str], field: str
) -> None:
    response = admin.get(url, params=params)

    assert_problem(response, 422, code="VALIDATION_FAILED", field=field)


def test_documented_spellings_of_query_parameters_are_accepted(admin: Api) -> None:
    answers = [
        admin.get("/api/v1/audit", params={"since": "2026-01-01T00:00:00Z"}),
        admin.get("/api/v1/audit", params={"until": "2026-01-01T00:00:00+02:00"}),
        admin.get("/api/v1/people", params={"active": "true", "limit": "5"}),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]


def test_an_unknown_value_of_an_enumerated_parameter_lists_the_allowed_ones(admin: Api) -> None:
    response = admin.get("/api/v1/tokens", params={"role": "owner"})

    body = assert_problem(response, 422, field="role")
    assert body["errors"][0]["allowed"] == ["viewer", "editor", "admin"]


def test_an_unknown_value_in_a_body_lists_the_allowed_ones(admin: Api) -> None:
    response = admin.post("/api/v1/tokens", {"name": "t", "role": "owner"})

    body = assert_problem(response, 422, field="role")
    assert body["errors"][0]["allowed"] == ["viewer", "editor", "admin"]


def test_an_unknown_bucket_lists_the_buckets(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    params = {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z", "bucket": "year"}

    response = editor.get(f"/api/v1/value-streams/{stream['id']}/flow-metrics", params=params)

    body = assert_problem(response, 422, field="bucket")
    assert body["errors"][0]["allowed"] == ["day", "week", "month"]
    assert "regex" not in body["detail"]


def test_a_missing_parameter_is_named(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    response = editor.get(
        f"/api/v1/value-streams/{stream['id']}/flow-metrics",
        params={"end": "2025-02-01T00:00:00Z"},
    )

    assert_problem(response, 422, field="start")


def test_messages_of_model_rules_read_as_rules(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    body = {
        "metric": "custom",
        "baseline": 1,
        "target": 0,
        "direction": "lower_is_better",
        "due_date": "2027-01-01",
    }

    response = editor.post(f"/api/v1/value-streams/{stream['id']}/targets", body)

    problem = assert_problem(response, 422, code="VALIDATION_FAILED")
    assert "Value error" not in response.text
    assert all(error["message"] for error in problem["errors"])


@pytest.mark.parametrize(
    ("kind", "field"),
    [("backlog-items", "status"), ("targets", "target"), ("risks", "title")],
)
def test_a_patch_that_nulls_a_required_field_names_it(
    editor: Api, factory: Factory, kind: str, field: str
) -> None:
    """The kind's own rules never see a null they were not written for (it was a 500)."""
    stream = factory.value_stream()
    made = {
        "backlog-items": factory.backlog_item,
        "targets": factory.target,
        "risks": factory.risk,
    }[kind](stream)

    response = editor.patch(f"/api/v1/{kind}/{made['id']}", {field: None}, if_match=1)

    assert_problem(response, 422, code="VALIDATION_FAILED", field=field)
