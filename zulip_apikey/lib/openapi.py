"""The app's OpenAPI 3 document, shipped as JSON inside the package.

JSON rather than YAML so that serving it needs nothing beyond the standard library; it is
parsed once per process and copied for each request, since the view fills in ``servers``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

DOCUMENT = "zulip_apikey.json"


@cache
def _load() -> dict[str, Any]:
    text = resources.files("zulip_apikey.openapi").joinpath(DOCUMENT).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def get_openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The document (a fresh copy), with ``servers`` pointing at ``server_url`` if given.

    ``server_url`` is where ``zulip_apikey.urls`` is included (``/`` for the site root, as
    Zulip's clients expect), so that tools reading the document call the right URLs.
    """
    document = copy.deepcopy(_load())
    if server_url is not None:
        document["servers"] = [{"url": server_url}]
    return document
