"""Domain errors, raised in `core` and mapped once per transport.

Each carries a stable machine `code` (GraphQL `extensions.code`, REST problem `type`)
and, where one field is to blame, its name, so a client can point at the input.
"""

import re
from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    """One field the client got wrong; `allowed` lists the values it may take, if a list."""

    field: str
    message: str
    allowed: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.allowed is not None:
            answer["allowed"] = self.allowed
        return answer


class DomainError(Exception):
    code = "DOMAIN_ERROR"
    title = "Request could not be completed"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        problems: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or ([FieldProblem(field, detail)] if field else [])
        self.extra = extra or {}


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    title = "Not allowed"


class NotFound(DomainError):
    code = "NOT_FOUND"
    title = "Not found"


class Conflict(DomainError):
    code = "CONFLICT"
    title = "Conflict with the stored state"


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"
    title = "Invalid input"


class StaleVersion(DomainError):
    code = "STALE_VERSION"
    title = "The object changed since you read it"


class GateBlocked(Conflict):
    code = "GATE_BLOCKED"
    title = "The phase gate does not pass"


class BadRequest(DomainError):
    """The request cannot be read at all: not JSON, nested too deep, text holding NUL.

    Everything readable whose content is wrong is a `ValidationFailed` instead.
    """

    code = "BAD_REQUEST"
    title = "The request cannot be read"


class ContentTooLarge(DomainError):
    """The request carries more than the operation takes (a body, a document)."""

    code = "CONTENT_TOO_LARGE"
    title = "Content too large"


class Unavailable(DomainError):
    """The service cannot answer now, through no fault of the request; retrying later helps.

    `retry_after` is the number of seconds a client should wait before trying again.
    """

    code = "SERVICE_UNAVAILABLE"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class DatabaseUnavailable(Unavailable):
    code = "DATABASE_UNAVAILABLE"
    title = "The database is not available"


class DatabaseReadOnly(DatabaseUnavailable):
    code = "DATABASE_READ_ONLY"
    title = "The database accepts no changes now"


class StorageFull(Unavailable):
    code = "STORAGE_FULL"
    title = "The database has no room to store the change"


class TooManyRequests(Unavailable):
    code = "TOO_MANY_REQUESTS"
    title = "Too many requests"


def not_found(entity: str, ident: object) -> NotFound:
    """The same answer whether the row is missing or belongs to another organization."""
    return NotFound(f"{entity} {ident} not found")


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def field_problems(
    errors: list[Any], *, prefix: str = "", default_field: str = "body"
) -> list[FieldProblem]:
    """pydantic's error list as field problems: a dotted field name, a plain message.

    pydantic prefixes messages of custom validators with "Value error, "; a client
    reads the rule, not where in our code it was checked. Enum and literal errors
    carry the allowed values, which a client shows next to the field.
    """
    problems = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "is not valid"))
        for noise in _PYDANTIC_PREFIXES:
            message = message.removeprefix(noise)
        allowed = None
        if error.get("type") in ("enum", "literal_error"):
            expected = str((error.get("ctx") or {}).get("expected", ""))
            allowed = _QUOTED.findall(expected) or None
        field = prefix + location if location else default_field
        problems.append(FieldProblem(field, message, allowed))
    return problems


def refused(problems: list[FieldProblem]) -> ValidationFailed:
    """One error for several fields, its detail naming each, for clients that show only it."""
    return ValidationFailed(
        "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
    )


def invalid(exc: Any, what: str, *, prefix: str = "") -> ValidationFailed:
    """A pydantic ValidationError as our error, naming every field it found wrong."""
    problems = field_problems(exc.errors(), prefix=prefix)
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ValidationFailed(f"{what} is not valid: {detail}", problems=problems)
