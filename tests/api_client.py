"""A thin test client that speaks for one token, the way a real API consumer would."""

from typing import Any

from litestar.testing import TestClient


class Api:
    def __init__(self, client: TestClient[Any], token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(
        self, headers: dict[str, str] | None, if_match: int | str | None
    ) -> dict[str, str]:
        result = dict(headers or {})
        if self.token is not None:
            result.setdefault("Authorization", f"Bearer {self.token}")
        if if_match is not None:
            result["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        return result

    def get(self, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self._headers(headers, None), **kwargs)

    def post(
        self,
        url: str,
        json: Any = None,
        *,
        if_match: int | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.post(url, json=json, headers=self._headers(headers, if_match), **kwargs)

    def put(
        self,
        url: str,
        json: Any = None,
        *,
        if_match: int | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.put(url, json=json, headers=self._headers(headers, if_match), **kwargs)

    def patch(
        self,
        url: str,
        json: Any = None,
        *,
        if_match: int | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.patch(url, json=json, headers=self._headers(headers, if_match), **kwargs)

    def delete(
        self,
        url: str,
        *,
        if_match: int | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.delete(url, headers=self._headers(headers, if_match), **kwargs)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=self._headers(None, None),
        )
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json() if response.content else None
