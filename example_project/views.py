"""The example's home page, and an example of a project's own API view authenticated by a
Zulip API key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zulip_apikey import conf
from zulip_apikey.decorator import api_view, authenticated_rest_api_view
from zulip_apikey.lib.response import json_success


@api_view("GET")
@authenticated_rest_api_view
def hello(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/example/hello`` with HTTP Basic ``email:api_key``."""
    return json_success(request, {"greeting": f"Hello, {request.user.get_username()}!"})


def home(request: HttpRequest) -> HttpResponse:
    """The example's home page: links to the login and to the API key page."""
    return render(request, "home.html", {"realm_name": conf.get("REALM_NAME")})
