"""How REST reads what a client sends: as documented in the OpenAPI, and nothing looser.

Litestar converts query parameters with msgspec in lax mode and validates bodies
with pydantic in lax mode, so `?until=0.5` became a date in 1970, `"active": 0` a
`false` and `"baseline": "1.5"` a number. Here a body must first have the JSON
types its model's schema publishes (`api.json_types`), and query parameters of
scalar types must be written the way the OpenAPI says. A readable request whose
content is wrong is a 422 naming each field; one that cannot be read is a 400.
"""

import inspect
import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request
from litestar.plugins.pydantic import PydanticInitPlugin
from litestar.types import Empty
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from api import idempotency
from api.json_types import type_problems
from core.errors import BadRequest, FieldProblem, ValidationFailed, field_problems
from core.input_limits import MAX_DEPTH, check_document, check_text

THREAD_BODY_BYTES = 256 * 1024
"""Bodies larger than this are decoded and checked in a worker thread, off the event loop."""


def decode_body(body: bytes) -> Any:
    """The body as a JSON document, or a 400 saying why it cannot be read."""
    try:
        value = msgspec.json.decode(body or b"null")
    except RecursionError as exc:
        raise BadRequest(f"the body is nested deeper than {MAX_DEPTH} levels") from exc
    except msgspec.DecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    brackets = body.count(b"[") + body.count(b"{")
    if brackets > MAX_DEPTH or b"\\u0000" in body:
        check_document(value)
    return value


class ApiRequest(Request[Any, Any, Any]):
    """A request whose JSON body is checked before any handler sees it."""

    async def json(self) -> Any:
        if self._json is Empty:
            cached = self._connection_state.json
            if cached is not Empty:
                self._json = cached
            else:
                body = await self.body()
                if len(body) > THREAD_BODY_BYTES:
                    value = await anyio.to_thread.run_sync(decode_body, body)
                else:
                    value = decode_body(body)
                self._json = self._connection_state.json = value
        return self._json


def _refuse(problems: list[FieldProblem], exc: Exception | None = None) -> ValidationFailed:
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ValidationFailed(f"the body is not valid: {detail}", problems=problems)


def validate_body(model: type[BaseModel], value: Any) -> BaseModel:
    """Validate a decoded body against `model`: first its JSON types, then its rules."""
    problems = type_problems(model, value)
    if problems:
        raise _refuse(problems)
    try:
        return model.model_validate(value)
    except PydanticValidationError as exc:
        raise _refuse(field_problems(exc.errors(include_url=False))) from exc


class StrictBodyPlugin(PydanticInitPlugin):
    """Litestar's pydantic integration, with bodies held to the JSON types they document."""

    @classmethod
    def decoders(
        cls, validate_strict: bool = False
    ) -> list[tuple[Callable[[Any], bool], Callable[[Any, Any], Any]]]:
        return [
            (
                lambda annotation: (
                    inspect.isclass(annotation) and issubclass(annotation, BaseModel)
                ),
                validate_body,
            ),
            *super().decoders(validate_strict=validate_strict),
        ]


# --- query parameters -------------------------------------------------------------

_INTEGER = re.compile(r"-?\d{1,18}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[-+]\d{2}:?\d{2})?"
)

_RULES: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"true|false"), "must be true or false"),
    int: (_INTEGER, "must be a whole number"),
    float: (_NUMBER, "must be a finite number"),
    datetime: (_DATETIME, "must be a date and time in ISO 8601, e.g. 2026-01-31T09:00:00Z"),
    date: (_DATE, "must be a date in ISO 8601, e.g. 2026-01-31"),
}


def _scalar(annotation: Any) -> Any:
    """The scalar type behind `Annotated[...]` and `X | None`, or None when there is none."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            return None
        annotation = _scalar(inner[0])
    return annotation if annotation in _RULES else None


Rules = dict[str, tuple[re.Pattern[str], str]]


def _query_rules(request: Request[Any, Any, Any]) -> Rules:
    """Per route handler, once per app: which query parameters need which spelling."""
    handler = request.route_handler
    by_handler: dict[Any, Rules] = request.app.state.vsm.query_rules
    rules = by_handler.get(handler)
    if rules is None:
        rules = by_handler[handler] = _rules_of(handler, request.path_params)
    return rules


def _rules_of(handler: Any, path_params: dict[str, Any]) -> Rules:
    rules: Rules = {}
    dependencies = handler.resolve_dependencies()
    signatures = [handler.parsed_fn_signature]
    for provide in dependencies.values():
        parsed = getattr(provide, "parsed_fn_signature", None)
        if parsed is not None:
            signatures.append(parsed)
    for signature in signatures:
        for name, parameter in signature.parameters.items():
            scalar = _scalar(parameter.annotation)
            injected = name in dependencies or name in path_params
            if scalar is not None and not injected:
                rules[name] = _RULES[scalar]
    return rules


def check_query(request: Request[Any, Any, Any]) -> None:
    """Refuse NUL characters in any query parameter and loose spellings of typed ones."""
    if not request.scope.get("query_string"):
        return
    params = request.query_params
    for name in params:
        for value in params.getall(name):
            check_text(value, field=name)
    rules = _query_rules(request)
    problems = []
    for name, (pattern, message) in rules.items():
        for value in params.getall(name, []):
            if not pattern.fullmatch(value):
                problems.append(FieldProblem(name, message))
    if problems:
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise ValidationFailed(f"the query is not valid: {detail}", problems=problems)


async def before_request(request: Request[Any, Any, Any]) -> None:
    idempotency.open_slot()
    check_query(request)
