"""Identifiers: UUIDv7, so primary keys sort by creation and make cheap keyset cursors."""

import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid7().bytes)
