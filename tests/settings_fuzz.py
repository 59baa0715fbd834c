"""Settings of the server process that ``tests/test_fuzz.py`` fuzzes.

``tests/settings_live.py`` (its own Redis key prefix, rate-limiting rules from
``ZULIP_APIKEY_TEST_RULES``, a fast hasher), plus ``DEBUG`` and ``DevAuthBackend`` so that the
development endpoints answer for real instead of refusing every request with 400.
"""

from tests.settings_live import *  # noqa: F403
from tests.settings_live import AUTHENTICATION_BACKENDS

DEBUG = True
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "zulip_apikey.backends.DevAuthBackend"]
