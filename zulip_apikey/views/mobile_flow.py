"""Zulip's mobile SSO flow on top of whatever login the project has (CONTRACT section 10).

The mobile app opens ``<site>/accounts/mobile-login/?mobile_flow_otp=<64 hex digits>`` in a
browser. Someone not logged in goes through the project's ``LOGIN_URL`` (password, LDAP, any
SSO package) and comes back here; then the answer is a 302 to ``zulip://login?...`` carrying the
API key encrypted with the OTP, which only the app that made the OTP can read.
"""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET

from zulip_apikey import conf
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.lib.fetch_events import describe_client
from zulip_apikey.lib.mobile_flow import is_valid_otp, mobile_flow_redirect_url
from zulip_apikey.lib.server_settings import get_realm_url
from zulip_apikey.lib.users import get_user_email
from zulip_apikey.signals import api_key_fetched

ERROR_TEMPLATE = "zulip_apikey/mobile_flow_error.html"

logger = logging.getLogger("zulip_apikey.auth")


@sensitive_variables()
@never_cache
@require_GET
def mobile_flow(request: HttpRequest) -> HttpResponse:
    """``?mobile_flow_otp=...`` -> login if needed -> 302 to ``zulip://login?...``."""
    otp = request.GET.get("mobile_flow_otp", "")
    # Checked before the login round trip: a bad link should not cost the user a login.
    if not is_valid_otp(otp):
        context = {"realm_name": conf.get("REALM_NAME")}
        return render(request, ERROR_TEMPLATE, context, status=400)
    if not request.user.is_authenticated:
        # The whole path, query included, so the OTP survives the login page.
        return redirect_to_login(request.get_full_path())
    user = request.user
    email = get_user_email(user)
    location = mobile_flow_redirect_url(
        api_key=get_api_key(user),
        otp=otp,
        email=email,
        user_id=user.pk,
        realm_url=get_realm_url(request),
    )
    # Django's redirect classes refuse schemes other than http(s), ftp: set Location by hand.
    response = HttpResponse(status=302)
    response["Location"] = location
    ip, agent = describe_client(request)
    logger.info("mobile_flow success user_id=%s ip=%s user_agent=%s", user.pk, ip, agent)
    # The key left the server without fetch_api_key, so send its signal (and so the
    # new-login email) here, as Zulip's finish_mobile_flow calls email_on_new_login.
    api_key_fetched.send(sender=type(user), user=user, request=request)
    return response
