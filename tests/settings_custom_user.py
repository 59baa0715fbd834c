"""The test settings with a custom user model whose ``USERNAME_FIELD`` is ``email``.

``tests/test_custom_user_model.py`` runs the login tests again under these settings.
"""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]
AUTH_USER_MODEL = "custom_user.EmailUser"

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # The parent test run holds test_<NAME>; this run needs a database of its own.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_custom_user"}
