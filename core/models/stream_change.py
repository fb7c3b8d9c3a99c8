"""A log of changes per value stream, written by the database on every write to what its
gate and portfolio row read.

Triggers (migration 0009e) add to it in the transaction of the change itself, whichever
code or foreign key made it: a row, a cascade, a `SET NULL`, a multi-row INSERT. The sum
of a stream's weights is its revision: it grows with every transaction that commits a
change, and nothing else moves it. What is derived from a stream's records and kept
between requests (`core.workflow.kept`) is kept under that sum.

A log, not a counter: two open transactions writing to one stream each insert their own
row, where updating one counter row would make the second wait for the first to end.
PostgreSQL folds a stream's rows into one when they pile up (the fold keeps the sum);
SQLite, whose writers take turns anyway, keeps one row per stream and adds to it.
"""

import uuid

from sqlalchemy import BigInteger, Integer
from sqlmodel import Field

from core.models.base import OrgScoped


class StreamChange(OrgScoped, table=True):
    __tablename__ = "stream_change"

    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=BigInteger().with_variant(Integer(), "sqlite"),
    )
    value_stream_id: uuid.UUID = Field(
        foreign_key="value_stream.id", ondelete="CASCADE", index=True, nullable=False
    )
    weight: int = Field(default=1, nullable=False)
    transaction_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        description="PostgreSQL's transaction that wrote the row: one row per transaction",
    )
