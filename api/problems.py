"""Errors as RFC 9457 problem details, mapped once for the whole REST surface."""

import enum
import logging
import re
import typing
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_412_PRECONDITION_FAILED,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_428_PRECONDITION_REQUIRED,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
    HTTP_507_INSUFFICIENT_STORAGE,
)
from litestar.utils.signature import ParsedSignature
from pydantic import ValidationError as PydanticValidationError

from api.fields import renamed
from core import errors
from core.db_errors import as_outage

logger = logging.getLogger("valuestream.api")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.Unauthenticated: HTTP_401_UNAUTHORIZED,
    errors.Forbidden: HTTP_403_FORBIDDEN,
    errors.NotFound: HTTP_404_NOT_FOUND,
    errors.GateBlocked: HTTP_409_CONFLICT,
    errors.Conflict: HTTP_409_CONFLICT,
    errors.ValidationFailed: HTTP_422_UNPROCESSABLE_ENTITY,
    errors.StaleVersion: HTTP_412_PRECONDITION_FAILED,
    errors.BadRequest: HTTP_400_BAD_REQUEST,
    errors.ContentTooLarge: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    errors.TooManyRequests: HTTP_429_TOO_MANY_REQUESTS,
    errors.StorageFull: HTTP_507_INSUFFICIENT_STORAGE,
    errors.Unavailable: HTTP_503_SERVICE_UNAVAILABLE,
}


def _status_for(exc: errors.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return HTTP_400_BAD_REQUEST


def problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    field_errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:valuestream:problem:{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if field_errors:
        body["errors"] = field_errors
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


QUERY_PARAMETERS = {"page_size": "limit"}
"""The domain's paging words as REST's query parameters name them (`cursor` is both)."""


def domain_error_handler(
    request: Request[Any, Any, Any], exc: errors.DomainError
) -> Response[dict[str, Any]]:
    exc = renamed(exc, QUERY_PARAMETERS)
    status = _status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTP_401_UNAUTHORIZED else {}
    if isinstance(exc, errors.Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    return problem(
        request,
        status=status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        field_errors=[p.as_dict() for p in exc.problems],
        extra=exc.extra,
        headers=headers or None,
    )


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own checks of query, path and header parameters, each field named.

    They read fine but hold the wrong content, so the answer is a 422 like every
    other invalid value, with the allowed values of an enumerated parameter.
    """
    field_errors: list[dict[str, Any]] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            entry: dict[str, Any] = {"field": field, "message": _plain(item.get("message"))}
            allowed = _allowed_values(request, field)
            if allowed is not None:
                entry["allowed"] = allowed
            field_errors.append(entry)
    missing = _MISSING.match(exc.detail or "")
    if missing and not field_errors:
        field_errors.append(
            {"field": missing["name"], "message": f"the {missing['where']} parameter is required"}
        )
    detail = exc.detail or "the request is not valid"
    if field_errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors)
    return problem(
        request,
        status=HTTP_422_UNPROCESSABLE_ENTITY,
        code="VALIDATION_FAILED",
        title="Invalid input",
        detail=detail,
        field_errors=field_errors,
    )


_MSGSPEC_TYPES = re.compile(r"`(\w+)`")
_MISSING = re.compile(r"Missing required (?P<where>\w+) parameter '(?P<name>[^']+)'")


def _plain(message: Any) -> str:
    """msgspec's "Expected `int` >= 1, got `str`" without the code formatting."""
    return _MSGSPEC_TYPES.sub(r"\1", str(message or "is not valid"))


def _annotation_of(request: Request[Any, Any, Any], field: str) -> Any:
    """The type a parameter was declared with, in the handler or one of its dependencies."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return None
    signatures: list[ParsedSignature | None] = [handler.parsed_fn_signature]
    for provide in handler.resolve_dependencies().values():
        signatures.append(getattr(provide, "parsed_fn_signature", None))
    for signature in signatures:
        parameter = signature.parameters.get(field) if signature is not None else None
        if parameter is not None:
            return parameter.annotation
    return None


def _allowed_values(request: Request[Any, Any, Any], field: str) -> list[str] | None:
    """The values an enumerated parameter takes, read from its declaration."""
    annotation = _annotation_of(request, field)
    for candidate in (annotation, *typing.get_args(annotation)):
        for inner in (candidate, *typing.get_args(candidate)):
            if typing.get_origin(inner) is typing.Literal:
                return [str(value) for value in typing.get_args(inner)]
            if isinstance(inner, type) and issubclass(inner, enum.Enum):
                return [str(member.value) for member in inner]
    return None


def http_error_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    status = exc.status_code
    code = {
        HTTP_400_BAD_REQUEST: "BAD_REQUEST",
        HTTP_428_PRECONDITION_REQUIRED: "PRECONDITION_REQUIRED",
        HTTP_401_UNAUTHORIZED: "UNAUTHENTICATED",
        HTTP_403_FORBIDDEN: "FORBIDDEN",
        HTTP_404_NOT_FOUND: "NOT_FOUND",
    }.get(status, f"HTTP_{status}")
    if isinstance(exc, NotAuthorizedException):
        code = "UNAUTHENTICATED"
    elif isinstance(exc, PermissionDeniedException):
        code = "FORBIDDEN"
    headers = dict(exc.headers or {})
    if status == HTTP_401_UNAUTHORIZED:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return problem(
        request,
        status=status,
        code=code,
        title=_reason(status),
        detail=str(exc.detail),
        headers=headers or None,
    )


def pydantic_error_handler(
    request: Request[Any, Any, Any], exc: PydanticValidationError
) -> Response[dict[str, Any]]:
    """Input that reached a model only after the transport parsed it (filters, nested data)."""
    field_errors = [p.as_dict() for p in errors.field_problems(exc.errors())]
    return problem(
        request,
        status=HTTP_422_UNPROCESSABLE_ENTITY,
        code="VALIDATION_FAILED",
        title="Invalid input",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in field_errors),
        field_errors=field_errors,
    )


def internal_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    """An outage of the database is told as one (503/507); anything else is our bug."""
    outage = as_outage(exc)
    if outage is not None:
        logger.warning(
            "database outage on %s %s: %s", request.method, request.url.path, outage.detail
        )
        if isinstance(outage, errors.StorageFull | errors.DatabaseReadOnly):
            request.app.state.vsm.write_health.failed(outage.detail)
        return domain_error_handler(request, outage)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="INTERNAL",
        title="Internal server error",
        detail="an unexpected error occurred; it has been logged",
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


EXCEPTION_HANDLERS: dict[Any, Any] = {
    errors.DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    PydanticValidationError: pydantic_error_handler,
    Exception: internal_error_handler,
}
