"""The password-to-user step of ``fetch_api_key``: checks in the contract's row order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zulip_apikey.lib.auth_config import ldap_auth_enabled, password_auth_enabled
from zulip_apikey.lib.exceptions import (
    AuthenticationFailedError,
    AuthenticationUnavailableError,
    JsonableError,
    NotLoggedInError,
    PasswordAuthDisabledError,
    PasswordResetRequiredError,
    UserDeactivatedError,
)
from zulip_apikey.lib.rate_limiter import (
    rate_limit_authentication_attempt,
    record_successful_login,
)
from zulip_apikey.lib.users import get_user_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


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


def authenticate_with_password(request: HttpRequest, username: str, password: str) -> _User:
    """Run the configured backends; raise the contract's error when none accepts.

    The attempt is counted by the rate limiter (row 5) first: once, however many backends
    then run, and before any of them checks the password.
    """
    rate_limit_authentication_attempt(request, username)
    return_data: dict[str, Any] = {}
    user = authenticate(request, username=username, password=password, return_data=return_data)
    if user is None:
        raise get_api_key_fetch_authenticate_failure(return_data)
    record_successful_login(request, username)
    return user


def check_session_password(request: HttpRequest, password: str) -> _User:
    """``/json/fetch_api_key``: the session's user, once they have typed their password again.

    As in Zulip, the password is only asked for when password login is enabled at all; it is
    checked through the same backends and brute-force limit as ``fetch_api_key``.
    """
    if not request.user.is_authenticated:
        raise NotLoggedInError
    user: _User = request.user
    if not password_auth_enabled():
        return user
    email = get_user_email(user)
    rate_limit_authentication_attempt(request, email)
    checked = authenticate(request, username=email, password=password, return_data={})
    if checked is None or checked.pk != user.pk:
        raise JsonableError(_("Password is incorrect."))
    record_successful_login(request, email)
    return user
