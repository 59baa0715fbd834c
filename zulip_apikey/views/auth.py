"""``fetch_api_key`` and its variants, and ``server_settings``: thin views over ``lib/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from zulip_apikey.decorator import api_view, require_post
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.lib.dev_login import check_dev_auth_backend, dev_authenticate, get_dev_users
from zulip_apikey.lib.exceptions import JsonableError, NotLoggedInError
from zulip_apikey.lib.fetch_events import fetch_failed, fetch_succeeded
from zulip_apikey.lib.login import (
    authenticate_with_password,
    check_login_allowed,
    check_session_password,
)
from zulip_apikey.lib.request import get_params
from zulip_apikey.lib.response import json_success
from zulip_apikey.lib.server_settings import get_realm_url, get_server_settings
from zulip_apikey.lib.users import get_user_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


def api_key_response(request: HttpRequest, user: _User) -> HttpResponse:
    return json_success(
        request,
        {"api_key": get_api_key(user), "email": get_user_email(user), "user_id": user.pk},
    )


@sensitive_post_parameters("password")
@sensitive_variables()
@csrf_exempt
@never_cache
@require_post
def api_fetch_api_key(request: HttpRequest) -> HttpResponse:
    """Zulip's ``POST /api/v1/fetch_api_key``: username + password -> API key."""
    params = get_params(request)
    # Stripped: a phone keyboard's trailing space must not make an email invalid.
    username = params.get_str("username").strip()
    password = params.get_str("password")
    try:
        check_login_allowed(username)
        user = authenticate_with_password(request, username, password)
    except JsonableError as e:
        fetch_failed(request, username, e.code.value)
        raise
    response = api_key_response(request, user)
    fetch_succeeded(request, user, username)
    return response


@sensitive_post_parameters("password")
@sensitive_variables()
@csrf_exempt  # checked below, once we know there is a session to protect
@never_cache
@require_post
def json_fetch_api_key(request: HttpRequest) -> HttpResponse:
    """Zulip's ``POST /json/fetch_api_key``: a logged-in browser re-types its password.

    No session: 401, as in Zulip (a client without a session has no CSRF token either, so
    checking CSRF first would answer 403 to everyone who is simply not logged in).
    """
    if not request.user.is_authenticated:
        raise NotLoggedInError
    return _json_fetch_api_key_for_session(request)


@csrf_protect
def _json_fetch_api_key_for_session(request: HttpRequest) -> HttpResponse:
    password = get_params(request).get_str("password")
    user = check_session_password(request, password)
    return json_success(request, {"api_key": get_api_key(user), "email": get_user_email(user)})


@sensitive_variables()
@csrf_exempt
@never_cache
@require_post
def api_dev_fetch_api_key(request: HttpRequest) -> HttpResponse:
    """Zulip's ``POST /api/v1/dev_fetch_api_key``: development servers only, no password."""
    check_dev_auth_backend()
    username = get_params(request).get_str("username").strip()
    user = dev_authenticate(request, username)
    return api_key_response(request, user)


@csrf_exempt
@never_cache
@api_view("GET")
def api_dev_list_users(request: HttpRequest) -> HttpResponse:
    """Zulip's ``GET /api/v1/dev_list_users``: development servers only."""
    check_dev_auth_backend()
    get_params(request)
    return json_success(request, get_dev_users(get_realm_url(request)))


@never_cache
@api_view("GET")
def server_settings(request: HttpRequest) -> HttpResponse:
    """Zulip's ``GET /api/v1/server_settings``; no authentication."""
    get_params(request)  # so that any query parameter is reported as ignored
    return json_success(request, get_server_settings(request))
