"""Using the key: HTTP Basic ``email:api_key`` (CONTRACT section 7), ``users/me`` and
regeneration (section 6), and the decorator on a project's own view."""

from __future__ import annotations

import base64
from typing import Any

from django.test import TestCase

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from tests.openapi import validate_response
from zulip_apikey.lib.api_key import get_api_key

ME = "/api/v1/users/me"
REGENERATE = "/api/v1/users/me/api_key/regenerate"
HELLO = "/api/v1/example/hello"
BASIC = 'Basic realm="zulip"'


def basic(role: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{role}:{key}".encode()).decode()


class BasicAuthTestCase(TestCase):
    def setUp(self) -> None:
        self.user = UserFactory(email="alice@example.com", username="alice", first_name="Alice")
        self.key = get_api_key(self.user)

    def get(self, path: str, authorization: str | None, method: str = "get") -> Any:
        extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
        return getattr(self.client, method)(path, **extra)

    def assert_unauthorized(self, response: Any, msg: str) -> None:
        body = json_body(response)
        self.assertEqual(response.status_code, 401, body)
        self.assertEqual(body, {"result": "error", "msg": msg, "code": "UNAUTHORIZED"})
        self.assertEqual(response["WWW-Authenticate"], BASIC)


class UsersMeTest(BasicAuthTestCase):
    def test_users_me(self) -> None:
        response = self.get(ME, basic("alice@example.com", self.key))
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["user_id"], self.user.pk)
        self.assertEqual(body["email"], "alice@example.com")
        self.assertEqual(body["delivery_email"], "alice@example.com")
        self.assertEqual(body["full_name"], "Alice")
        self.assertIs(body["is_active"], True)
        self.assertIs(body["is_admin"], False)
        self.assertIs(body["is_owner"], False)
        self.assertEqual(body["role"], 400)
        self.assertIs(body["is_bot"], False)
        self.assertIs(body["is_guest"], False)
        self.assertEqual(body["date_joined"], self.user.date_joined.isoformat())
        self.assertEqual(body["timezone"], "")
        self.assertTrue(body["avatar_url"].startswith("https://"))
        self.assertNotIn(self.key, response.content.decode())
        validate_response("get", ME, response)

    def test_roles(self) -> None:
        staff = UserFactory(email="staff@example.com", is_staff=True)
        owner = UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)
        for user, role, is_admin, is_owner in ((staff, 200, True, False), (owner, 100, True, True)):
            with self.subTest(role=role):
                body = json_body(self.get(ME, basic(user.email, get_api_key(user))))
                self.assertEqual(
                    (body["role"], body["is_admin"], body["is_owner"]), (role, is_admin, is_owner)
                )

    def test_role_is_case_insensitive_and_username_accepted(self) -> None:
        for role in ("ALICE@example.COM", "alice", "Alice"):
            with self.subTest(role=role):
                self.assertEqual(self.get(ME, basic(role, self.key)).status_code, 200)

    def test_lowercase_scheme(self) -> None:
        credentials = base64.b64encode(f"alice@example.com:{self.key}".encode()).decode()
        self.assertEqual(self.get(ME, f"basic {credentials}").status_code, 200)

    def test_errors(self) -> None:
        bob = UserFactory(email="bob@example.com")
        bob_key = get_api_key(bob)
        self.assert_unauthorized(self.get(ME, None), "Missing authorization header for basic auth")
        for header in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
            with self.subTest(header=header):
                self.assert_unauthorized(
                    self.get(ME, header), "Invalid authorization header for basic auth"
                )
        self.assert_unauthorized(
            self.get(ME, basic("a:b", self.key)), "Invalid authorization header for basic auth"
        )
        self.assert_unauthorized(
            self.get(ME, "Basic " + base64.b64encode(b"\xff\xfe:x").decode()),
            "Invalid authorization header for basic auth",
        )
        self.assert_unauthorized(
            self.get(ME, basic("alice@example.com", "short")), "Malformed API key"
        )
        self.assert_unauthorized(self.get(ME, basic("alice@example.com", "")), "Malformed API key")
        self.assert_unauthorized(
            self.get(ME, basic("alice@example.com", "A" * 32)), "Invalid API key"
        )
        self.assert_unauthorized(
            self.get(ME, basic("alice@example.com", bob_key)), "Invalid API key"
        )
        self.assert_unauthorized(self.get(ME, basic("", self.key)), "Invalid API key")

    def test_header_not_two_words_is_invalid(self) -> None:
        for header in ("   ", "Bearer", "Basic", f"Basic a {self.key}", "Basic\tx y"):
            with self.subTest(header=header):
                self.assert_unauthorized(
                    self.get(ME, header), "Invalid authorization header for basic auth"
                )

    def test_other_scheme_is_400(self) -> None:
        response = self.get(ME, f"Bearer {self.key}")
        body = json_body(response)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            body,
            {
                "result": "error",
                "msg": "This endpoint requires HTTP basic authentication.",
                "code": "BAD_REQUEST",
            },
        )

    def test_inactive_user(self) -> None:
        self.user.is_active = False
        self.user.save()
        self.assert_unauthorized(
            self.get(ME, basic("alice@example.com", self.key)), "Account is deactivated"
        )

    def test_wrong_method(self) -> None:
        response = self.get(ME, basic("alice@example.com", self.key), method="post")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(json_body(response)["allowed_methods"], ["GET"])

    def test_session_is_not_enough(self) -> None:
        self.client.force_login(self.user)
        self.assert_unauthorized(self.get(ME, None), "Missing authorization header for basic auth")


class RegenerateTest(BasicAuthTestCase):
    def test_regenerate_kills_the_old_key(self) -> None:
        response = self.get(REGENERATE, basic("alice@example.com", self.key), method="post")
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(set(body), {"result", "msg", "api_key"})
        new = body["api_key"]
        self.assertRegex(new, r"\A[A-Za-z0-9]{32}\Z")
        self.assertNotEqual(new, self.key)
        self.assertIn("no-store", response["Cache-Control"])
        self.assert_unauthorized(
            self.get(ME, basic("alice@example.com", self.key)), "Invalid API key"
        )
        self.assertEqual(self.get(ME, basic("alice@example.com", new)).status_code, 200)

    def test_regenerate_needs_the_key(self) -> None:
        self.assert_unauthorized(
            self.get(REGENERATE, None, method="post"), "Missing authorization header for basic auth"
        )
        self.assertEqual(get_api_key(self.user), self.key)

    def test_regenerate_is_post_only(self) -> None:
        response = self.get(REGENERATE, basic("alice@example.com", self.key))
        self.assertEqual(response.status_code, 405)
        self.assertEqual(get_api_key(self.user), self.key)

    def test_csrf_exempt(self) -> None:
        self.client = self.client_class(enforce_csrf_checks=True)
        response = self.get(REGENERATE, basic("alice@example.com", self.key), method="post")
        self.assertEqual(response.status_code, 200)


class ProjectViewTest(BasicAuthTestCase):
    """The example project's own view, decorated with ``authenticated_rest_api_view``."""

    def test_project_view(self) -> None:
        response = self.get(HELLO, basic("alice@example.com", self.key))
        self.assertEqual(json_body(response)["greeting"], "Hello, alice!")
        self.assert_unauthorized(
            self.get(HELLO, basic("alice@example.com", "B" * 32)), "Invalid API key"
        )

    def test_fetched_key_opens_the_api(self) -> None:
        fetched = json_body(
            self.client.post(
                "/api/v1/fetch_api_key",
                {"username": "alice@example.com", "password": DEFAULT_PASSWORD},
            )
        )["api_key"]
        self.assertEqual(fetched, self.key)
        self.assertEqual(self.get(ME, basic("alice@example.com", fetched)).status_code, 200)
