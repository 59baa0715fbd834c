"""The ``ZULIP_APIKEY`` settings dict, with typed defaults, read on every access.

Reading lazily (never caching at import) keeps ``override_settings`` working in tests and lets
a project set the dict after importing the app.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings

#: Every key of ``settings.ZULIP_APIKEY`` and its default; README documents each.
DEFAULTS: Final[dict[str, Any]] = {
    # Brute-force protection (CONTRACT section 5).
    "RATE_LIMITING": True,
    "RATE_LIMITING_RULES": {
        "authenticate_by_username": [(1800, 5)],
        "authenticate_by_ip": [(1800, 100)],
    },
    "RATE_LIMIT_CACHE": "default",
    "RATE_LIMIT_FAIL_OPEN": False,
    "TRUSTED_PROXIES": [],
    # LDAP (CONTRACT section 4).
    "LDAP_CREATE_USERS": True,
    # Side effects (CONTRACT section 9).
    "SEND_LOGIN_EMAILS": True,
    # GET /api/v1/server_settings (CONTRACT section 8).
    "REALM_NAME": "Zulip",
    "REALM_DESCRIPTION": "",
    "REALM_ICON": "",
    "REALM_URL": "",
    "ZULIP_VERSION": "9.0",
    "ZULIP_MERGE_BASE": "9.0",
    "ZULIP_FEATURE_LEVEL": 277,  # Zulip 9.0 (its realm_url came at 257)
}


def get(name: str) -> Any:
    """The value of ``ZULIP_APIKEY[name]``, or its default."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown ZULIP_APIKEY setting {name!r}")
    configured: dict[str, Any] = getattr(settings, "ZULIP_APIKEY", None) or {}
    return configured.get(name, DEFAULTS[name])


def unknown_keys() -> list[str]:
    """Keys in ``settings.ZULIP_APIKEY`` that the app does not know (likely typos)."""
    configured: dict[str, Any] = getattr(settings, "ZULIP_APIKEY", None) or {}
    return sorted(set(configured) - set(DEFAULTS))
