"""HTTP Basic ``email:api_key`` authentication (CONTRACT section 7), after Zulip's
``validate_api_key`` in ``zerver/decorator.py``."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from zulip_apikey.lib.api_key import has_api_key_format
from zulip_apikey.lib.exceptions import JsonableError, UnauthorizedError
from zulip_apikey.lib.users import get_user_email
from zulip_apikey.models import UserProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


def parse_basic_credentials(request: HttpRequest) -> tuple[str, str]:
    """``(role, api_key)`` from the ``Authorization`` header, or the contract's error."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise UnauthorizedError(_("Missing authorization header for basic auth"))
    # Zulip's split: anything but "<scheme> <credentials>" is an invalid header (401).
    parts = header.split()
    if len(parts) != 2:
        raise UnauthorizedError(_("Invalid authorization header for basic auth"))
    scheme, credentials = parts
    if scheme.lower() != "basic":
        raise JsonableError(_("This endpoint requires HTTP basic authentication."))
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise UnauthorizedError(_("Invalid authorization header for basic auth")) from None
    role_and_key = decoded.split(":")
    if len(role_and_key) != 2:
        raise UnauthorizedError(_("Invalid authorization header for basic auth"))
    return role_and_key[0], role_and_key[1]


def _role_matches(user: _User, role: str) -> bool:
    """The role is the user's email (case-insensitive) or, as zulip-terminal stores the
    login id that was typed, the value of the user model's ``USERNAME_FIELD``."""
    wanted = role.strip().casefold()
    email = get_user_email(user)
    username = str(user.get_username() or "")
    return wanted != "" and wanted in (email.casefold(), username.casefold())


def validate_api_key(role: str, api_key: str) -> _User:
    """The active user whose key is ``api_key`` and whose email or username is ``role``."""
    if not has_api_key_format(api_key):
        raise UnauthorizedError(_("Malformed API key"))
    # The unique index finds the row. Not .first(): its ORDER BY makes PostgreSQL plan and
    # sort for a row that is unique anyway (~0.1 ms of every API request; benchmarks/REPORT.md).
    profile = next(
        iter(UserProfile.objects.select_related("user").filter(api_key=api_key)[:1]), None
    )
    # compare_digest keeps the final check constant-time.
    if profile is None or not hmac.compare_digest(profile.api_key, api_key):
        raise UnauthorizedError(_("Invalid API key"))
    user: _User = profile.user
    if not _role_matches(user, role):
        raise UnauthorizedError(_("Invalid API key"))
    if not user.is_active:
        raise UnauthorizedError(_("Account is deactivated"))
    return user


@sensitive_variables()
def authenticate_basic(request: HttpRequest) -> _User:
    """Authenticate ``request`` by its Basic credentials, or raise the contract's error."""
    role, api_key = parse_basic_credentials(request)
    return validate_api_key(role, api_key)
