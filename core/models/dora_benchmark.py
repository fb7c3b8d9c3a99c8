from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from core.models.base import Identified, OrgScoped, Timestamped, Versioned
from core.types import JSONType


class DoraBenchmarkRecord(Identified, OrgScoped, Versioned, Timestamped, table=True):
    """An organization's thresholds of the DORA performance tiers.

    `data` is null after the organization went back to the default: the row stays, so
    its version keeps counting and an ETag read before the reset never matches again.
    """

    __tablename__ = "dora_benchmark"
    __table_args__ = (UniqueConstraint("organization_id"),)

    data: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
