"""Test data made through the real API, with defaults a test overrides only where it matters."""

import itertools
from typing import Any

from tests.api_client import Api

_sequence = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {next(_sequence)}"


class Factory:
    def __init__(self, api: Api) -> None:
        self.api = api

    def person(self, **overrides: Any) -> dict[str, Any]:
        n = next(_sequence)
        body = {"name": f"Person {n}", "email": f"person{n}@example.com", **overrides}
        return self.api.ok(self.api.post("/api/v1/people", body), 201)

    def team(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Team"), **overrides}
        return self.api.ok(self.api.post("/api/v1/teams", body), 201)
