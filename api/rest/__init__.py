"""REST controllers under /api/v1, in the order they appear in the API docs."""

from api.rest.audit import AuditController
from api.rest.organizations import OrganizationController
from api.rest.people import PeopleController
from api.rest.teams import TeamsController
from api.rest.tokens import TokensController

CONTROLLERS: list[type] = [
    OrganizationController,
    PeopleController,
    TeamsController,
    TokensController,
    AuditController,
]
