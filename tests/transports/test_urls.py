"""Resource URLs: the one place that knows where the REST API lives."""

import uuid

from api.urls import API_PREFIX, resource_url


def test_a_resource_url_is_its_segments_under_the_api_prefix() -> None:
    ident = uuid.UUID("00000000-0000-0000-0000-000000000001")

    url = resource_url("value-streams", ident, "backlog/export")

    assert url == f"{API_PREFIX}/value-streams/{ident}/backlog/export"


def test_query_parameters_leave_out_nones_and_read_booleans_as_rest_does() -> None:
    url = resource_url("portfolio", "export", format="pdf", phase=None, overdue=False)

    assert url == f"{API_PREFIX}/portfolio/export?format=pdf&overdue=false"


def test_query_values_are_encoded() -> None:
    url = resource_url("portfolio", "export", phase="pre planning&x")

    assert url.endswith("?phase=pre+planning%26x")
