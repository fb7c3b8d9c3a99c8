"""Domain errors, raised in `core` and mapped once per transport.

Each carries a stable machine `code` (GraphQL `extensions.code`, REST problem `type`)
and, where one field is to blame, its name, so a client can point at the input.
"""

from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    field: str
    message: str


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


def not_found(entity: str, ident: object) -> NotFound:
    """The same answer whether the row is missing or belongs to another organization."""
    return NotFound(f"{entity} {ident} not found")


def invalid(exc: Any, what: str, *, prefix: str = "") -> ValidationFailed:
    """A pydantic ValidationError as our error, naming every field it found wrong."""
    problems = [
        FieldProblem(prefix + (".".join(str(p) for p in e["loc"]) or "body"), e["msg"])
        for e in exc.errors()
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ValidationFailed(f"{what} is not valid: {detail}", problems=problems)
