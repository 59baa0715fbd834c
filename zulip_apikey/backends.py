"""Authentication backends: email + password (here), LDAP (``lib/ldap_backend.py``).

Backends report why they failed through the ``return_data`` dict that the view passes to
``authenticate()`` (Zulip's way); ``lib.login.get_api_key_fetch_authenticate_failure`` maps
it to the client's error.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from zulip_apikey.lib.users import is_email, users_by_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

logger = logging.getLogger("zulip_apikey.auth")


def _hash_needs_upgrade(encoded: str) -> bool:
    """Django's ``must_update`` rule: another algorithm, or weaker parameters, than now."""
    preferred = get_hasher("default")
    try:
        current = identify_hasher(encoded)
    except ValueError:
        return False
    return current.algorithm != preferred.algorithm or preferred.must_update(encoded)


class EmailAuthBackend(ModelBackend):
    """Log in with the user's email (case-insensitive) and Django password.

    Unlike Zulip, an unknown email costs the same hasher run as a wrong password (Django
    ticket #20760), and an inactive account is only revealed to the right password.
    """

    zulip_password_backend: ClassVar[str] = "email"

    # Every local of this frame and those below it (the hashers) is hidden from Django's
    # error reports: under authenticate(), Django's own decorator hides only "credentials".
    @sensitive_variables()
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        *,
        return_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> _User | None:
        if return_data is None:
            return_data = {}
        if not username or not password:
            return None
        email = username.strip()
        if not is_email(email):
            # Cannot be anyone's email: nothing to look up (and nothing to reveal).
            return None
        matches = users_by_email(email)
        if len(matches) != 1:
            if len(matches) > 1:
                logger.warning("Login refused: several accounts share the email %s", email)
            # Run the hasher anyway, so an unknown email takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = matches[0]
        # Check without Django's upgrade-on-login setter: an old hash is only upgraded after
        # the password passes today's validators (row 7 of the contract).
        if not check_password(password, user.password):
            return None
        if not self.user_can_authenticate(user):
            return_data["inactive_user"] = True
            return None
        if _hash_needs_upgrade(user.password):
            try:
                validate_password(password, user)
            except ValidationError:
                return_data["password_reset_needed"] = True
                return None
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class DevAuthBackend(ModelBackend):
    """Log in by email alone, for development servers (``DEBUG`` only).

    Powers ``dev_fetch_api_key`` and ``dev_list_users``; the system check
    ``zulip_apikey.E003`` refuses it in a project whose ``DEBUG`` is False.
    """

    zulip_password_backend: ClassVar[str] = "dev"

    # Django picks backends by the keyword names they accept: taking ``dev_auth_username``
    # instead of ``username``/``password`` keeps this one out of every password login.
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        dev_auth_username: str | None = None,
        return_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> _User | None:
        if not settings.DEBUG or not dev_auth_username:
            return None
        matches = users_by_email(dev_auth_username)
        if len(matches) != 1:
            return None
        user = matches[0]
        if not self.user_can_authenticate(user):
            if return_data is not None:
                return_data["inactive_user"] = True
            return None
        return user


def __getattr__(name: str) -> Any:
    """``ZulipLDAPAuthBackend``, imported on first use: it needs the ``ldap`` extra, and this
    module must import without it (projects that only log in by email)."""
    if name == "ZulipLDAPAuthBackend":
        from zulip_apikey.lib.ldap_backend import ZulipLDAPAuthBackend

        return ZulipLDAPAuthBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
