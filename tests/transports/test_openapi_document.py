"""The OpenAPI document tells every answer an operation can give, as it is given.

Fuzzing (`make fuzz`) holds the service to the document; these checks keep the
document complete for the answers every operation shares.
"""

from typing import Any

import pytest

from tests.api_client import Api

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(anonymous: Api) -> dict[str, Any]:
    return dict(anonymous.ok(anonymous.get("/schema/openapi.json")))


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and path.startswith("/api/")
    ]


def test_every_operation_documents_the_problems_it_may_answer(document: dict[str, Any]) -> None:
    missing = {
        f"{method.upper()} {path}": sorted(
            {"400", "401", "403", "422", "429", "503"} - set(operation["responses"])
        )
        for path, method, operation in operations(document)
    }

    assert {k: v for k, v in missing.items() if v} == {}
    problem = document["paths"]["/api/v1/people"]["post"]["responses"]["422"]["content"]
    assert problem == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }


def test_writes_document_conflicts_and_versioned_writes_their_preconditions(
    document: dict[str, Any],
) -> None:
    patch = document["paths"]["/api/v1/people/{person_id}"]["patch"]
    create = document["paths"]["/api/v1/people"]["post"]

    assert {"409", "412", "428", "404"} <= set(patch["responses"])
    assert {p["name"]: p["required"] for p in patch["parameters"]}["If-Match"] is True
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert create["security"] == [{"bearer": []}]


def test_bodies_that_refuse_unknown_fields_say_so(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["PersonCreate"]["additionalProperties"] is False
    assert schemas["TargetCreate"]["additionalProperties"] is False


def test_exports_list_the_media_types_of_the_loaded_exporters(document: dict[str, Any]) -> None:
    render = document["paths"]["/api/v1/maps/{map_id}/render"]["get"]["responses"]["200"]
    export = document["paths"]["/api/v1/value-streams/{value_stream_id}/export"]["get"]

    assert "image/svg+xml" in render["content"]
    assert {"application/pdf", "text/html", "text/csv"} <= set(
        export["responses"]["200"]["content"]
    )


def test_the_import_bodies_are_documented(document: dict[str, Any]) -> None:
    imported = document["paths"]["/api/v1/value-streams/{value_stream_id}/maps/import"]["post"]

    assert set(imported["requestBody"]["content"]) == {"application/json", "application/yaml"}
    assert "ValueStreamSnapshot" in str(document["paths"]["/api/v1/import"]["post"]["requestBody"])
