"""Who is calling: the organization every query is scoped to, and what they may do."""

import uuid
from dataclasses import dataclass

from core.errors import Forbidden
from core.models.token import Role


@dataclass(frozen=True, slots=True)
class Actor:
    organization_id: uuid.UUID
    role: Role
    token_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    request_id: str | None = None

    def for_request(self, request_id: str) -> "Actor":
        """The same caller, tagged with one request (a cached actor serves many)."""
        return Actor(
            organization_id=self.organization_id,
            role=self.role,
            token_id=self.token_id,
            person_id=self.person_id,
            request_id=request_id,
        )

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise Forbidden(f"this needs the {role.value} role; the token has {self.role.value}")

    def require_write(self) -> None:
        self.require(Role.editor)

    def require_admin(self) -> None:
        self.require(Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin
