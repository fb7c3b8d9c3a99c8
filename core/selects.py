"""A SELECT of more columns than sqlmodel's `select` has typed overloads for.

sqlmodel types `select` for up to four columns; with more, the call works but no overload
matches. Its rows are tuples of whatever the columns hold.
"""

from typing import Any

from sqlalchemy.sql._typing import _ColumnsClauseArgument
from sqlmodel.sql.expression import Select


def select_columns(*columns: _ColumnsClauseArgument[Any]) -> Select[*tuple[Any, ...]]:
    return Select(*columns)
