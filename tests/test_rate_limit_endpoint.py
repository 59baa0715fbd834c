"""CONTRACT section 5 through ``POST /api/v1/fetch_api_key``: every rule, seen by a client."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.test import TestCase, override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from tests.server_process import free_port
from tests.test_rate_limiter import FreshLimiterMixin, rules
from zulip_apikey.backends import EmailAuthBackend
from zulip_apikey.lib.rate_limiter import BY_IP, BY_USERNAME

URL = "/api/v1/fetch_api_key"
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class SecondEmailBackend(EmailAuthBackend):
    """A second password backend, so that one request runs the hasher twice."""


class RateLimitEndpointTest(FreshLimiterMixin, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.user = UserFactory(email="alice@example.org")

    def fetch(self, username: str, password: str, ip: str = "192.0.2.1", **extra: Any) -> Any:
        return self.client.post(
            URL, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
        )

    def assert_rejected(self, response: HttpResponse) -> float:
        self.assertEqual(response.status_code, 429)
        body = json_body(response)
        self.assertEqual(body["result"], "error")
        self.assertEqual(body["code"], "RATE_LIMIT_HIT")
        self.assertEqual(body["msg"], "API usage exceeded rate limit")
        retry_after = body["retry-after"]
        self.assertIsInstance(retry_after, float)
        self.assertEqual(float(response["Retry-After"]), retry_after)
        self.assertEqual(response["Retry-After"], str(retry_after))
        self.assertIn("no-store", response["Cache-Control"])
        return float(retry_after)

    def test_five_failures_then_refused_even_with_the_right_password(self) -> None:
        now = int(time.time())
        for remaining in ["4", "3", "2", "1", "0"]:
            response = self.fetch("alice@example.org", "wrong")
            self.assertEqual(json_body(response)["code"], "AUTHENTICATION_FAILED")
            self.assertEqual(response["X-RateLimit-Limit"], "5")
            self.assertEqual(response["X-RateLimit-Remaining"], remaining)
            self.assertGreaterEqual(int(response["X-RateLimit-Reset"]), now + 1800)
        response = self.fetch("alice@example.org", DEFAULT_PASSWORD)
        retry_after = self.assert_rejected(response)
        self.assertGreater(retry_after, 1700)
        self.assertLessEqual(retry_after, 1800)
        self.assertEqual(response["X-RateLimit-Remaining"], "0")
        self.assertEqual(response["X-RateLimit-Limit"], "5")
        self.assertNotIn(DEFAULT_PASSWORD, response.content.decode())

    def test_spellings_of_one_username_share_a_bucket(self) -> None:
        spellings = [
            "Alice@example.org",
            "ALICE@EXAMPLE.ORG",
            " alice@Example.org ",
            "aLiCe@example.org",
        ]
        for spelling in [*spellings, "alice@example.org"]:
            self.assertEqual(self.fetch(spelling, "wrong").status_code, 401)
        self.assert_rejected(self.fetch("alice@example.org", DEFAULT_PASSWORD))

    def test_success_clears_the_username_s_history(self) -> None:
        for _ in range(4):
            self.fetch("alice@example.org", "wrong")
        response = self.fetch("Alice@example.org", DEFAULT_PASSWORD)
        self.assertEqual(response.status_code, 200)
        for name in HEADERS:
            self.assertIn(name, response)
        for _ in range(5):
            self.assertEqual(self.fetch("alice@example.org", "wrong").status_code, 401)
        self.assert_rejected(self.fetch("alice@example.org", DEFAULT_PASSWORD))

    def test_rejected_attempts_are_not_counted(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 2)], [(1800, 5)])):
            self.fetch("alice@example.org", "wrong")
            self.fetch("alice@example.org", "wrong")
            for _ in range(5):
                self.assert_rejected(self.fetch("alice@example.org", "wrong"))
            # The address has counted two attempts, not seven.
            response = self.fetch("bob@example.org", "wrong")
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response["X-RateLimit-Remaining"], "1")

    def test_per_address_rule(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 5)], [(1800, 3)])):
            for n in range(3):
                self.assertEqual(self.fetch(f"u{n}@example.org", "x").status_code, 401)
            response = self.fetch("alice@example.org", DEFAULT_PASSWORD)
            self.assert_rejected(response)
            self.assertEqual(response["X-RateLimit-Limit"], "3")
            # Another client is not affected.
            ok = self.fetch("alice@example.org", DEFAULT_PASSWORD, ip="198.51.100.7")
            self.assertEqual(ok.status_code, 200)

    def test_forged_forwarded_for_does_not_escape_the_address_rule(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 5)], [(1800, 2)])):
            for n in range(2):
                self.fetch(f"u{n}@example.org", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
            response = self.fetch("u9@example.org", "x", HTTP_X_FORWARDED_FOR="203.0.113.9")
            self.assert_rejected(response)

    def test_trusted_proxy_s_forwarded_for_separates_clients(self) -> None:
        config = {**rules([(1800, 5)], [(1800, 2)]), "TRUSTED_PROXIES": ["10.0.0.0/8"]}
        with override_settings(ZULIP_APIKEY=config):
            for n in range(2):
                self.fetch(f"u{n}@example.org", "x", "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
            self.assert_rejected(
                self.fetch("u9@example.org", "x", "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
            )
            # Same proxy, another client behind it.
            response = self.fetch(
                "u9@example.org", "x", "10.0.0.1", HTTP_X_FORWARDED_FOR="forged, 203.0.113.2"
            )
            self.assertEqual(response.status_code, 401)

    def test_counted_once_per_request_whatever_the_number_of_backends(self) -> None:
        backends = [
            "zulip_apikey.backends.EmailAuthBackend",
            f"{__name__}.SecondEmailBackend",
        ]
        with override_settings(AUTHENTICATION_BACKENDS=backends):
            for remaining in ["4", "3"]:
                response = self.fetch("alice@example.org", "wrong")
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response["X-RateLimit-Remaining"], remaining)

    def test_requests_stopped_before_the_limiter_are_not_counted_and_carry_no_headers(
        self,
    ) -> None:
        invalid = self.fetch("not an email", "wrong")
        self.assertEqual(invalid.status_code, 400)
        missing = self.client.post(URL, {"username": "alice@example.org"})
        self.assertEqual(missing.status_code, 400)
        with override_settings(
            AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"]
        ):
            disabled = self.fetch("alice@example.org", "wrong")
        self.assertEqual(json_body(disabled)["code"], "PASSWORD_AUTH_DISABLED")
        for response in (invalid, missing, disabled):
            for name in HEADERS:
                self.assertNotIn(name, response)
        self.assertEqual(self.fetch("alice@example.org", "wrong")["X-RateLimit-Remaining"], "4")

    def test_deactivated_and_wrong_answers_both_count(self) -> None:
        UserFactory(email="gone@example.org", is_active=False)
        response = self.fetch("gone@example.org", DEFAULT_PASSWORD)
        self.assertEqual(json_body(response)["code"], "USER_DEACTIVATED")
        self.assertEqual(response["X-RateLimit-Remaining"], "4")

    def test_off_switch(self) -> None:
        with override_settings(ZULIP_APIKEY={**rules([(1800, 1)]), "RATE_LIMITING": False}):
            for _ in range(3):
                response = self.fetch("alice@example.org", "wrong")
                self.assertEqual(response.status_code, 401)
                self.assertNotIn("X-RateLimit-Limit", response)


class RateLimitCacheUnreachableEndpointTest(TestCase):
    """The limiter's Redis on a closed port: 503 (fail closed), or logins go on (fail open)."""

    def setUp(self) -> None:
        super().setUp()
        try:
            import redis  # noqa: F401
        except ImportError:
            self.skipTest("the redis package is not installed")
        closed = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
        self.enterContext(override_settings(CACHES={**settings.CACHES, "limits": closed}))
        self.user = UserFactory(email="alice@example.org")

    def config(self, **extra: Any) -> dict[str, Any]:
        return {
            **settings.ZULIP_APIKEY,
            "RATE_LIMITING": True,
            "RATE_LIMIT_CACHE": "limits",
            "RATE_LIMITING_RULES": {BY_USERNAME: [(1800, 5)], BY_IP: [(1800, 100)]},
            **extra,
        }

    def test_fails_closed_with_row_8(self) -> None:
        with (
            override_settings(ZULIP_APIKEY=self.config()),
            self.assertLogs("zulip_apikey.rate_limiter", "ERROR"),
        ):
            response = self.client.post(
                URL, {"username": "alice@example.org", "password": DEFAULT_PASSWORD}
            )
        self.assertEqual(response.status_code, 503)
        body = json_body(response)
        self.assertEqual(body["code"], "AUTHENTICATION_UNAVAILABLE")
        self.assertEqual(body["msg"], "Authentication is temporarily unavailable; try again later.")
        self.assertNotIn("X-RateLimit-Limit", response)

    def test_fails_open_when_configured(self) -> None:
        with (
            override_settings(ZULIP_APIKEY=self.config(RATE_LIMIT_FAIL_OPEN=True)),
            self.assertLogs("zulip_apikey.rate_limiter", "WARNING"),
        ):
            ok = self.client.post(
                URL, {"username": "alice@example.org", "password": DEFAULT_PASSWORD}
            )
            wrong = self.client.post(URL, {"username": "alice@example.org", "password": "x"})
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(wrong.status_code, 401)
        self.assertNotIn("X-RateLimit-Limit", ok)
