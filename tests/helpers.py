"""Shared test helpers."""

from __future__ import annotations

import json
from typing import Any, Protocol


class HttpResponse(Protocol):
    """What tests read of a response (Django's test client returns a patched subclass)."""

    content: bytes
    status_code: int

    def __getitem__(self, header: str) -> str: ...


def json_body(response: HttpResponse) -> dict[str, Any]:
    """The response's JSON object; fails the test if the body is not JSON."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body, dict)
    return body
