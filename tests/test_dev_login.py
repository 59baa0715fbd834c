"""Development-only ``dev_fetch_api_key`` and ``dev_list_users`` with ``DevAuthBackend``."""

from __future__ import annotations

from django.core.checks import run_checks
from django.test import TestCase, override_settings

from tests.factories import UserFactory
from tests.helpers import json_body
from zulip_apikey.lib.api_key import get_api_key

FETCH = "/api/v1/dev_fetch_api_key"
LIST = "/api/v1/dev_list_users"
DEV_BACKENDS = [
    "zulip_apikey.backends.EmailAuthBackend",
    "zulip_apikey.backends.DevAuthBackend",
]


@override_settings(DEBUG=True, AUTHENTICATION_BACKENDS=DEV_BACKENDS)
class DevFetchApiKeyTest(TestCase):
    def test_success_without_password(self) -> None:
        user = UserFactory(email="alice@example.com")
        response = self.client.post(FETCH, {"username": " Alice@example.com "})
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["api_key"], get_api_key(user))
        self.assertEqual(body["email"], "alice@example.com")
        self.assertEqual(body["user_id"], user.pk)

    def test_errors(self) -> None:
        UserFactory(email="inactive@example.com", is_active=False)
        cases = [
            ({"username": "not-an-email"}, 400, "BAD_REQUEST", "Enter a valid email address."),
            (
                {"username": "nobody@example.com"},
                401,
                "AUTHENTICATION_FAILED",
                "Your username or password is incorrect",
            ),
            (
                {"username": "inactive@example.com"},
                401,
                "USER_DEACTIVATED",
                "Account is deactivated",
            ),
            ({}, 400, "REQUEST_VARIABLE_MISSING", "Missing 'username' argument"),
        ]
        for data, status, code, msg in cases:
            with self.subTest(data=data):
                response = self.client.post(FETCH, data)
                body = json_body(response)
                self.assertEqual(response.status_code, status, body)
                self.assertEqual((body["code"], body["msg"]), (code, msg))

    def test_password_login_ignores_dev_backend(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            "/api/v1/fetch_api_key", {"username": "alice@example.com", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 401)

    def test_list_users(self) -> None:
        UserFactory(email="admin@example.com", is_staff=True)
        UserFactory(email="bob@example.com")
        UserFactory(email="gone@example.com", is_active=False)
        response = self.client.get(LIST)
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(
            body["direct_admins"],
            [{"email": "admin@example.com", "realm_uri": "http://testserver"}],
        )
        self.assertEqual(
            body["direct_users"], [{"email": "bob@example.com", "realm_uri": "http://testserver"}]
        )

    def test_server_settings_says_dev(self) -> None:
        body = json_body(self.client.get("/api/v1/server_settings"))
        self.assertIs(body["authentication_methods"]["dev"], True)


class DevEndpointsRefusedTest(TestCase):
    def test_production(self) -> None:
        with override_settings(DEBUG=False, AUTHENTICATION_BACKENDS=DEV_BACKENDS):
            for response in (
                self.client.post(FETCH, {"username": "a@example.com"}),
                self.client.get(LIST),
            ):
                self.assertEqual(response.status_code, 400)
                self.assertEqual(
                    json_body(response)["msg"], "Endpoint not available in production."
                )

    @override_settings(DEBUG=True)
    def test_backend_not_enabled(self) -> None:
        UserFactory(email="alice@example.com")
        for response in (
            self.client.post(FETCH, {"username": "alice@example.com"}),
            self.client.get(LIST),
        ):
            self.assertEqual(response.status_code, 400)
            self.assertEqual(json_body(response)["msg"], "DevAuthBackend not enabled.")

    def test_system_check_e003(self) -> None:
        with override_settings(DEBUG=False, AUTHENTICATION_BACKENDS=DEV_BACKENDS):
            self.assertIn("zulip_apikey.E003", {m.id for m in run_checks()})
        with override_settings(DEBUG=True, AUTHENTICATION_BACKENDS=DEV_BACKENDS):
            self.assertNotIn("zulip_apikey.E003", {m.id for m in run_checks()})
        self.assertNotIn("zulip_apikey.E003", {m.id for m in run_checks()})
