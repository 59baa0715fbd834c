"""An example of a project's own API view, authenticated by a Zulip API key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from zulip_apikey.decorator import api_view, authenticated_rest_api_view
from zulip_apikey.lib.response import json_success


@api_view("GET")
@authenticated_rest_api_view
def hello(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/example/hello`` with HTTP Basic ``email:api_key``."""
    return json_success(request, {"greeting": f"Hello, {request.user.get_username()}!"})
