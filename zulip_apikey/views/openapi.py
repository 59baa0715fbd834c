"""``GET /api/v1/openapi.json``: the app's OpenAPI document, no authentication."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from zulip_apikey.decorator import api_view
from zulip_apikey.lib.openapi import get_openapi_document

# The route's own path below the include prefix (see zulip_apikey/urls.py).
OWN_PATH = "api/v1/openapi.json"


@api_view("GET")
def openapi_spec(request: HttpRequest) -> HttpResponse:
    """The document, its ``servers`` set to this site's URL for the app's routes.

    The include prefix is found by reversing this very route, so a project that includes
    the URLs under ``auth/`` gets ``.../auth/`` there.
    """
    prefix = reverse("zulip_apikey:openapi_spec").removesuffix(OWN_PATH)
    # No trailing slash: the document's paths start with one.
    server_url = request.build_absolute_uri(prefix).rstrip("/")
    return JsonResponse(get_openapi_document(server_url))
