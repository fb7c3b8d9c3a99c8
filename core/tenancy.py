"""The condition that keeps every read inside the caller's organization, written once.

The ORM queries of the services (`crud.scoped`) and the point reader's compiled
statement (`core.point_reads`) both take it from here, so the two read paths cannot
drift apart on what "this organization's row" means.
"""

import uuid
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Table


def of_organization(
    table: Table, organization: uuid.UUID | BindParameter[Any]
) -> ColumnElement[bool]:
    """`organization_id = organization`: a value, or a bound parameter compiled once."""
    return table.c.organization_id == organization
