"""The OpenAPI document says every answer an operation can give, as it is given.

Litestar documents what a handler returns and a 400 in its own shape; our errors
are RFC 9457 problem documents with their own statuses, raised in core and
mapped once. So the answers every operation shares are added here, from the
same rules that produce them: who may call (401, 403, 429), what names an object
(404), what writes (409, 422, 507), what needs If-Match (412, 428), what may be
retried with an Idempotency-Key, and what any request may meet (400, 503).
"""

import typing
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute
from pydantic import BaseModel

from api.headers import path_template
from api.urls import API_PREFIX
from core.exports.snapshots import ValueStreamSnapshot
from core.maps.document_schema import MapDocument

PROBLEM_JSON = "application/problem+json"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = frozenset({"/health", "/ready"})

STATUS_TEXT = {
    400: "The request cannot be read: not JSON, nested too deep, or text holding a NUL",
    401: "No valid token was sent",
    403: "The token's role does not allow this",
    404: "No such object in the caller's organization",
    409: "The change conflicts with stored data (a rule, a unique value, a blocked gate)",
    412: "If-Match names no current version: someone changed the object since it was read",
    413: "The body is larger than this server takes (VSM_MAX_REQUEST_BODY_BYTES, or an import's "
    "own limit)",
    422: "The input is readable but not valid; `errors` names each field and why",
    428: "A write that changes a versioned object needs If-Match with its ETag",
    429: "Too many requests from this token, or failed authentications from this address",
    503: "Overloaded, past the request deadline, or the database is unavailable; retry later",
    507: "The database has no room to store the change",
}

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="An RFC 9457 problem document.",
    required=["type", "title", "status", "detail", "code"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="a URN naming the kind of problem"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="what went wrong, for people"),
        "instance": Schema(type=OpenAPIType.STRING),
        "code": Schema(
            type=OpenAPIType.STRING,
            description="stable machine code: BAD_REQUEST, VALIDATION_FAILED, NOT_FOUND, "
            "STALE_VERSION, GATE_BLOCKED, DATABASE_UNAVAILABLE, ...",
        ),
        "request_id": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                    "allowed": Schema(
                        type=OpenAPIType.ARRAY,
                        items=Schema(type=OpenAPIType.STRING),
                        description="the values the field may take, when they are a list",
                    ),
                },
            ),
        ),
    },
)

PROBLEM_REF = Reference(ref="#/components/schemas/Problem")

RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER), description="seconds to wait before trying again"
)
RATE_LIMIT_HEADERS = {
    "RateLimit": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description='remaining budget, e.g. `"per-token";r=2999;t=1` (IETF httpapi draft)',
    ),
    "RateLimit-Policy": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description='the budget, e.g. `"per-token";q=3000;w=60`',
    ),
}

IF_MATCH = Parameter(
    name="If-Match",
    param_in="header",
    required=True,
    description='The ETag read before the change (e.g. `"3"`), a list of them, or `*` for any '
    "version; compared strongly (RFC 9110).",
    schema=Schema(type=OpenAPIType.STRING),
)
IDEMPOTENCY_KEY = Parameter(
    name="Idempotency-Key",
    param_in="header",
    required=False,
    description="Any unique string (a UUID): a retry with the same key and body within 24 "
    "hours answers as the first request did instead of doing it again.",
    schema=Schema(type=OpenAPIType.STRING, pattern=r"^[\x21-\x7E]{1,255}$"),
)


def _handlers(app: Litestar) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method, (handler, _kwargs) in route.route_handler_map.items():
                found[(path_template(route.path), method.upper())] = handler
    return found


def _problem(status: int) -> OpenAPIResponse:
    headers: dict[str, OpenAPIHeader | Reference] = {}
    if status in (429, 503, 507):
        headers["Retry-After"] = RETRY_AFTER
    if status == 429:
        headers.update(RATE_LIMIT_HEADERS)
    return OpenAPIResponse(
        description=STATUS_TEXT[status],
        headers=headers or None,
        content={
            PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
        },
    )


def _statuses(path: str, method: str, handler: Any) -> list[int]:
    if path in PUBLIC:
        return [503]
    statuses = [400, 401, 403, 422, 429, 503]
    if "{" in path:
        statuses.append(404)
    if method in WRITES:
        statuses += [409, 413, 507]
    if _takes(handler, "expected_version"):
        statuses += [412, 428]
    return sorted(set(statuses))


def _takes(handler: Any, name: str) -> bool:
    return handler is not None and name in handler.parsed_fn_signature.parameters


def _document(operation: Operation, path: str, method: str, handler: Any) -> None:
    responses = operation.responses or {}
    for status in _statuses(path, method, handler):
        responses[str(status)] = _problem(status)
    operation.responses = responses
    parameters = list(operation.parameters or [])
    names = {getattr(p, "name", None) for p in parameters}
    if _takes(handler, "expected_version") and "If-Match" not in names:
        parameters.append(IF_MATCH)
    if method == "POST" and _takes(handler, "session") and "Idempotency-Key" not in names:
        parameters.append(IDEMPOTENCY_KEY)
    operation.parameters = parameters or None
    if path not in PUBLIC:
        operation.security = [{"bearer": []}]


def _add_models(document: dict[str, Any], *models: type[BaseModel]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[model.__name__] = schema


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _document_raw_bodies(document: dict[str, Any]) -> None:
    """Operations that read or write a document themselves (JSON or YAML) say its shape."""
    _add_models(document, MapDocument, ValueStreamSnapshot)
    paths = document["paths"]
    document_schema = _ref(MapDocument)
    for route in ("document", "export"):
        answer = paths[f"{API_PREFIX}/maps/{{map_id}}/{route}"]["get"]["responses"]["200"]
        answer["content"] = {
            "application/json": {"schema": document_schema},
            "application/yaml": {"schema": document_schema},
        }
    paths[f"{API_PREFIX}/value-streams/{{value_stream_id}}/maps/import"]["post"]["requestBody"] = {
        "required": True,
        "description": "A map document, as `GET /maps/{id}/document` gives it.",
        "content": {
            "application/json": {"schema": document_schema},
            "application/yaml": {"schema": document_schema},
        },
    }
    paths[f"{API_PREFIX}/import"]["post"]["requestBody"] = {
        "required": True,
        "description": "A value stream's JSON export (`GET /value-streams/{id}/export`).",
        "content": {"application/json": {"schema": _ref(ValueStreamSnapshot)}},
    }


def _body_models(app: Litestar) -> dict[str, type[BaseModel]]:
    """Every model a request body is validated with, nested ones too, by schema name."""
    found: dict[str, type[BaseModel]] = {}
    pending = [
        handler.parsed_fn_signature.parameters["data"].annotation
        for handler in _handlers(app).values()
        if handler is not None and "data" in handler.parsed_fn_signature.parameters
    ]
    seen: set[int] = set()
    while pending:
        annotation = pending.pop()
        if id(annotation) in seen:
            continue
        seen.add(id(annotation))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.setdefault(annotation.__name__, annotation)
            pending += [f.annotation for f in annotation.model_fields.values()]
        else:
            pending += list(typing.get_args(annotation))
    return found


def _closed_objects(document: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """A body model that refuses unknown fields says so (`additionalProperties: false`)."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        model = models.get(name)
        if model is not None and model.model_config.get("extra") == "forbid":
            schema["additionalProperties"] = False


class _CompletingOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's own OpenAPI plugin, completing its document the first time it is asked.

    Building and completing the document costs more than half of making an app, and most
    apps (every worker until someone reads `/schema`, every test's app) are never asked
    for it. Litestar adds its plugin itself, so `complete` gives that instance this class;
    it adds no state (`__slots__` is empty), only when the document is finished.
    """

    __slots__ = ()

    def provide_openapi(self) -> OpenAPI:
        if not self._openapi:
            document = self._build_openapi()
            _complete_object(self.app, document)
            self._openapi = document
        return self._openapi

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            served = self.provide_openapi().to_schema()
            _complete_served(self.app, served)
            self._openapi_schema = served
        return self._openapi_schema


def complete(app: Litestar) -> None:
    """Make the app's OpenAPI document complete itself when it is first asked for."""
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletingOpenAPIPlugin


def _complete_object(app: Litestar, document: OpenAPI) -> None:
    """The shared answers, parameters and security of every operation."""
    handlers = _handlers(app)
    for path, item in (document.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is not None:
                handler = handlers.get((path, method.upper()))
                _document(operation, path, method.upper(), handler)
    components = document.components or Components()
    schemas = dict(components.schemas or {})
    schemas["Problem"] = PROBLEM_SCHEMA
    components.schemas = schemas
    components.security_schemes = {
        "bearer": SecurityScheme(
            type="http",
            scheme="bearer",
            description="An API token: `Authorization: Bearer vsm_...`",
        )
    }
    document.components = components


EXPORT_ROUTES = {
    f"{API_PREFIX}/value-streams/{{value_stream_id}}/export": "value_stream",
    f"{API_PREFIX}/value-streams/{{value_stream_id}}/backlog/export": "backlog",
    f"{API_PREFIX}/maps/{{map_id}}/render": "map",
    f"{API_PREFIX}/portfolio/export": "portfolio",
}


def _document_exports(served: dict[str, Any], exporters: dict[str, Any]) -> None:
    """An export answers in the media type of the format chosen, from the loaded exporters."""
    for path, subject in EXPORT_ROUTES.items():
        operation = served["paths"].get(path, {}).get("get")
        if operation is None:
            continue
        media_types = sorted({e.media_type for e in exporters.values() if subject in e.subjects})
        operation["responses"]["200"] = {
            "description": "The file, streamed, in the format asked for (`format` or Accept), "
            "named in Content-Disposition.",
            "content": {
                media_type: {"schema": _file_schema(media_type)} for media_type in media_types
            },
        }


def _file_schema(media_type: str) -> dict[str, Any]:
    """A JSON export is a JSON document (the snapshot the exporters render); others are files."""
    if media_type == "application/json":
        return {"type": "object", "description": "the export document (`format` names its kind)"}
    return {"type": "string", "format": "binary"}


def _complete_served(app: Litestar, served: dict[str, Any]) -> None:
    """What the JSON document says that Litestar's objects cannot: raw bodies, closed objects,
    the media types of the exports."""
    _document_raw_bodies(served)
    _closed_objects(served, _body_models(app))
    _document_exports(served, app.state.vsm.exporters)
