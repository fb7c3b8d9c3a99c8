from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from core.models.base import Identified, OrgScoped, Timestamped, Versioned
from core.types import JSONType


class PlaybookRecord(Identified, OrgScoped, Versioned, Timestamped, table=True):
    """An organization's own playbook; without one, the default of DESIGN.md applies."""

    __tablename__ = "playbook"
    __table_args__ = (UniqueConstraint("organization_id"),)

    data: dict[str, Any] = Field(sa_type=JSONType)
