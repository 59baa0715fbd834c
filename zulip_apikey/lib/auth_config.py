"""Which of the app's backends a project has in ``AUTHENTICATION_BACKENDS``.

Backends say what they are through a ``zulip_password_backend`` class attribute, so these
helpers never need the optional LDAP dependencies to answer.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


def configured_backend_kinds() -> set[str]:
    """The ``zulip_password_backend`` kinds in ``AUTHENTICATION_BACKENDS`` that import."""
    kinds: set[str] = set()
    for path in settings.AUTHENTICATION_BACKENDS:
        try:
            backend_class = import_string(path)
        except ImportError:
            # A missing optional dependency; the system checks report it.
            continue
        kind = getattr(backend_class, "zulip_password_backend", None)
        if isinstance(kind, str):
            kinds.add(kind)
    return kinds


def email_auth_enabled() -> bool:
    return "email" in configured_backend_kinds()


def ldap_auth_enabled() -> bool:
    return "ldap" in configured_backend_kinds()


def dev_auth_enabled() -> bool:
    """DevAuthBackend is configured (its endpoints also require ``DEBUG``)."""
    return "dev" in configured_backend_kinds()


def password_auth_enabled() -> bool:
    return bool(configured_backend_kinds() & {"email", "ldap"})


def require_email_format_usernames() -> bool:
    """False exactly when LDAP is active and maps usernames to emails (Zulip's rule)."""
    maps_emails = getattr(settings, "LDAP_APPEND_DOMAIN", None) or getattr(
        settings, "LDAP_EMAIL_ATTR", None
    )
    return not (ldap_auth_enabled() and maps_emails)
