"""``users/me`` and key regeneration: views authenticated by the API key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from zulip_apikey.decorator import api_view, authenticated_rest_api_view
from zulip_apikey.lib.api_key import do_regenerate_api_key
from zulip_apikey.lib.request import get_params
from zulip_apikey.lib.response import json_success
from zulip_apikey.lib.user_dict import get_own_user_dict


@sensitive_variables()
@api_view("GET")
@authenticated_rest_api_view
def get_profile_backend(request: HttpRequest) -> HttpResponse:
    """Zulip's ``GET /api/v1/users/me``."""
    assert request.user.is_authenticated
    get_params(request)  # so that any parameter sent is reported as ignored
    return json_success(request, get_own_user_dict(request.user))


@sensitive_variables()
@never_cache
@api_view("POST")
@authenticated_rest_api_view
def regenerate_api_key(request: HttpRequest) -> HttpResponse:
    """Zulip's ``POST /api/v1/users/me/api_key/regenerate``: the old key dies at once."""
    assert request.user.is_authenticated
    get_params(request)
    return json_success(request, {"api_key": do_regenerate_api_key(request.user)})
