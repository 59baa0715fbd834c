"""The app's signals, and the new-login email (Zulip's ``email_on_new_login``)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.dispatch import Signal, receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from zulip_apikey import conf
from zulip_apikey.lib.client_ip import get_client_ip
from zulip_apikey.lib.users import get_user_email

#: Sent after a successful fetch: ``user``, ``request``.
api_key_fetched = Signal()
#: Sent after a refused fetch: ``username`` (as typed), ``request``, ``reason`` (the error code).
api_key_fetch_failed = Signal()

logger = logging.getLogger("zulip_apikey.auth")

# Zulip does not mail about the login that immediately follows signing up.
JUST_CREATED_THRESHOLD = timedelta(seconds=60)


@receiver(api_key_fetched, dispatch_uid="zulip_apikey.email_on_new_login")
def email_on_new_login(sender: Any, user: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Tell the user that their password was used to get an API key; never fails the login."""
    if not conf.get("SEND_LOGIN_EMAILS"):
        return
    email = get_user_email(user)
    if not email:
        return
    joined = getattr(user, "date_joined", None)
    if joined is not None and timezone.now() - joined < JUST_CREATED_THRESHOLD:
        return
    context = {
        "user": user,
        "email": email,
        "realm_name": conf.get("REALM_NAME"),
        "when": timezone.now(),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
        "client_ip": get_client_ip(request),
    }
    try:
        subject = render_to_string("zulip_apikey/login_email_subject.txt", context).strip()
        body = render_to_string("zulip_apikey/login_email.txt", context)
        send_mail(subject, body, None, [email])
    except Exception:
        # A mail server outage must not turn a good login into an error.
        logger.exception("Could not send the new-login email to user %s", user.pk)
