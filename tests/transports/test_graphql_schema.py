"""The schema for schema-aware clients: introspection for callers with a token, the SDL
over HTTP and in the repository, kept current by this test."""

from pathlib import Path
from typing import Any

import pytest

from api.graphql import convert
from api.graphql.schema import build_schema
from api.graphql.sdl import REGENERATE, SDL_FILE, sdl
from core.config import Settings
from core.models.token import Role
from tests.api_client import Api
from tests.conftest import Tenant
from tests.core_models import core_read_models
from tests.transports.test_graphql import codes, post


def test_the_schema_file_in_the_repository_is_current(settings: Settings) -> None:
    current = sdl(build_schema(settings))

    assert SDL_FILE.read_text(encoding="utf-8") == current, (
        f"{SDL_FILE.relative_to(Path.cwd())} is out of date with the GraphQL schema; "
        f"regenerate it with `{REGENERATE}` and commit it"
    )


def test_graphql_derives_the_type_of_every_read_model_of_core(settings: Settings) -> None:
    """A hand-written copy of a read model's fields drifts from it; a derived type cannot."""
    build_schema(settings)

    copied = [m.__name__ for m in core_read_models() if m not in convert._outputs]

    assert copied == [], f"derive these with convert.output_type: {copied}"


def test_introspection_answers_a_token_by_default(viewer: Api, anonymous: Api) -> None:
    query = "{ __schema { queryType { name } } }"

    answered = viewer.graphql(query)
    refused = anonymous.client.post("/graphql", json={"query": query})

    assert Settings.model_fields["graphql_introspection"].default is True
    assert answered == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert refused.status_code == 401


def test_the_sdl_is_served_to_callers_with_a_token(viewer: Api, anonymous: Api) -> None:
    served = viewer.get("/graphql/schema.graphql")
    refused = anonymous.get("/graphql/schema.graphql")

    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/plain")
    assert served.text == SDL_FILE.read_text(encoding="utf-8")
    assert "portfolio(" in served.text and "@cost(weight: 10)" in served.text
    assert refused.status_code == 401


def test_turning_introspection_off_also_withholds_the_sdl(app_with: Any) -> None:
    closed = app_with(graphql_introspection=False)

    assert closed.get("/graphql/schema.graphql").status_code == 404
    assert set(codes(post(closed, "{ __schema { queryType { name } } }"))) == {
        "GRAPHQL_VALIDATION_FAILED"
    }


def test_the_gql_client_fetches_the_schema_from_a_running_server(
    running_server: str, tenant: Tenant
) -> None:
    gql = pytest.importorskip("gql", reason="gql (a dev dependency) is missing")
    from gql.transport.httpx import HTTPXTransport

    transport = HTTPXTransport(
        url=f"{running_server}/graphql",
        headers={"Authorization": f"Bearer {tenant.secrets[Role.viewer]}"},
    )
    client = gql.Client(transport=transport, fetch_schema_from_transport=True)

    with client as session:
        answer = session.execute(gql.gql("{ me { role organization { slug } } }"))
        schema = client.schema

    assert answer == {"me": {"role": "viewer", "organization": {"slug": "acme"}}}
    assert schema is not None
    assert {"portfolio", "valueStream", "flowMetrics"} <= set(schema.query_type.fields)
    with pytest.raises(Exception, match="Cannot query field 'nope'"):
        client.validate(gql.gql("{ nope }"))
