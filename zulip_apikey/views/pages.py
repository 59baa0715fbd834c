"""The API key page (CONTRACT section 10): reveal, download ``zuliprc``, regenerate.

Server-rendered, for a browser session. Every action that shows or changes the key needs the
password typed again (checked by ``check_session_password``: the same backends and brute-force
limit as ``fetch_api_key``), so a session left open on a shared computer does not hand out the
key. Revealing also works from the page's script through ``POST /json/fetch_api_key``, as in
Zulip; the forms below are what the page falls back to without JavaScript.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from zulip_apikey import conf
from zulip_apikey.lib.api_key import do_regenerate_api_key, get_api_key
from zulip_apikey.lib.auth_config import ldap_auth_enabled, password_auth_enabled
from zulip_apikey.lib.client_ip import get_client_ip
from zulip_apikey.lib.exceptions import JsonableError, RateLimitedError
from zulip_apikey.lib.login import check_session_password
from zulip_apikey.lib.rate_limiter import add_rate_limit_headers
from zulip_apikey.lib.server_settings import get_realm_url
from zulip_apikey.lib.users import get_user_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

API_KEY_TEMPLATE = "zulip_apikey/api_key.html"

logger = logging.getLogger("zulip_apikey.auth")

View = Callable[[HttpRequest], HttpResponse]
UserView = Callable[[HttpRequest, "_User"], HttpResponse]


def page_url(request: HttpRequest) -> str:
    """The API key page, in whichever URL namespace instance served this request."""
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return reverse("zulip_apikey:api_key_page", current_app=namespace or None)


def session_required(view: View) -> View:
    """``login_required`` that comes back to the page itself.

    The actions are POST-only: coming back to their URL after logging in would be a GET (405).
    """

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(page_url(request))
        return view(request)

    return wrapper


def password_state(user: _User) -> str:
    """``"required"``, ``"not_needed"`` (no password login on the site, as in Zulip) or
    ``"unusable"`` (the account cannot type a password: single sign-on, say).

    An LDAP user has an unusable Django password but a directory password that works.
    """
    if not password_auth_enabled():
        return "not_needed"
    if user.has_usable_password() or ldap_auth_enabled():
        return "required"
    return "unusable"


def render_page(
    request: HttpRequest,
    *,
    api_key: str = "",
    regenerated: bool = False,
    error: JsonableError | None = None,
    failed_action: str = "",
) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # session_required ran first
    errors: dict[str, str] = {}
    if error is not None:
        errors[failed_action] = error_message(error)
    context = {
        "email": get_user_email(user),
        "site": get_realm_url(request),
        "realm_name": conf.get("REALM_NAME"),
        "password_state": password_state(user),
        "api_key": api_key,
        "regenerated": regenerated,
        "errors": errors,
    }
    status = error.http_status_code if error is not None else 200
    response = render(request, API_KEY_TEMPLATE, context, status=status)
    if error is not None:
        for name, value in error.response_headers().items():
            response[name] = value
    add_rate_limit_headers(request, response)  # the password check counted an attempt
    return response


def error_message(error: JsonableError) -> str:
    if isinstance(error, RateLimitedError):
        minutes = max(1, round(error.secs_to_freedom / 60))
        return _("Too many password attempts. Try again in %(minutes)d minutes.") % {
            "minutes": minutes
        }
    return error.msg


@sensitive_variables("password")
def password_checked_user(request: HttpRequest) -> _User:
    """The session's user, once the password in the form is right (raises otherwise)."""
    password = request.POST.get("password", "")
    return check_session_password(request, password)


def zuliprc_content(email: str, api_key: str, site: str) -> str:
    """The ``zuliprc`` of Zulip's "Download zuliprc" button."""
    return f"[api]\nemail={email}\nkey={api_key}\nsite={site}\n"


@sensitive_post_parameters("password")
@sensitive_variables()
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
@session_required
def api_key_page(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST (the password): the page with the key shown."""
    if request.method == "GET":
        return render_page(request)
    try:
        user = password_checked_user(request)
    except JsonableError as e:
        return render_page(request, error=e, failed_action="reveal")
    return render_page(request, api_key=get_api_key(user))


def password_action(action: str) -> Callable[[UserView], View]:
    """A POST form of the page that needs the password typed again.

    Session, POST, CSRF, never cached, the password hidden from error reports; a wrong
    password gives the page again with the error next to the form of ``action``, a right
    one calls ``view(request, user)``.
    """

    def decorator(view: UserView) -> View:
        @wraps(view)
        def checked(request: HttpRequest) -> HttpResponse:
            try:
                user = password_checked_user(request)
            except JsonableError as e:
                return render_page(request, error=e, failed_action=action)
            return view(request, user)

        protected: View = session_required(checked)
        for decorate in (require_POST, csrf_protect, never_cache, sensitive_variables()):
            protected = decorate(protected)
        return sensitive_post_parameters("password")(protected)

    return decorator


@password_action("download")
def api_key_zuliprc(request: HttpRequest, user: _User) -> HttpResponse:
    """The password -> a ``zuliprc`` file for the ``zulip`` bindings and zulip-terminal."""
    content = zuliprc_content(get_user_email(user), get_api_key(user), get_realm_url(request))
    response = HttpResponse(content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="zuliprc"'
    add_rate_limit_headers(request, response)
    return response


@password_action("regenerate")
def api_key_regenerate(request: HttpRequest, user: _User) -> HttpResponse:
    """The password -> a new key (the old one dead at once), shown on the page."""
    new_key = do_regenerate_api_key(user)
    logger.info("api_key regenerated user_id=%s ip=%s", user.pk, get_client_ip(request))
    return render_page(request, api_key=new_key, regenerated=True)
