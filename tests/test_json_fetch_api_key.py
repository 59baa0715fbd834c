"""``POST /json/fetch_api_key``: a logged-in browser session re-types its password."""

from __future__ import annotations

from django.core.cache import cache
from django.test import TestCase, override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from zulip_apikey.lib.api_key import get_api_key

URL = "/json/fetch_api_key"


class JsonFetchApiKeyTest(TestCase):
    def setUp(self) -> None:
        cache.clear()
        self.user = UserFactory(email="alice@example.com")

    def test_success_without_user_id(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD})
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(
            body,
            {
                "result": "success",
                "msg": "",
                "api_key": get_api_key(self.user),
                "email": "alice@example.com",
            },
        )
        self.assertIn("no-store", response["Cache-Control"])

    def test_not_logged_in(self) -> None:
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD})
        body = json_body(response)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            body,
            {
                "result": "error",
                "msg": "Not logged in: API authentication or user session required",
                "code": "UNAUTHORIZED",
            },
        )

    def test_wrong_password(self) -> None:
        self.client.force_login(self.user)
        for password in ("wrong", ""):
            with self.subTest(password=password):
                response = self.client.post(URL, {"password": password})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(
                    json_body(response),
                    {"result": "error", "msg": "Password is incorrect.", "code": "BAD_REQUEST"},
                )

    def test_another_users_password_is_refused(self) -> None:
        UserFactory(email="bob@example.com", password="bobs password 123")
        self.client.force_login(self.user)
        response = self.client.post(URL, {"password": "bobs password 123"})
        self.assertEqual(response.status_code, 400)

    def test_missing_password(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(URL, {})
        self.assertEqual(json_body(response)["code"], "REQUEST_VARIABLE_MISSING")

    def test_not_logged_in_is_401_even_with_csrf_checks(self) -> None:
        # A client without a session has no CSRF token either: it must still hear "401".
        self.client = self.client_class(enforce_csrf_checks=True)
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(json_body(response)["code"], "UNAUTHORIZED")
        self.assertEqual(response["WWW-Authenticate"], 'Session realm="zulip"')

    def test_csrf_token_accepted(self) -> None:
        self.client = self.client_class(enforce_csrf_checks=True)
        self.client.force_login(self.user)
        self.client.get("/accounts/api-key/")  # sets the csrftoken cookie
        token = self.client.cookies["csrftoken"].value
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD}, HTTP_X_CSRFTOKEN=token)
        self.assertEqual(response.status_code, 200, response.content)

    def test_csrf_is_enforced(self) -> None:
        self.client = self.client_class(enforce_csrf_checks=True)
        self.client.force_login(self.user)
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(json_body(response)["result"], "error")

    def test_get_is_405(self) -> None:
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(URL).status_code, 405)

    @override_settings(
        ZULIP_APIKEY={"RATE_LIMITING_RULES": {"authenticate_by_username": [(60, 2)]}}
    )
    def test_guesses_are_rate_limited(self) -> None:
        self.client.force_login(self.user)
        for _ in range(2):
            self.assertEqual(self.client.post(URL, {"password": "wrong"}).status_code, 400)
        response = self.client.post(URL, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertEqual(json_body(response)["code"], "RATE_LIMIT_HIT")
