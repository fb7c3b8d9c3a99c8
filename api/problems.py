"""Errors as RFC 9457 problem details, mapped once for the whole REST surface."""

import logging
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
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_428_PRECONDITION_REQUIRED,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from pydantic import ValidationError as PydanticValidationError

from core import errors

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


def domain_error_handler(
    request: Request[Any, Any, Any], exc: errors.DomainError
) -> Response[dict[str, Any]]:
    status = _status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTP_401_UNAUTHORIZED else None
    return problem(
        request,
        status=status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        field_errors=[{"field": p.field, "message": p.message} for p in exc.problems],
        extra=exc.extra,
        headers=headers,
    )


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own input validation (body, query, path) with each field named."""
    field_errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            field_errors.append({"field": field, "message": str(item.get("message", ""))})
    detail = exc.detail or "the request is not valid"
    if field_errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors)
    return problem(
        request,
        status=HTTP_400_BAD_REQUEST,
        code="BAD_REQUEST",
        title="Invalid request",
        detail=detail,
        field_errors=field_errors,
    )


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
    field_errors = [
        {"field": ".".join(str(part) for part in err["loc"]) or "body", "message": err["msg"]}
        for err in exc.errors()
    ]
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
