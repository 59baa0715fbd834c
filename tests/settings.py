"""Test settings: the example project's, with a fast hasher.

Django's test runners switch email to the local-memory backend themselves.

``DATABASE_URL`` and ``REDIS_URL`` select PostgreSQL and Redis exactly as for the example
project (CI sets both); without them the suite runs on SQLite and the local-memory cache.
"""

import os
import secrets

from example_project.settings import *  # noqa: F403
from example_project.settings import CACHES, DATABASES, ZULIP_APIKEY

# Speed: the hasher is the cost of every login; benchmarks use the production hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# Keep a server-side test database apart from any project database of the same name.
DATABASES["default"].setdefault("TEST", {})

# Each run gets its own key space in a shared Redis, so that attempts counted by an earlier run
# (or by a run going on at the same time) are never seen by this one.
CACHES["default"]["KEY_PREFIX"] = f"zulip-apikey-test-{os.getpid()}-{secrets.token_hex(4)}"
# The suite logs in far more often than a person would, all from 127.0.0.1: the limiter's own
# tests (tests/test_rate_limit*.py, tests/test_multiprocess.py) switch it on where they need it.
ZULIP_APIKEY = {**ZULIP_APIKEY, "RATE_LIMITING": False}

# The app's INFO lines (one per login attempt) and Django's 4xx warnings would flood the test
# output; assertLogs still sees them, since it attaches its own handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {
        "zulip_apikey": {"handlers": ["null"], "propagate": False},
        # Django's "Unauthorized: /api/v1/..." line for every 4xx the tests provoke.
        "django.request": {"handlers": ["null"], "propagate": False},
    },
}
