"""Validate our responses against Zulip's official OpenAPI text.

The excerpt lives in the project's ``shared/`` folder beside the checkout, which exists for
developers and CI but not on a user's machine: tests skip without it, except under CI
(``CI`` set), where a missing file fails them.
"""

from __future__ import annotations

import copy
import os
import unittest
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import HttpResponse

SPEC_PATH = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "zulip-openapi"
    / "zulip-excerpt.yaml"
)
SERVER = "http://localhost:9991"

# The excerpt documents success bodies only; errors use its shared error schemas.
_ERROR_SCHEMAS = ["CodedError", "MissingArgumentError"]


def require_spec() -> None:
    """Skip the calling test when the excerpt is absent, unless this is CI."""
    if SPEC_PATH.is_file():
        return
    if os.environ.get("CI"):
        raise AssertionError(f"the OpenAPI excerpt is missing under CI: {SPEC_PATH.name}")
    raise unittest.SkipTest("Zulip's OpenAPI excerpt (shared/) is not beside this checkout")


@cache
def _openapi() -> Any:
    from openapi_core import OpenAPI

    spec = yaml.safe_load(SPEC_PATH.read_text())
    spec = copy.deepcopy(spec)
    error = {
        "description": "An error in Zulip's format.",
        "content": {
            "application/json": {
                "schema": {"anyOf": [{"$ref": f"#/components/schemas/{n}"} for n in _ERROR_SCHEMAS]}
            }
        },
    }
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("default", error)
    return OpenAPI.from_dict(spec)


def validate_response(method: str, path: str, response: HttpResponse) -> None:
    """Raise if ``response`` (to ``method path`` under ``/api/v1``) breaks the spec."""
    from openapi_core.testing import MockRequest, MockResponse

    require_spec()
    assert path.startswith("/api/v1/"), path
    request = MockRequest(SERVER, method.lower(), path)
    mock = MockResponse(
        data=response.content,
        status_code=response.status_code,
        content_type=response["Content-Type"].split(";")[0],
    )
    _openapi().validate_response(request, mock)
