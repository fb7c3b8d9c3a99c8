from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from core.models.base import Identified, OrgScoped, Timestamped, Versioned
from core.types import JSONType


class PluginConfigRecord(Identified, OrgScoped, Versioned, Timestamped, table=True):
    """An organization's configuration of one plugin, laid over the deployment's default.

    Keyed by the plugin's name rather than a reference to it: plugins are code, not rows,
    and a plugin disabled or uninstalled for a while finds its configuration again.
    """

    __tablename__ = "plugin_config"
    __table_args__ = (UniqueConstraint("organization_id", "plugin"),)

    plugin: str = Field(max_length=120)
    data: dict[str, Any] = Field(sa_type=JSONType)
