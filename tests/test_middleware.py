"""Every response under api/ and json/ is JSON, even Django's own errors (CONTRACT 1)."""

from __future__ import annotations

from django.test import TestCase, override_settings

from tests.helpers import json_body


@override_settings(ROOT_URLCONF="tests.urls")
class JsonErrorHandlerTest(TestCase):
    def test_unknown_api_path_is_json_404(self) -> None:
        for path in ("/api/v1/nothing", "/api/", "/json/nothing", "/api/v1/fetch_api_key/"):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(
                    json_body(response),
                    {"result": "error", "msg": "Not Found", "code": "NOT_FOUND"},
                )

    def test_unknown_path_outside_api_is_left_alone(self) -> None:
        response = self.client.get("/nothing-here")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(response["Content-Type"].startswith("application/json"))

    def test_unexpected_exception_is_json_500_and_logged(self) -> None:
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR") as logs:
            response = self.client.get("/api/v1/test_crash")
        self.assertEqual(len(logs.records), 1, "logged once, not again by Django")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response.status_code, 500)
        self.assertEqual(
            json_body(response),
            {
                "result": "error",
                "msg": "Internal server error",
                "code": "INTERNAL_SERVER_ERROR",
            },
        )
        self.assertIn("boom", "\n".join(logs.output))

    @override_settings(DEBUG=True)
    def test_json_500_even_with_debug(self) -> None:
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):
            response = self.client.get("/api/v1/test_crash")
        self.assertEqual(json_body(response)["code"], "INTERNAL_SERVER_ERROR")

    def test_crash_outside_api_is_django_default(self) -> None:
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):
            response = self.client.get("/outside/crash")
        self.assertEqual(response.status_code, 500)
        self.assertFalse(response["Content-Type"].startswith("application/json"))

    def test_html_error_from_a_view_under_json_is_converted(self) -> None:
        response = self.client.get("/json/test_forbidden_html")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            json_body(response), {"result": "error", "msg": "Forbidden", "code": "BAD_REQUEST"}
        )

    def test_disallowed_host_is_json_400(self) -> None:
        # Raised by CommonMiddleware, before the view: needs JsonErrorHandler placed first.
        self.client.raise_request_exception = False
        response = self.client.get("/api/v1/server_settings", HTTP_HOST="evil.invalid")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(json_body(response)["code"], "BAD_REQUEST")

    def test_malformed_multipart_is_never_cached(self) -> None:
        self.client.raise_request_exception = False
        response = self.client.generic(
            "POST", "/api/v1/fetch_api_key", b"x", content_type="multipart/form-data"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("no-store", response["Cache-Control"])

    def test_get_with_json_content_type_and_no_body(self) -> None:
        response = self.client.generic(
            "GET", "/api/v1/server_settings", b"", CONTENT_TYPE="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_success_is_untouched(self) -> None:
        response = self.client.get("/api/v1/server_settings")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json_body(response)["result"], "success")
