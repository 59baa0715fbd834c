"""System checks: each id fires exactly when it should."""

from __future__ import annotations

from django.core.checks import run_checks
from django.test import SimpleTestCase, override_settings


def ids() -> set[str]:
    return {message.id for message in run_checks() if message.id and "zulip_apikey" in message.id}


class ChecksTest(SimpleTestCase):
    def test_default_settings_are_clean(self) -> None:
        self.assertEqual({i for i in ids() if ".E" in i}, set())

    def test_e001_middleware_missing(self) -> None:
        from django.conf import settings

        without = [m for m in settings.MIDDLEWARE if "zulip_apikey" not in m]
        with override_settings(MIDDLEWARE=without):
            self.assertIn("zulip_apikey.E001", ids())
        self.assertNotIn("zulip_apikey.E001", ids())

    def test_e002_no_supported_backend(self) -> None:
        with override_settings(
            AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"]
        ):
            self.assertIn("zulip_apikey.E002", ids())
        with override_settings(AUTHENTICATION_BACKENDS=["no.such.Backend"]):
            self.assertIn("zulip_apikey.E002", ids())
        self.assertNotIn("zulip_apikey.E002", ids())

    def test_w001_unknown_setting_key(self) -> None:
        with override_settings(ZULIP_APIKEY={"RATE_LIMITNG": False}):
            messages = [m for m in run_checks() if m.id == "zulip_apikey.W001"]
        self.assertEqual(len(messages), 1)
        self.assertIn("RATE_LIMITNG", messages[0].msg)
        self.assertNotIn("zulip_apikey.W001", ids())
