"""``POST /api/v1/fetch_api_key`` with the email backend: every row of CONTRACT section 2
that needs neither LDAP nor rate limiting, the deviations, and bad input."""

from __future__ import annotations

import json
import re
import unittest
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.contrib.auth.signals import user_login_failed
from django.test import TestCase, override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from zulip_apikey.models import UserProfile

URL = "/api/v1/fetch_api_key"


def skip_if_email_unique() -> None:
    """Two accounts can only share an email where the user model allows it."""
    model = get_user_model()
    if getattr(model._meta.get_field(model.get_email_field_name()), "unique", False):
        raise unittest.SkipTest(f"{model.__name__}'s email is unique")


KEY = re.compile(r"[A-Za-z0-9]{32}")


class CountingHasher(MD5PasswordHasher):
    """MD5 that counts its runs, to see that every path pays for one."""

    algorithm = "counting_md5"
    runs: ClassVar[int] = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.runs += 1
        return super().encode(password, salt)  # verify() runs encode() too


class LegacyHasher(MD5PasswordHasher):
    """Stands for a hasher the project has since replaced (its hashes must be upgraded)."""

    algorithm = "legacy_md5"


class FetchApiKeyTestCase(TestCase):
    def fetch(self, **data: Any) -> Any:
        return self.client.post(URL, data)

    def assert_error(self, response: Any, status: int, code: str, msg: str) -> dict[str, Any]:
        body = json_body(response)
        self.assertEqual(response.status_code, status, body)
        self.assertEqual(body["result"], "error")
        self.assertEqual(body["code"], code)
        self.assertEqual(body["msg"], msg)
        return body


class SuccessTest(FetchApiKeyTestCase):
    def test_success_returns_key_email_and_id(self) -> None:
        user = UserFactory(email="alice@example.com")
        response = self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD)
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["result"], "success")
        self.assertEqual(body["msg"], "")
        self.assertRegex(body["api_key"], KEY)
        self.assertEqual(body["email"], "alice@example.com")
        self.assertEqual(body["user_id"], user.pk)
        self.assertNotIn("ignored_parameters_unsupported", body)
        self.assertEqual(UserProfile.objects.get(user=user).api_key, body["api_key"])

    def test_same_key_on_every_fetch(self) -> None:
        UserFactory(email="alice@example.com")
        first = json_body(self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD))
        second = json_body(self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD))
        self.assertEqual(first["api_key"], second["api_key"])
        self.assertEqual(UserProfile.objects.count(), 1)

    def test_email_is_case_insensitive_and_stripped(self) -> None:
        UserFactory(email="Alice@Example.com")
        response = self.fetch(username="  aLICE@example.COM \t", password=DEFAULT_PASSWORD)
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["email"], "Alice@Example.com")  # as stored

    def test_never_cached_and_no_session(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD)
        self.assertIn("no-store", response["Cache-Control"])
        self.assertNotIn("sessionid", response.cookies)

    def test_error_responses_are_never_cached_either(self) -> None:
        response = self.fetch(username="nobody@example.com", password="x")
        self.assertIn("no-store", response["Cache-Control"])

    def test_csrf_exempt(self) -> None:
        UserFactory(email="alice@example.com")
        self.client = self.client_class(enforce_csrf_checks=True)
        response = self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD)
        self.assertEqual(response.status_code, 200)

    def test_ignored_parameters_listed_sorted_on_success(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL + "?zeta=1",
            {"username": "alice@example.com", "password": DEFAULT_PASSWORD, "alpha": "x"},
        )
        body = json_body(response)
        self.assertEqual(body["ignored_parameters_unsupported"], ["alpha", "zeta"])

    def test_ignored_parameters_absent_on_error(self) -> None:
        response = self.client.post(
            URL, {"username": "alice@example.com", "password": "wrong", "alpha": "x"}
        )
        body = self.assert_error(
            response, 401, "AUTHENTICATION_FAILED", "Your username or password is incorrect"
        )
        self.assertNotIn("ignored_parameters_unsupported", body)

    def test_parameters_from_query_string(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL + f"?username=alice@example.com&password={DEFAULT_PASSWORD.replace(' ', '+')}"
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_body_wins_over_query_string(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL + "?password=wrong", {"username": "alice@example.com", "password": DEFAULT_PASSWORD}
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_multipart_body(self) -> None:
        UserFactory(email="alice@example.com")
        # Django's test client encodes a dict as multipart/form-data by default.
        response = self.client.post(
            URL, {"username": "alice@example.com", "password": DEFAULT_PASSWORD}
        )
        self.assertEqual(response.status_code, 200)

    def test_urlencoded_body(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL,
            "username=alice%40example.com&password=" + DEFAULT_PASSWORD.replace(" ", "+"),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_json_body(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL,
            json.dumps({"username": "alice@example.com", "password": DEFAULT_PASSWORD}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_non_ascii_password(self) -> None:
        UserFactory(email="alice@example.com", password="pässwörd-日本語-🔑")
        response = self.fetch(username="alice@example.com", password="pässwörd-日本語-🔑")
        self.assertEqual(response.status_code, 200, response.content)

    def test_no_django_user_logged_in_signal(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        calls: list[Any] = []

        def receiver(**kwargs: Any) -> None:
            calls.append(kwargs)

        user_logged_in.connect(receiver)
        self.addCleanup(user_logged_in.disconnect, receiver)
        UserFactory(email="alice@example.com")
        self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD)
        self.assertEqual(calls, [])


class ErrorRowsTest(FetchApiKeyTestCase):
    def test_row1_wrong_methods(self) -> None:
        for method in ("get", "put", "delete", "patch"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(URL)
                body = json_body(response)
                self.assertEqual(response.status_code, 405)
                self.assertEqual(
                    body,
                    {"result": "error", "msg": "Method Not Allowed", "allowed_methods": ["POST"]},
                )
                self.assertEqual(response["Allow"], "POST")

    def test_row2_missing_username_first(self) -> None:
        body = self.assert_error(
            self.client.post(URL, {}),
            400,
            "REQUEST_VARIABLE_MISSING",
            "Missing 'username' argument",
        )
        self.assertEqual(body["var_name"], "username")

    def test_row2_missing_password(self) -> None:
        body = self.assert_error(
            self.fetch(username="alice@example.com"),
            400,
            "REQUEST_VARIABLE_MISSING",
            "Missing 'password' argument",
        )
        self.assertEqual(body["var_name"], "password")

    def test_row3_invalid_email(self) -> None:
        for username in ("alice", "", "   ", "alice@", "@example.com", "a b@example.com"):
            with self.subTest(username=username):
                self.assert_error(
                    self.fetch(username=username, password="x"),
                    400,
                    "BAD_REQUEST",
                    "Enter a valid email address.",
                )

    @override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
    def test_row4_password_auth_disabled(self) -> None:
        UserFactory(email="alice@example.com")
        self.assert_error(
            self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD),
            401,
            "PASSWORD_AUTH_DISABLED",
            "Password authentication is disabled in this organization",
        )

    @override_settings(AUTHENTICATION_BACKENDS=[])
    def test_row3_comes_before_row4(self) -> None:
        self.assert_error(
            self.fetch(username="alice", password="x"),
            400,
            "BAD_REQUEST",
            "Enter a valid email address.",
        )

    def test_row6_inactive_with_right_password(self) -> None:
        UserFactory(email="alice@example.com", is_active=False)
        self.assert_error(
            self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD),
            401,
            "USER_DEACTIVATED",
            "Account is deactivated",
        )

    def test_deviation_inactive_with_wrong_password_is_row9(self) -> None:
        UserFactory(email="alice@example.com", is_active=False)
        self.assert_error(
            self.fetch(username="alice@example.com", password="wrong"),
            401,
            "AUTHENTICATION_FAILED",
            "Your username or password is incorrect",
        )

    def test_row9_variants(self) -> None:
        UserFactory(email="alice@example.com")
        UserFactory(email="nopass@example.com", password=None)
        cases = {
            "unknown user": ("nobody@example.com", DEFAULT_PASSWORD),
            "wrong password": ("alice@example.com", "wrong"),
            "empty password": ("alice@example.com", ""),
            "unusable password": ("nopass@example.com", DEFAULT_PASSWORD),
            "unusable password, empty": ("nopass@example.com", ""),
        }
        for name, (username, password) in cases.items():
            with self.subTest(name):
                self.assert_error(
                    self.fetch(username=username, password=password),
                    401,
                    "AUTHENTICATION_FAILED",
                    "Your username or password is incorrect",
                )
        self.assertEqual(UserProfile.objects.count(), 0)

    def test_row9_two_users_share_one_email(self) -> None:
        skip_if_email_unique()
        UserFactory(email="shared@example.com", username="one")
        UserFactory(email="SHARED@example.com", username="two")
        with self.assertLogs("zulip_apikey.auth", "WARNING") as logs:
            self.assert_error(
                self.fetch(username="shared@example.com", password=DEFAULT_PASSWORD),
                401,
                "AUTHENTICATION_FAILED",
                "Your username or password is incorrect",
            )
        self.assertIn("shared@example.com", logs.output[0])
        self.assertNotIn(DEFAULT_PASSWORD, "".join(logs.output))

    def test_user_login_failed_still_fires(self) -> None:
        seen: list[dict[str, Any]] = []

        def receiver(credentials: dict[str, Any], **kwargs: Any) -> None:
            seen.append(credentials)

        user_login_failed.connect(receiver)
        self.addCleanup(user_login_failed.disconnect, receiver)
        self.fetch(username="nobody@example.com", password="secret-guess")
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0]["username"], "nobody@example.com")
        self.assertNotEqual(seen[0]["password"], "secret-guess")  # Django cleanses it


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "tests.test_fetch_api_key.LegacyHasher",
    ]
)
class PasswordResetRequiredTest(FetchApiKeyTestCase):
    """Row 7: right password, old hash, and the password fails today's validators."""

    def make_user_with_old_hash(self, password: str) -> Any:
        user = UserFactory(email="alice@example.com", username="alice")
        user.password = make_password(password, hasher="legacy_md5")
        user.save()
        return user

    def test_weak_password_with_old_hash(self) -> None:
        user = self.make_user_with_old_hash("123")  # too short, common and numeric
        self.assert_error(
            self.fetch(username="alice@example.com", password="123"),
            401,
            "PASSWORD_RESET_REQUIRED",
            "Your password has been disabled and needs to be reset",
        )
        user.refresh_from_db()
        self.assertFalse(user.password.startswith("md5$"), "weak hash must not be upgraded")

    def test_strong_password_with_old_hash_is_upgraded(self) -> None:
        user = self.make_user_with_old_hash(DEFAULT_PASSWORD)
        response = self.fetch(username="alice@example.com", password=DEFAULT_PASSWORD)
        self.assertEqual(response.status_code, 200, response.content)
        user.refresh_from_db()
        self.assertTrue(user.password.startswith("md5$"))

    def test_weak_password_wrong_guess_is_row9(self) -> None:
        self.make_user_with_old_hash("123")
        self.assert_error(
            self.fetch(username="alice@example.com", password="124"),
            401,
            "AUTHENTICATION_FAILED",
            "Your username or password is incorrect",
        )

    def test_weak_password_with_current_hash_logs_in(self) -> None:
        UserFactory(email="bob@example.com", password="123")
        response = self.fetch(username="bob@example.com", password="123")
        self.assertEqual(response.status_code, 200, response.content)


@override_settings(PASSWORD_HASHERS=["tests.test_fetch_api_key.CountingHasher"])
class TimingDeviationTest(FetchApiKeyTestCase):
    """An unknown user costs the same hasher run as a wrong password (Django #20760)."""

    def runs_for(self, username: str, password: str) -> int:
        CountingHasher.runs = 0
        self.fetch(username=username, password=password)
        return CountingHasher.runs

    def test_every_failure_path_runs_the_hasher_once(self) -> None:
        UserFactory(email="alice@example.com")
        UserFactory(email="inactive@example.com", is_active=False)
        self.assertEqual(self.runs_for("alice@example.com", "wrong"), 1)
        self.assertEqual(self.runs_for("nobody@example.com", "wrong"), 1)
        self.assertEqual(self.runs_for("inactive@example.com", "wrong"), 1)
        self.assertEqual(self.runs_for("alice@example.com", DEFAULT_PASSWORD), 1)

    def test_shared_email_runs_the_hasher_once(self) -> None:
        skip_if_email_unique()
        UserFactory(email="shared@example.com", username="s1")
        UserFactory(email="shared@example.com", username="s2")
        with self.assertLogs("zulip_apikey.auth", "WARNING"):
            self.assertEqual(self.runs_for("shared@example.com", "wrong"), 1)


class BadInputTest(FetchApiKeyTestCase):
    """No client input gives a 500 or an HTML page."""

    def assert_json_4xx(self, response: Any) -> dict[str, Any]:
        body = json_body(response)
        self.assertGreaterEqual(response.status_code, 400, body)
        self.assertLess(response.status_code, 500, body)
        self.assertEqual(body["result"], "error")
        return body

    def test_empty_strings(self) -> None:
        self.assert_json_4xx(self.fetch(username="", password=""))

    def test_10kb_username_and_password(self) -> None:
        body = self.assert_json_4xx(self.fetch(username="a" * 10_000 + "@x.org", password="p"))
        self.assertEqual(body["code"], "BAD_REQUEST")
        UserFactory(email="alice@example.com")
        body = self.assert_json_4xx(self.fetch(username="alice@example.com", password="p" * 10_000))
        self.assertEqual(body["code"], "AUTHENTICATION_FAILED")

    def test_nul_and_control_characters(self) -> None:
        UserFactory(email="alice@example.com")
        for username in ("alice\x00@example.com", "alice@example.com\x00", "\x00", "\x1b[31m"):
            with self.subTest(username=username):
                self.assert_json_4xx(self.fetch(username=username, password="x"))
        body = self.assert_json_4xx(self.fetch(username="alice@example.com", password="p\x00"))
        self.assertEqual(body["code"], "AUTHENTICATION_FAILED")

    def test_non_ascii_username(self) -> None:
        UserFactory(email="jürgen@exämple.com")
        for username in ("jürgen@exämple.com", "日本@例え.jp", "🔑@example.com"):
            with self.subTest(username=username):
                response = self.fetch(username=username, password="wrong")
                self.assert_json_4xx(response)

    def test_internationalized_domain_logs_in(self) -> None:
        # Django's validate_email takes IDN domains, not non-ASCII local parts.
        UserFactory(email="juergen@exämple.com")
        response = self.fetch(username="juergen@exämple.com", password=DEFAULT_PASSWORD)
        self.assertEqual(response.status_code, 200, response.content)

    def test_malformed_json(self) -> None:
        for raw in ("{", "nul", '{"username": "a"', "\xff", "[]", '"str"', "1", "null"):
            with self.subTest(raw=raw):
                response = self.client.post(URL, raw, content_type="application/json")
                body = self.assert_json_4xx(response)
                self.assertEqual(body["code"], "INVALID_JSON")
                self.assertEqual(body["msg"], "Malformed JSON")

    def test_empty_json_body_is_no_parameters(self) -> None:
        # The test client drops the content type of an empty body; a real client keeps it.
        for body in (b"", b"  \r\n"):
            with self.subTest(body=body):
                response = self.client.generic("POST", URL, body, CONTENT_TYPE="application/json")
                body_json = self.assert_json_4xx(response)
                self.assertEqual(body_json["code"], "REQUEST_VARIABLE_MISSING")

    def test_json_content_type_with_query_parameters(self) -> None:
        UserFactory(email="alice@example.com")
        query = "?username=alice%40example.com&password=" + DEFAULT_PASSWORD.replace(" ", "+")
        response = self.client.generic("POST", URL + query, b"", CONTENT_TYPE="application/json")
        self.assertEqual(response.status_code, 200, response.content)

    def test_lone_surrogates_in_json_strings(self) -> None:
        UserFactory(email="alice@example.com")
        cases = [
            ('{"username": "alice@example.com", "password": "\\ud800x"}', "password"),
            ('{"username": "nobody@example.com", "password": "\\udfff"}', "password"),
            ('{"username": "al\\ud800ice", "password": "x"}', "username"),
        ]
        for raw, name in cases:
            with self.subTest(raw=raw):
                response = self.client.post(URL, raw, content_type="application/json")
                body = self.assert_json_4xx(response)
                self.assertEqual(body["code"], "REQUEST_VARIABLE_INVALID")
                self.assertEqual(body["msg"], f"Bad value for '{name}': not valid Unicode")

    def test_invalid_utf8_json(self) -> None:
        response = self.client.post(URL, b"\xff\xfe{", content_type="application/json")
        self.assertEqual(self.assert_json_4xx(response)["code"], "INVALID_JSON")

    def test_deeply_nested_json(self) -> None:
        response = self.client.post(URL, "[" * 100_000, content_type="application/json")
        self.assertEqual(self.assert_json_4xx(response)["code"], "INVALID_JSON")

    def test_json_non_string_values(self) -> None:
        values: list[object] = [1, 1.5, True, None, [], {}, ["a"]]
        for value in values:
            with self.subTest(value=value):
                response = self.client.post(
                    URL,
                    json.dumps({"username": value, "password": "secret-in-body"}),
                    content_type="application/json",
                )
                body = self.assert_json_4xx(response)
                self.assertEqual(body["code"], "REQUEST_VARIABLE_INVALID")
                self.assertTrue(body["msg"].startswith("Bad value for 'username': "))
                self.assertEqual(body["var_name"], "username")

    def test_json_non_string_password_is_not_echoed(self) -> None:
        response = self.client.post(
            URL,
            json.dumps({"username": "alice@example.com", "password": 987654321}),
            content_type="application/json",
        )
        body = self.assert_json_4xx(response)
        self.assertEqual(body["code"], "REQUEST_VARIABLE_INVALID")
        self.assertNotIn("987654321", response.content.decode())

    def test_json_missing_field(self) -> None:
        response = self.client.post(
            URL, json.dumps({"username": "alice@example.com"}), content_type="application/json"
        )
        self.assertEqual(self.assert_json_4xx(response)["code"], "REQUEST_VARIABLE_MISSING")

    def test_malformed_multipart(self) -> None:
        response = self.client.generic(
            "POST",
            URL,
            b'--xx\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice',
            content_type="multipart/form-data; boundary=xx",
        )
        self.assert_json_4xx(response)

    def test_multipart_without_boundary(self) -> None:
        response = self.client.generic(
            "POST", URL, b"username=a", content_type="multipart/form-data"
        )
        self.assert_json_4xx(response)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_body_over_upload_limit(self) -> None:
        response = self.client.post(URL, {"username": "alice@example.com", "password": "p" * 5000})
        body = self.assert_json_4xx(response)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(body["code"], "BAD_REQUEST")

    @override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
    def test_too_many_fields(self) -> None:
        data = {f"f{i}": "x" for i in range(50)}
        response = self.client.post(URL, data, content_type="application/x-www-form-urlencoded")
        self.assert_json_4xx(response)

    def test_repeated_fields_take_the_last(self) -> None:
        UserFactory(email="alice@example.com")
        response = self.client.post(
            URL,
            "username=x&username=alice%40example.com&password=wrong&password="
            + DEFAULT_PASSWORD.replace(" ", "+"),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_unknown_content_type(self) -> None:
        response = self.client.post(URL, b"\x00\x01", content_type="application/octet-stream")
        body = self.assert_json_4xx(response)
        self.assertEqual(body["code"], "REQUEST_VARIABLE_MISSING")

    def test_nothing_half_written_on_failure(self) -> None:
        UserFactory(email="alice@example.com")
        self.fetch(username="alice@example.com", password="wrong")
        self.assertEqual(UserProfile.objects.count(), 0)
        self.assertEqual(get_user_model().objects.count(), 1)
