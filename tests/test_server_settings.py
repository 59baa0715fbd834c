"""``GET /api/v1/server_settings`` (CONTRACT section 8)."""

from __future__ import annotations

from django.test import TestCase, override_settings

from tests.helpers import json_body

URL = "/api/v1/server_settings"


class ServerSettingsTest(TestCase):
    def get(self, **extra: str) -> dict[str, object]:
        response = self.client.get(URL, **extra)  # type: ignore[arg-type]
        self.assertEqual(response.status_code, 200)
        return json_body(response)

    def test_fields_for_email_login(self) -> None:
        body = self.get()
        self.assertEqual(body["result"], "success")
        self.assertEqual(
            body["authentication_methods"],
            {
                "password": True,
                "dev": False,
                "email": True,
                "ldap": False,
                "remoteuser": False,
                "github": False,
                "azuread": False,
                "gitlab": False,
                "apple": False,
                "google": False,
                "saml": False,
                "openid connect": False,
            },
        )
        self.assertIs(body["email_auth_enabled"], True)
        self.assertIs(body["require_email_format_usernames"], True)
        self.assertEqual(body["realm_url"], "http://testserver")
        self.assertEqual(body["realm_uri"], body["realm_url"])
        self.assertEqual(body["external_authentication_methods"], [])
        self.assertIs(body["realm_web_public_access_enabled"], False)
        self.assertIs(body["push_notifications_enabled"], False)
        self.assertIs(body["is_incompatible"], False)
        self.assertEqual(body["zulip_version"], "9.0")
        self.assertEqual(body["zulip_merge_base"], "9.0")
        self.assertEqual(body["zulip_feature_level"], 277)
        self.assertEqual(body["realm_name"], "Example organization")
        self.assertEqual(body["realm_description"], "")
        self.assertIsInstance(body["realm_icon"], str)
        self.assertNotIn("ignored_parameters_unsupported", body)

    def test_realm_url_follows_scheme_and_host(self) -> None:
        body = self.get(HTTP_HOST="localhost:8000", **{"wsgi.url_scheme": "https"})
        self.assertEqual(body["realm_url"], "https://localhost:8000")

    @override_settings(
        ZULIP_APIKEY={
            "REALM_URL": "https://chat.example.com/",
            "REALM_NAME": "Example Inc.",
            "REALM_DESCRIPTION": "<p>Hello</p>",
            "REALM_ICON": "https://chat.example.com/icon.png",
            "ZULIP_VERSION": "10.4",
            "ZULIP_MERGE_BASE": "10.4",
            "ZULIP_FEATURE_LEVEL": 300,
        }
    )
    def test_configured_values(self) -> None:
        body = self.get()
        self.assertEqual(body["realm_url"], "https://chat.example.com")
        self.assertEqual(body["realm_name"], "Example Inc.")
        self.assertEqual(body["realm_description"], "<p>Hello</p>")
        self.assertEqual(body["realm_icon"], "https://chat.example.com/icon.png")
        self.assertEqual(body["zulip_version"], "10.4")
        self.assertEqual(body["zulip_feature_level"], 300)

    @override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
    def test_no_password_backend(self) -> None:
        body = self.get()
        methods = body["authentication_methods"]
        assert isinstance(methods, dict)
        self.assertIs(methods["password"], False)
        self.assertIs(methods["email"], False)
        self.assertIs(body["email_auth_enabled"], False)

    def test_ignored_query_parameters(self) -> None:
        response = self.client.get(URL, {"b": "1", "a": "2"})
        self.assertEqual(json_body(response)["ignored_parameters_unsupported"], ["a", "b"])

    def test_post_is_405(self) -> None:
        response = self.client.post(URL)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(json_body(response)["allowed_methods"], ["GET"])
