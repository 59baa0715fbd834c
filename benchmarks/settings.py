"""Settings for the benchmarks: the example project's production choices, plus DRF to compare.

Everything the example project reads from the environment still applies (``DATABASE_URL``,
``REDIS_URL``, ``CACHE_KEY_PREFIX``). On top of it:

- ``rest_framework`` and ``rest_framework.authtoken``, for ``obtain_auth_token`` and
  ``TokenAuthentication`` on the same users, hashers and database;
- ``DEBUG`` off (Django would otherwise keep every query in memory);
- the per-IP login limit over 1 second instead of 1800: the load comes from one address and
  must never be throttled, while each attempt still costs what it costs in production (the rule
  keeps 100 slots, so the same Redis reads and writes as the default rule);
- mail goes to Django's dummy backend: the new-login email is still rendered, never sent;
- the login log goes to the null device: formatted and written as in production, never shown.
"""

from __future__ import annotations

import os
from typing import Any

# Read by the example project's settings (MAILERS or EMAIL_BACKEND, by Django version).
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

from example_project.settings import *  # noqa: F403
from example_project.settings import (
    ALLOWED_HOSTS,
    INSTALLED_APPS,
    ZULIP_APIKEY,
)

DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # Django's test client, in process
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework", "rest_framework.authtoken"]
ROOT_URLCONF = "benchmarks.urls"

# Argon2 first, as in production (the example project's list, restated so it is visible).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

ZULIP_APIKEY = {
    **ZULIP_APIKEY,
    "RATE_LIMITING": os.environ.get("BENCH_RATE_LIMITING", "1") == "1",
    "RATE_LIMITING_RULES": {
        "authenticate_by_username": [(1800, 5)],
        "authenticate_by_ip": [(1, 100)],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null_device": {"class": "logging.FileHandler", "filename": os.devnull}},
    "loggers": {"zulip_apikey": {"handlers": ["null_device"], "level": "INFO"}},
}

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [],
}
