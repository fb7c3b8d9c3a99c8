"""REST controllers under `api.urls.API_PREFIX`, in the order they appear in the API docs."""

from api.rest.audit import AuditController
from api.rest.backlog import CONTROLLERS as BACKLOG_CONTROLLERS
from api.rest.delivery import CONTROLLERS as DELIVERY_CONTROLLERS
from api.rest.dora import DoraBenchmarkController
from api.rest.engagement import CONTROLLERS as ENGAGEMENT_CONTROLLERS
from api.rest.exports import ExportsController
from api.rest.jobs import ExportJobsController, JobsController
from api.rest.maps import CONTROLLERS as MAP_CONTROLLERS
from api.rest.organizations import OrganizationController
from api.rest.people import PeopleController
from api.rest.playbook import PlaybookController
from api.rest.plugins import PluginConfigController
from api.rest.portfolio import PortfolioController
from api.rest.schedules import ReadoutSchedulesController
from api.rest.targets import CONTROLLERS as TARGET_CONTROLLERS
from api.rest.teams import TeamsController
from api.rest.tokens import TokensController
from api.rest.value_streams import ValueStreamsController
from api.rest.webhooks import (
    WebhookDeliveriesController,
    WebhookEventTypesController,
    WebhookSubscriptionsController,
)

CONTROLLERS: list[type] = [
    OrganizationController,
    PeopleController,
    TeamsController,
    TokensController,
    AuditController,
    PlaybookController,
    PluginConfigController,
    ValueStreamsController,
    *ENGAGEMENT_CONTROLLERS,
    *MAP_CONTROLLERS,
    *BACKLOG_CONTROLLERS,
    *TARGET_CONTROLLERS,
    ExportsController,
    ExportJobsController,
    JobsController,
    PortfolioController,
    *DELIVERY_CONTROLLERS,
    DoraBenchmarkController,
    WebhookSubscriptionsController,
    WebhookDeliveriesController,
    WebhookEventTypesController,
    ReadoutSchedulesController,
]
