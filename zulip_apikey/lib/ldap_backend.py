"""``ZulipLDAPAuthBackend``: django-auth-ldap's ``LDAPBackend`` with Zulip's rules (CONTRACT §4).

This module needs the ``ldap`` extra (python-ldap, django-auth-ldap); ``zulip_apikey.backends``
imports it only when ``ZulipLDAPAuthBackend`` is asked for, so the app works without it.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any, ClassVar

import ldap
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error
from django_auth_ldap.config import LDAPSettings

from zulip_apikey import conf
from zulip_apikey.lib.ldap_mapping import (
    FLAG_KEYS,
    LDAPMappingError,
    append_domain_username,
    build_user,
    email_for_ldap_user,
    find_linked_user,
    first_value,
    is_disabled_in_directory,
    is_plausible_username,
)
from zulip_apikey.lib.users import is_email

logger = logging.getLogger("zulip_apikey.auth")

#: Applied to every connection unless ``AUTH_LDAP_CONNECTION_OPTIONS`` sets the same option:
#: libldap waits forever by default, so a directory that accepts the TCP connection and never
#: answers would hold a worker for good. Seconds: to connect, and for each operation.
DEFAULT_CONNECTION_OPTIONS: dict[int, float] = {
    ldap.OPT_NETWORK_TIMEOUT: 5.0,
    ldap.OPT_TIMEOUT: 10.0,
}

#: Errors meaning the directory could not be used (CONTRACT row 8), not that it said no.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    ldap.SERVER_DOWN,
    ldap.TIMEOUT,
    ldap.CONNECT_ERROR,
    ldap.UNAVAILABLE,
    ldap.BUSY,
    ldap.TIMELIMIT_EXCEEDED,
)

# django-auth-ldap logs LDAP errors and sends ``ldap_error`` instead of raising; the errors of
# the current authenticate() call are collected here to tell an outage from a refusal.
_ldap_errors: contextvars.ContextVar[list[Exception] | None] = contextvars.ContextVar(
    "zulip_apikey_ldap_errors", default=None
)


def _record_ldap_error(sender: Any, exception: Exception, **kwargs: Any) -> None:
    errors = _ldap_errors.get()
    if errors is not None:
        errors.append(exception)


ldap_error.connect(_record_ldap_error, dispatch_uid="zulip_apikey.lib.ldap_backend")


class ZulipLDAPUser(_LDAPUser):  # type: ignore[misc]
    """django-auth-ldap's per-login object, populating the account the Zulip way."""

    #: The email worked out by ``get_or_build_user``; it wins over ``USER_ATTR_MAP["email"]``.
    zulip_email = ""

    def _populate_user_from_attributes(self) -> None:
        attrs = self.attrs or {}
        for field, attr in self.settings.USER_ATTR_MAP.items():
            if field in FLAG_KEYS:  # directory flags, not model fields
                continue
            value = first_value(attrs, attr)
            if value is None:
                logger.warning("LDAP entry %s has no %s attribute", self.dn, attr)
            else:
                setattr(self._user, field, value)
        if self.zulip_email:
            setattr(self._user, self._user.get_email_field_name(), self.zulip_email)


class ZulipLDAPAuthBackend(LDAPBackend):  # type: ignore[misc]
    """Log in with a directory username or email and the directory password.

    Settings are django-auth-ldap's ``AUTH_LDAP_*`` plus Zulip's ``LDAP_APPEND_DOMAIN``,
    ``LDAP_EMAIL_ATTR``, ``AUTH_LDAP_REVERSE_EMAIL_SEARCH`` and ``AUTH_LDAP_USERNAME_ATTR``.
    Failures go to ``return_data`` like the email backend's: ``inactive_user`` (right
    password, inactive account) and ``backend_unavailable`` (directory down or hanging).
    """

    zulip_password_backend: ClassVar[str] = "ldap"
    _settings: Any = None

    # Zulip's settings under django-auth-ldap's prefix, read per instance like its own.
    default_settings: ClassVar[dict[str, Any]] = {
        "REVERSE_EMAIL_SEARCH": None,
        "USERNAME_ATTR": None,
    }

    @property
    def settings(self) -> Any:
        if self._settings is None:
            ldap_settings = LDAPSettings(self.settings_prefix, self.default_settings)
            ldap_settings.CONNECTION_OPTIONS = {
                **DEFAULT_CONNECTION_OPTIONS,
                **ldap_settings.CONNECTION_OPTIONS,
            }
            if not conf.get("LDAP_CREATE_USERS"):
                ldap_settings.NO_NEW_USERS = True
            self._settings = ldap_settings
        return self._settings

    @settings.setter
    def settings(self, value: Any) -> None:
        self._settings = value

    # Hide every local here and below (python-ldap's bind) from Django's error reports.
    @sensitive_variables()
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        return_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if return_data is None:
            return_data = {}
        # An empty password is an anonymous bind, which many directories accept (RFC 4513
        # section 5.1.2): refused whatever AUTH_LDAP_PERMIT_EMPTY_PASSWORD says.
        if not username or not password:
            return None
        username = username.strip()
        if not is_plausible_username(username):
            return None
        errors: list[Exception] = []
        token = _ldap_errors.set(errors)
        try:
            user = self._authenticate(request, username, password)
        finally:
            _ldap_errors.reset(token)
        if user is None:
            if any(isinstance(error, OUTAGE_ERRORS) for error in errors):
                return_data["backend_unavailable"] = True
            return None
        if not user.is_active:
            return_data["inactive_user"] = True
            return None
        return user

    def _authenticate(
        self, request: HttpRequest | None, username: str, password: str
    ) -> AbstractBaseUser | None:
        try:
            ldap_username = self.login_to_ldap_username(request, username)
        except LDAPMappingError as e:
            logger.log(e.level, "LDAP login refused for %s: %s", username, e)
            return None
        ldap_user = ZulipLDAPUser(self, username=ldap_username, request=request)
        user: AbstractBaseUser | None = self.authenticate_ldap_user(ldap_user, password)
        return user

    def login_to_ldap_username(self, request: HttpRequest | None, username: str) -> str:
        """What the user typed -> the directory username (Zulip's ``django_to_ldap_username``)."""
        append_domain: str | None = getattr(settings, "LDAP_APPEND_DOMAIN", None)
        if append_domain:
            return append_domain_username(username, append_domain)
        if self.settings.REVERSE_EMAIL_SEARCH is not None and is_email(username):
            return self._reverse_email_search(request, username)
        return username

    def _reverse_email_search(self, request: HttpRequest | None, email: str) -> str:
        username_attr: str | None = self.settings.USERNAME_ATTR
        if not username_attr:
            raise LDAPMappingError("AUTH_LDAP_USERNAME_ATTR is not set", logging.ERROR)
        try:
            connection = ZulipLDAPUser(self, username=email, request=request).connection
            results = self.settings.REVERSE_EMAIL_SEARCH.execute(connection, {"email": email})
        except ldap.LDAPError as e:
            _record_ldap_error(type(self), e)
            raise LDAPMappingError(
                f"the reverse email search failed: {e!r}", logging.WARNING
            ) from e
        if len(results) != 1:
            if results:
                raise LDAPMappingError("several directory entries have this email", logging.WARNING)
            raise LDAPMappingError("no directory entry has this email")
        value = first_value(results[0][1], username_attr)
        if not value:
            raise LDAPMappingError(f"the entry has no {username_attr} attribute", logging.WARNING)
        return value

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[AbstractBaseUser, bool]:
        """Link the directory entry to its Django account by email (not only by username, as
        django-auth-ldap does), or build one; refuse accounts disabled in the directory."""
        attrs = ldap_user.attrs or {}
        attr_map = self.settings.USER_ATTR_MAP
        if is_disabled_in_directory(attrs, attr_map):
            logger.warning("LDAP login refused for %s: disabled in the directory", username)
            raise ldap_user.AuthenticationFailed("disabled in the directory")
        django_username = username.lower()
        try:
            email = email_for_ldap_user(
                username,
                attrs,
                email_attr=getattr(settings, "LDAP_EMAIL_ATTR", None),
                append_domain=getattr(settings, "LDAP_APPEND_DOMAIN", None),
                attr_map=attr_map,
            )
            user = find_linked_user(django_username, email)
        except LDAPMappingError as e:
            logger.log(e.level, "LDAP login refused for %s: %s", username, e)
            raise ldap_user.AuthenticationFailed(str(e)) from e
        ldap_user.zulip_email = email
        if user is not None:
            return user, False
        if self.settings.NO_NEW_USERS:
            logger.info("LDAP login refused for %s: no account, and creation is off", username)
        return build_user(django_username, email), True
