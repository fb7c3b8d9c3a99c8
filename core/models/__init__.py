"""Every table model, imported so `SQLModel.metadata` knows the whole schema."""

from core.models.audit import AuditEvent
from core.models.organization import Organization
from core.models.person import Person
from core.models.team import Team, TeamMember
from core.models.token import ApiToken

__all__ = ["ApiToken", "AuditEvent", "Organization", "Person", "Team", "TeamMember"]
