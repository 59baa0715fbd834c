"""The body of ``GET /api/v1/server_settings`` (what clients read before logging in)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest

from zulip_apikey import conf
from zulip_apikey.lib.auth_config import (
    dev_auth_enabled,
    email_auth_enabled,
    ldap_auth_enabled,
    password_auth_enabled,
    require_email_format_usernames,
)

# Zulip's external methods, none of which this app provides; clients expect the keys.
_EXTERNAL_METHODS = (
    "remoteuser",
    "github",
    "azuread",
    "gitlab",
    "apple",
    "google",
    "saml",
    "openid connect",
)


def get_realm_url(request: HttpRequest) -> str:
    """The configured ``REALM_URL``, else the request's scheme and host (no trailing slash)."""
    configured: str = conf.get("REALM_URL")
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.get_host()}"


def get_realm_icon(realm_name: str) -> str:
    """The configured icon, else Zulip's default for a realm without one (an identicon)."""
    configured: str = conf.get("REALM_ICON")
    if configured:
        return configured
    digest = hashlib.md5(realm_name.encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?d=identicon"


def get_server_settings(request: HttpRequest) -> dict[str, object]:
    realm_url = get_realm_url(request)
    realm_name: str = conf.get("REALM_NAME")
    methods: dict[str, bool] = {
        "password": password_auth_enabled(),
        "dev": dev_auth_enabled() and settings.DEBUG,
        "email": email_auth_enabled(),
        "ldap": ldap_auth_enabled(),
    }
    methods.update(dict.fromkeys(_EXTERNAL_METHODS, False))
    return {
        "authentication_methods": methods,
        "external_authentication_methods": [],
        "email_auth_enabled": email_auth_enabled(),
        "require_email_format_usernames": require_email_format_usernames(),
        "realm_uri": realm_url,
        "realm_url": realm_url,
        "realm_name": realm_name,
        "realm_description": conf.get("REALM_DESCRIPTION"),
        "realm_icon": get_realm_icon(realm_name),
        "realm_web_public_access_enabled": False,
        "zulip_version": conf.get("ZULIP_VERSION"),
        "zulip_merge_base": conf.get("ZULIP_MERGE_BASE"),
        "zulip_feature_level": conf.get("ZULIP_FEATURE_LEVEL"),
        "push_notifications_enabled": False,
        "is_incompatible": False,
    }
