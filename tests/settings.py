"""Test settings: the example project's, with a fast hasher and in-memory side effects.

``DATABASE_URL`` and ``REDIS_URL`` select PostgreSQL and Redis exactly as for the example
project (CI sets both); without them the suite runs on SQLite and the local-memory cache.
"""

from example_project.settings import *  # noqa: F403
from example_project.settings import DATABASES

# Speed: the hasher is the cost of every login; benchmarks use the production hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False

# Keep a server-side test database apart from any project database of the same name.
DATABASES["default"].setdefault("TEST", {})
