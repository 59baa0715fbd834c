"""Settings of the server processes that ``tests/test_multiprocess.py`` starts.

The example project's settings (so ``DATABASE_URL`` and ``REDIS_URL`` pick the shared
PostgreSQL and Redis), plus what one test run needs to stay apart from any other:

- ``CACHE_KEY_PREFIX`` (read by the example project): the Redis key prefix, shared by the
  processes of one test and by no other test;
- ``ZULIP_APIKEY_TEST_RULES``: the rate-limiting rules, as JSON
  (``{"authenticate_by_username": [[1800, 5]], ...}``).
"""

import json
import os

from example_project.settings import *  # noqa: F403
from example_project.settings import ZULIP_APIKEY

# Speed: fifty concurrent logins on a two-core machine; the hasher is not what is tested here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ZULIP_APIKEY = {
    **ZULIP_APIKEY,
    "RATE_LIMITING": True,
    "RATE_LIMITING_RULES": {
        domain: [tuple(rule) for rule in rules]
        for domain, rules in json.loads(os.environ["ZULIP_APIKEY_TEST_RULES"]).items()
    },
}
