"""System checks, ids ``zulip_apikey.E001`` and up; each is tested in ``tests/test_checks.py``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from zulip_apikey import conf
from zulip_apikey.lib.auth_config import configured_backend_kinds

MIDDLEWARE_PATH = "zulip_apikey.middleware.JsonErrorHandler"


@register(Tags.compatibility)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if MIDDLEWARE_PATH in settings.MIDDLEWARE:
        return []
    return [
        Error(
            f"{MIDDLEWARE_PATH} is not in MIDDLEWARE.",
            hint=(
                f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE, so that errors under api/ and json/ "
                "are answered in Zulip's JSON format."
            ),
            id="zulip_apikey.E001",
        )
    ]


@register(Tags.security)
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if configured_backend_kinds():
        return []
    return [
        Error(
            "AUTHENTICATION_BACKENDS has none of zulip_apikey's backends, so "
            "fetch_api_key refuses every login.",
            hint=(
                "Add 'zulip_apikey.backends.EmailAuthBackend' (email + password) or "
                "'zulip_apikey.backends.ZulipLDAPAuthBackend' (LDAP) to "
                "AUTHENTICATION_BACKENDS."
            ),
            id="zulip_apikey.E002",
        )
    ]


@register()
def check_settings_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(
            f"ZULIP_APIKEY has an unknown key {key!r}; it is ignored.",
            hint="Known keys: " + ", ".join(sorted(conf.DEFAULTS)),
            id="zulip_apikey.W001",
        )
        for key in conf.unknown_keys()
    ]
