"""Liveness, readiness and the API description: what operators and client authors read first."""

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from api.app import create_app
from core.config import Settings
from tests import dbs
from tests.api_client import Api


def test_health_answers_ok(anonymous: Api) -> None:
    response = anonymous.get("/health")

    assert anonymous.ok(response) == {"status": "ok"}


def test_ready_answers_ready_with_a_working_database(anonymous: Api) -> None:
    response = anonymous.get("/ready")

    assert anonymous.ok(response) == {"status": "ready", "checks": {"read": "ok", "write": "ok"}}


def test_ready_answers_unavailable_without_a_database(
    settings: Settings, plugin_manager: Any, tmp_path: Path
) -> None:
    unreachable = dbs.sqlite_url(tmp_path / "no-such-directory" / "vsm.db")
    app = create_app(
        settings.model_copy(update={"database_url": unreachable}), plugins=plugin_manager
    )

    with TestClient(app) as client:
        ready = client.get("/ready")
        health = client.get("/health")

    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert health.status_code == 200


def test_the_openapi_document_describes_the_rest_api(anonymous: Api) -> None:
    document = anonymous.ok(anonymous.get("/schema/openapi.json"))

    assert document["info"]["title"] == "valuestream"
    for path in ("/api/v1/people", "/api/v1/people/{person_id}", "/api/v1/teams", "/api/v1/audit"):
        assert path in document["paths"], sorted(document["paths"])
    assert "post" in document["paths"]["/api/v1/people"]


def test_the_docs_page_responds(anonymous: Api) -> None:
    response = anonymous.get("/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/assets/swagger-ui-" in response.text and "/api/v1/people" in response.text


def test_a_problem_carries_the_callers_request_id(anonymous: Api) -> None:
    response = anonymous.get("/api/v1/people", headers={"X-Request-ID": "trace-123"})

    assert response.status_code == 401
    assert response.json()["request_id"] == "trace-123"
