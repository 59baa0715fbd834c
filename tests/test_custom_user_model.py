"""The login tests again, under a custom user model keyed on email (in a subprocess,
since ``AUTH_USER_MODEL`` cannot change inside one test run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

REPO = Path(__file__).resolve().parent.parent
MODULES = ["tests.test_fetch_api_key", "tests.test_api_key", "tests.test_openapi"]


class CustomUserModelTest(SimpleTestCase):
    def test_login_suite_passes_with_email_user_model(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_custom_user"}
        result = subprocess.run(
            [sys.executable, "manage.py", "test", "--noinput", "-v", "2", *MODULES],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-5000:])
        # The run used the custom model: its migration was applied to the test database.
        self.assertIn("Applying custom_user.0001_initial", output)
        # The run really ran: Django's summary line counts the tests.
        self.assertRegex(output, r"Ran [1-9][0-9]+ tests")
