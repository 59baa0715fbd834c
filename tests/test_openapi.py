"""Success and error bodies against Zulip's OpenAPI excerpt (shared/zulip-openapi)."""

from __future__ import annotations

from django.test import TestCase, override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.openapi import validate_response

FETCH = "/api/v1/fetch_api_key"


class OpenApiConformanceTest(TestCase):
    def test_fetch_api_key_success(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            FETCH + "?extra=1", {"username": "alice@example.com", "password": DEFAULT_PASSWORD}
        )
        self.assertEqual(response.status_code, 200)
        validate_response("post", FETCH, response)

    def test_fetch_api_key_errors(self) -> None:
        UserFactory(email="inactive@example.com", is_active=False)
        cases = [
            {},
            {"username": "alice@example.com"},
            {"username": "not-an-email", "password": "x"},
            {"username": "nobody@example.com", "password": "x"},
            {"username": "inactive@example.com", "password": DEFAULT_PASSWORD},
        ]
        for data in cases:
            with self.subTest(data=data):
                response = self.client.post(FETCH, data)
                self.assertGreaterEqual(response.status_code, 400)
                validate_response("post", FETCH, response)

    @override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
    def test_password_auth_disabled_error(self) -> None:
        response = self.client.post(FETCH, {"username": "a@example.com", "password": "x"})
        self.assertEqual(response.status_code, 401)
        validate_response("post", FETCH, response)

    def test_server_settings(self) -> None:
        response = self.client.get("/api/v1/server_settings?unknown=1")
        self.assertEqual(response.status_code, 200)
        validate_response("get", "/api/v1/server_settings", response)

    def test_validator_can_fail(self) -> None:
        """The check is real: a body missing a required field is refused."""
        from django.http import JsonResponse

        bad = JsonResponse({"result": "success", "msg": "", "email": "a@example.com"})
        with self.assertRaises(Exception):  # noqa: B017 - openapi-core's error types vary
            validate_response("post", FETCH, bad)
