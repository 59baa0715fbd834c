"""The password-to-user step of ``fetch_api_key``: checks in the contract's row order."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest

from zulip_apikey.lib.auth_config import ldap_auth_enabled, password_auth_enabled
from zulip_apikey.lib.exceptions import (
    AuthenticationFailedError,
    AuthenticationUnavailableError,
    JsonableError,
    PasswordAuthDisabledError,
    PasswordResetRequiredError,
    UserDeactivatedError,
)


def validate_login_email(email: str) -> None:
    """Row 3: 400 with Django's own message if ``email`` is not an email address."""
    try:
        validate_email(email)
    except ValidationError as e:
        raise JsonableError(str(e.message)) from e


def get_api_key_fetch_authenticate_failure(return_data: dict[str, Any]) -> JsonableError:
    """Map what the backends reported to the client's error (rows 6 to 9)."""
    if return_data.get("inactive_user"):
        return UserDeactivatedError()
    if return_data.get("password_reset_needed"):
        return PasswordResetRequiredError()
    if return_data.get("backend_unavailable"):
        return AuthenticationUnavailableError()
    return AuthenticationFailedError()


def check_login_allowed(username: str) -> None:
    """Rows 3 and 4, which need neither the backends nor the rate limiter."""
    if not ldap_auth_enabled():
        # LDAP can authenticate a non-email username; email login cannot.
        validate_login_email(username)
    if not password_auth_enabled():
        raise PasswordAuthDisabledError


def authenticate_with_password(
    request: HttpRequest, username: str, password: str
) -> AbstractBaseUser:
    """Run the configured backends; raise the contract's error when none accepts."""
    return_data: dict[str, Any] = {}
    user = authenticate(request, username=username, password=password, return_data=return_data)
    if user is None:
        raise get_api_key_fetch_authenticate_failure(return_data)
    return user
