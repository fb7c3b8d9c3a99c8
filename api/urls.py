"""Where the REST resources live: the one place that knows the API's path prefix.

`Location` headers and the links GraphQL hands out (a binary export streams over REST)
are built here, so moving the API to another prefix changes one constant.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

API_PREFIX = "/api/v1"


def resource_url(*segments: str | uuid.UUID, **query: Any) -> str:
    """`/api/v1/<segments>`, with the query parameters that are not None.

    Booleans are written as `true`/`false`, the way the REST parameters read them.
    """
    path = "/".join([API_PREFIX, *(str(segment).strip("/") for segment in segments)])
    params = {k: _plain(v) for k, v in query.items() if v is not None}
    return f"{path}?{urlencode(params)}" if params else path


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    return value
