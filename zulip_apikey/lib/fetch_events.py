"""What happens around each ``fetch_api_key`` attempt: one log line and one signal.

Logged to ``zulip_apikey.auth`` at INFO: outcome, username, client IP, User-Agent; never a
password or an API key.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.http import HttpRequest

from zulip_apikey.lib.client_ip import get_client_ip
from zulip_apikey.signals import api_key_fetch_failed, api_key_fetched

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

logger = logging.getLogger("zulip_apikey.auth")


def describe_client(request: HttpRequest) -> tuple[str, str]:
    """``(ip, user_agent)`` for a log line; the agent is ``repr()``-quoted and cut, so a
    client cannot forge extra log lines with newlines."""
    return get_client_ip(request), repr(request.META.get("HTTP_USER_AGENT", ""))[:300]


def fetch_succeeded(request: HttpRequest, user: _User, username: str) -> None:
    ip, agent = describe_client(request)
    logger.info(
        "fetch_api_key success username=%r user_id=%s ip=%s user_agent=%s",
        username[:200],
        user.pk,
        ip,
        agent,
    )
    api_key_fetched.send(sender=type(user), user=user, request=request)


def fetch_failed(request: HttpRequest, username: str, reason: str) -> None:
    ip, agent = describe_client(request)
    logger.info(
        "fetch_api_key failure reason=%s username=%r ip=%s user_agent=%s",
        reason,
        username[:200],
        ip,
        agent,
    )
    api_key_fetch_failed.send(sender=None, username=username, request=request, reason=reason)
