"""``fetch_api_key`` and ``server_settings``: thin views over ``lib/``."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from zulip_apikey.decorator import api_view, require_post
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.lib.login import authenticate_with_password, check_login_allowed
from zulip_apikey.lib.request import get_params
from zulip_apikey.lib.response import json_success
from zulip_apikey.lib.server_settings import get_server_settings
from zulip_apikey.lib.users import get_user_email


def api_key_response(request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
    return json_success(
        request,
        {"api_key": get_api_key(user), "email": get_user_email(user), "user_id": user.pk},
    )


@sensitive_post_parameters("password")
@sensitive_variables("password")
@csrf_exempt
@never_cache
@require_post
def api_fetch_api_key(request: HttpRequest) -> HttpResponse:
    """Zulip's ``POST /api/v1/fetch_api_key``: username + password -> API key."""
    params = get_params(request)
    # Stripped: a phone keyboard's trailing space must not make an email invalid.
    username = params.get_str("username").strip()
    password = params.get_str("password")
    check_login_allowed(username)
    user = authenticate_with_password(request, username, password)
    return api_key_response(request, user)


@never_cache
@api_view("GET")
def server_settings(request: HttpRequest) -> HttpResponse:
    """Zulip's ``GET /api/v1/server_settings``; no authentication."""
    get_params(request)  # so that any query parameter is reported as ignored
    return json_success(request, get_server_settings(request))
