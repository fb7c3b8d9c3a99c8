"""A counter per value stream that every write to what its gate and portfolio row read moves.

The database keeps it, through triggers (migration 0009e): a row, a cascade, a `SET NULL`
or a multi-row INSERT changes it in the transaction of the change itself, whichever code
or foreign key made the change. What is derived from a stream's records and kept between
requests (`core.workflow.kept`) is kept under this number and read again once it moves.
"""

import uuid

from sqlmodel import Field

from core.models.base import OrgScoped


class StreamRevision(OrgScoped, table=True):
    __tablename__ = "stream_revision"

    value_stream_id: uuid.UUID = Field(
        primary_key=True, foreign_key="value_stream.id", ondelete="CASCADE"
    )
    revision: int = Field(default=0, nullable=False)
