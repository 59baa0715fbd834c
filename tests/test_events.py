"""Side effects of a fetch (CONTRACT section 9): log lines, signals, the new-login email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django
from django.core import mail
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from zulip_apikey.signals import api_key_fetch_failed, api_key_fetched

# Django 6.1 sends through MAILERS (the example project sets it there); older ones read
# EMAIL_BACKEND.
_BROKEN = "tests.test_events.BrokenEmailBackend"
BROKEN_MAIL: dict[str, Any] = (
    {"MAILERS": {"default": {"BACKEND": _BROKEN}}}
    if django.VERSION >= (6, 1)
    else {"EMAIL_BACKEND": _BROKEN}
)

URL = "/api/v1/fetch_api_key"
OLD = timezone.now() - timedelta(days=30)


class EventsTestCase(TestCase):
    def setUp(self) -> None:
        cache.clear()

    def listen(self, signal: Any) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def receiver(**kwargs: Any) -> None:
            calls.append(kwargs)

        signal.connect(receiver)
        self.addCleanup(signal.disconnect, receiver)
        return calls


class LoggingTest(EventsTestCase):
    def test_success_is_logged_without_secrets(self) -> None:
        UserFactory(email="alice@example.com", date_joined=OLD)
        with self.assertLogs("zulip_apikey.auth", "INFO") as logs:
            response = self.client.post(
                URL,
                {"username": "alice@example.com", "password": DEFAULT_PASSWORD},
                HTTP_USER_AGENT="ZulipMobile/27.1",
                REMOTE_ADDR="192.0.2.7",
            )
        key = json_body(response)["api_key"]
        output = "\n".join(logs.output)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("success", output)
        self.assertIn("alice@example.com", output)
        self.assertIn("192.0.2.7", output)
        self.assertIn("ZulipMobile/27.1", output)
        self.assertNotIn(DEFAULT_PASSWORD, output)
        self.assertNotIn(key, output)

    def test_each_failure_is_logged_with_its_reason(self) -> None:
        UserFactory(email="inactive@example.com", is_active=False)
        cases = {
            "AUTHENTICATION_FAILED": ("nobody@example.com", "guess-one"),
            "USER_DEACTIVATED": ("inactive@example.com", DEFAULT_PASSWORD),
            "BAD_REQUEST": ("not-an-email", "guess-two"),
        }
        for reason, (username, password) in cases.items():
            with self.subTest(reason=reason), self.assertLogs("zulip_apikey.auth", "INFO") as logs:
                self.client.post(URL, {"username": username, "password": password})
            output = "\n".join(logs.output)
            self.assertIn(f"reason={reason}", output)
            self.assertIn(username, output)
            self.assertNotIn(password, output)

    def test_newlines_in_user_agent_cannot_forge_log_lines(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "INFO") as logs:
            self.client.post(
                URL,
                {"username": "x@example.com", "password": "p"},
                HTTP_USER_AGENT="evil\nINFO forged line",
            )
        self.assertEqual(len(logs.records), 1)
        self.assertNotIn("\n", logs.records[0].getMessage())


class SignalsTest(EventsTestCase):
    def test_fetched_signal(self) -> None:
        user = UserFactory(email="alice@example.com")
        calls = self.listen(api_key_fetched)
        self.client.post(URL, {"username": "alice@example.com", "password": DEFAULT_PASSWORD})
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["user"], user)
        self.assertEqual(calls[0]["request"].path, URL)

    def test_failed_signal(self) -> None:
        calls = self.listen(api_key_fetch_failed)
        self.client.post(URL, {"username": "nobody@example.com", "password": "wrong"})
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["username"], "nobody@example.com")
        self.assertEqual(calls[0]["reason"], "AUTHENTICATION_FAILED")
        self.assertNotIn("password", calls[0])


class LoginEmailTest(EventsTestCase):
    def fetch(self, email: str) -> Any:
        return self.client.post(
            URL, {"username": email, "password": DEFAULT_PASSWORD}, HTTP_USER_AGENT="ZulipTerminal"
        )

    def test_email_on_new_login(self) -> None:
        UserFactory(email="alice@example.com", date_joined=OLD)
        response = self.fetch("alice@example.com")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.com"])
        self.assertIn("New login", message.subject)
        self.assertIn("ZulipTerminal", message.body)
        self.assertNotIn(json_body(response)["api_key"], message.body)
        self.assertNotIn(DEFAULT_PASSWORD, message.body)

    def test_no_email_for_a_brand_new_account(self) -> None:
        UserFactory(email="new@example.com")  # date_joined: now
        self.assertEqual(self.fetch("new@example.com").status_code, 200)
        self.assertEqual(mail.outbox, [])

    def test_no_email_on_failure(self) -> None:
        UserFactory(email="alice@example.com", date_joined=OLD)
        self.client.post(URL, {"username": "alice@example.com", "password": "wrong"})
        self.assertEqual(mail.outbox, [])

    @override_settings(ZULIP_APIKEY={"SEND_LOGIN_EMAILS": False})
    def test_switched_off(self) -> None:
        UserFactory(email="alice@example.com", date_joined=OLD)
        self.assertEqual(self.fetch("alice@example.com").status_code, 200)
        self.assertEqual(mail.outbox, [])

    @override_settings(**BROKEN_MAIL)
    def test_mail_failure_never_fails_the_login(self) -> None:
        UserFactory(email="alice@example.com", date_joined=OLD)
        with self.assertLogs("zulip_apikey.auth", "ERROR") as logs:
            response = self.fetch("alice@example.com")
        self.assertEqual(response.status_code, 200)
        self.assertIn("new-login email", "\n".join(logs.output))


class BrokenEmailBackend:
    """An email backend whose server is always down."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("mail server down")
