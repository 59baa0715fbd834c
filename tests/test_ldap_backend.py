"""ZulipLDAPAuthBackend through ``POST /api/v1/fetch_api_key``, against a real slapd.

Each class runs its own directory (tests/ldap/directory.ldif) and one mapping mode of
CONTRACT section 4.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from tests.ldap_server import (
    EMAIL_BACKEND,
    LDAP_BACKEND,
    PASSWORDS,
    PEOPLE,
    LDAPTestCase,
    reverse_email_search,
)

User = get_user_model()


class LDAPAssertions(LDAPTestCase):
    def assert_success(self, username: str, password: str) -> dict[str, Any]:
        response = self.fetch_api_key(username, password)
        body = json_body(response)
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["result"], "success")
        return body

    def assert_failure(
        self, username: str, password: str, code: str = "AUTHENTICATION_FAILED"
    ) -> None:
        response = self.fetch_api_key(username, password)
        body = json_body(response)
        expected_status = {"AUTHENTICATION_UNAVAILABLE": 503}.get(code, 401)
        self.assertEqual(response.status_code, expected_status, body)
        self.assertEqual(body["code"], code)


class PlainUsernameTests(LDAPAssertions):
    """No mapping: the username is the directory's uid; email from USER_ATTR_MAP."""

    def test_first_login_creates_the_account_from_the_directory(self) -> None:
        body = self.assert_success("bsmith", PASSWORDS["bsmith"])
        user = User.objects.get()
        self.assertEqual(body["user_id"], user.pk)
        self.assertEqual(body["email"], "Bob.Smith@example.com")
        self.assertEqual(
            (user.username, user.email, user.first_name, user.last_name),
            ("bsmith", "Bob.Smith@example.com", "Bob", "Smith"),
        )
        self.assertFalse(user.has_usable_password())

    def test_non_ascii_name(self) -> None:
        body = self.assert_success("zangstrom", PASSWORDS["zangstrom"])
        user = User.objects.get(pk=body["user_id"])
        self.assertEqual((user.first_name, user.last_name), ("Zoë", "Ångström"))
        self.assertEqual(body["email"], "zoe@example.com")

    def test_later_logins_in_any_case_reuse_the_account_and_key(self) -> None:
        first = self.assert_success("bsmith", PASSWORDS["bsmith"])
        again = self.assert_success("BSmith", PASSWORDS["bsmith"])
        padded = self.assert_success("  bsmith ", PASSWORDS["bsmith"])
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(
            {first["api_key"], again["api_key"], padded["api_key"]}, {first["api_key"]}
        )

    def test_wrong_empty_and_unknown(self) -> None:
        self.assert_failure("bsmith", "not the password")
        self.assert_failure("bsmith", "")
        self.assert_failure("nobody", "whatever")
        self.assert_failure("bsmith", PASSWORDS["alice"])
        self.assertEqual(User.objects.count(), 0)

    def test_an_email_without_a_mapping_matches_no_uid(self) -> None:
        self.assert_failure("Bob.Smith@example.com", PASSWORDS["bsmith"])

    def test_links_an_account_made_with_username_equal_to_email(self) -> None:
        existing = UserFactory(username="bob.smith@example.com", email="BOB.SMITH@EXAMPLE.COM")
        body = self.assert_success("bsmith", PASSWORDS["bsmith"])
        self.assertEqual(body["user_id"], existing.pk)
        self.assertEqual(User.objects.count(), 1)
        existing.refresh_from_db()
        # The directory is the source of truth for the email (ALWAYS_UPDATE_USER).
        self.assertEqual(existing.email, "Bob.Smith@example.com")
        # Linking leaves the local password alone.
        self.assertTrue(existing.check_password(DEFAULT_PASSWORD))

    def test_links_an_account_by_username_whatever_its_case(self) -> None:
        existing = UserFactory(username="BSMITH", email="")
        body = self.assert_success("bsmith", PASSWORDS["bsmith"])
        self.assertEqual(body["user_id"], existing.pk)
        self.assertEqual(User.objects.count(), 1)

    def test_never_takes_over_a_local_account_of_another_email(self) -> None:
        UserFactory(username="bsmith", email="someone.else@example.net")
        with self.assertLogs("zulip_apikey.auth", "WARNING") as logs:
            self.assert_failure("bsmith", PASSWORDS["bsmith"])
        self.assertIn("someone.else@example.net", "\n".join(logs.output))
        self.assertEqual(User.objects.count(), 1)

    def test_two_accounts_sharing_the_email_refuse_the_login(self) -> None:
        UserFactory(username="one", email="zoe@example.com")
        UserFactory(username="two", email="ZOE@example.com")
        with self.assertLogs("zulip_apikey.auth", "WARNING") as logs:
            self.assert_failure("zangstrom", PASSWORDS["zangstrom"])
        self.assertIn("several accounts share the email zoe@example.com", "\n".join(logs.output))

    def test_inactive_account_with_the_right_password_is_deactivated(self) -> None:
        UserFactory(username="bsmith", email="Bob.Smith@example.com", is_active=False)
        self.assert_failure("bsmith", PASSWORDS["bsmith"], "USER_DEACTIVATED")
        # The wrong password reveals nothing about the account.
        self.assert_failure("bsmith", "not the password")

    def test_disabled_by_user_account_control(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "WARNING") as logs:
            self.assert_failure("dave", PASSWORDS["dave"])
        self.assertIn("dave: disabled in the directory", "\n".join(logs.output))
        self.assertEqual(User.objects.count(), 0)

    def test_enabled_user_account_control_logs_in(self) -> None:
        self.assert_success("alice", PASSWORDS["alice"])

    def test_unmapped_deactivated_attribute_is_not_read(self) -> None:
        self.assert_success("erin", PASSWORDS["erin"])

    def test_filter_injection_matches_nothing_and_binds_nothing(self) -> None:
        attempts = ["*", "admin)(|(uid=*", "admin*", "*)(uid=*", "\\00", "admin\x00", "x" * 10240]
        for username in attempts:
            for password in (PASSWORDS["admin"], "*", "x"):
                with self.subTest(username=username[:20], password=password[:5]):
                    self.assert_failure(username, password)
        self.assertEqual(User.objects.count(), 0)


class CreateUsersOffTests(LDAPAssertions):
    def settings_for_test(self) -> dict[str, Any]:
        values = super().settings_for_test()
        values["ZULIP_APIKEY"] = {**values["ZULIP_APIKEY"], "LDAP_CREATE_USERS": False}
        return values

    def test_directory_user_without_an_account_is_refused(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "INFO") as logs:
            self.assert_failure("bsmith", PASSWORDS["bsmith"])
        self.assertIn("creation is off", "\n".join(logs.output))
        self.assertEqual(User.objects.count(), 0)

    def test_existing_account_still_logs_in(self) -> None:
        existing = UserFactory(username="x", email="bob.smith@example.com")
        self.assertEqual(self.assert_success("bsmith", PASSWORDS["bsmith"])["user_id"], existing.pk)


class DeactivatedAttributeTests(LDAPAssertions):
    ldap_overrides = {  # noqa: RUF012
        "AUTH_LDAP_USER_ATTR_MAP": {
            "email": "mail",
            "deactivated": "zulipDeactivated",
            "userAccountControl": "userAccountControl",
        }
    }

    def test_mapped_deactivated_attribute_disables(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "WARNING"):
            self.assert_failure("erin", PASSWORDS["erin"])
        self.assertEqual(User.objects.count(), 0)

    def test_flags_are_not_copied_onto_the_account(self) -> None:
        body = self.assert_success("alice", PASSWORDS["alice"])
        user = User.objects.get(pk=body["user_id"])
        self.assertFalse(hasattr(user, "userAccountControl"))
        self.assertFalse(hasattr(user, "deactivated"))


class AppendDomainTests(LDAPAssertions):
    ldap_overrides = {"LDAP_APPEND_DOMAIN": "example.com"}  # noqa: RUF012

    def test_email_and_bare_username_are_one_account(self) -> None:
        by_email = self.assert_success("alice@example.com", PASSWORDS["alice"])
        by_name = self.assert_success("alice", PASSWORDS["alice"])
        shouted = self.assert_success("ALICE@EXAMPLE.COM", PASSWORDS["alice"])
        user = User.objects.get()
        self.assertEqual({by_email["user_id"], by_name["user_id"], shouted["user_id"]}, {user.pk})
        self.assertEqual(user.username, "alice")
        self.assertEqual(by_email["email"], "alice@example.com")

    def test_domain_compares_case_insensitively(self) -> None:
        self.assert_success("alice@Example.COM", PASSWORDS["alice"])

    def test_email_in_another_domain_fails(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "INFO") as logs:
            self.assert_failure("carol@example.org", PASSWORDS["carol"])
        self.assertIn("not in LDAP_APPEND_DOMAIN", "\n".join(logs.output))
        self.assert_failure("alice@example.org", PASSWORDS["alice"])

    def test_server_settings_allow_non_email_usernames(self) -> None:
        body = json_body(self.client.get("/api/v1/server_settings"))
        self.assertIs(body["require_email_format_usernames"], False)
        self.assertIs(body["authentication_methods"]["ldap"], True)
        self.assertIs(body["authentication_methods"]["email"], False)


class EmailAttrTests(LDAPAssertions):
    ldap_overrides = {  # noqa: RUF012
        "LDAP_EMAIL_ATTR": "mail",
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn"},
    }

    def test_email_comes_from_the_attribute(self) -> None:
        body = self.assert_success("bsmith", PASSWORDS["bsmith"])
        self.assertEqual(body["email"], "Bob.Smith@example.com")
        self.assertEqual(User.objects.get().username, "bsmith")

    def test_entry_without_the_attribute_fails(self) -> None:
        with (
            self.settings(LDAP_EMAIL_ATTR="departmentNumber"),
            self.assertLogs("zulip_apikey.auth", "WARNING"),
        ):
            self.assert_failure("bsmith", PASSWORDS["bsmith"])
        self.assertEqual(User.objects.count(), 0)

    def test_attribute_wins_over_the_attr_map(self) -> None:
        attr_map = {"email": "uid", "first_name": "givenName"}
        with self.settings(AUTH_LDAP_USER_ATTR_MAP=attr_map):
            self.assertEqual(
                self.assert_success("bsmith", PASSWORDS["bsmith"])["email"],
                "Bob.Smith@example.com",
            )

    def test_server_settings_allow_non_email_usernames(self) -> None:
        body = json_body(self.client.get("/api/v1/server_settings"))
        self.assertIs(body["require_email_format_usernames"], False)


class ReverseEmailSearchTests(LDAPAssertions):
    def settings_for_test(self) -> dict[str, Any]:
        values = super().settings_for_test()
        values["AUTH_LDAP_REVERSE_EMAIL_SEARCH"] = reverse_email_search()
        values["AUTH_LDAP_USERNAME_ATTR"] = "uid"
        values["LDAP_EMAIL_ATTR"] = "mail"
        return values

    def test_email_and_username_are_one_account(self) -> None:
        by_email = self.assert_success("bob.smith@EXAMPLE.com", PASSWORDS["bsmith"])
        by_name = self.assert_success("bsmith", PASSWORDS["bsmith"])
        self.assertEqual(by_email["user_id"], by_name["user_id"])
        self.assertEqual(by_email["email"], "Bob.Smith@example.com")
        self.assertEqual(User.objects.get().username, "bsmith")

    def test_several_entries_with_the_email_warn_and_fail(self) -> None:
        with self.assertLogs("zulip_apikey.auth", "WARNING") as logs:
            self.assert_failure("twins@example.com", PASSWORDS["twin1"])
        self.assertIn("several directory entries", "\n".join(logs.output))
        self.assertEqual(User.objects.count(), 0)
        # Each twin can still log in by username.
        self.assert_success("twin1", PASSWORDS["twin1"])

    def test_unknown_email_and_wrong_password_fail(self) -> None:
        self.assert_failure("nobody@example.com", PASSWORDS["bsmith"])
        self.assert_failure("bob.smith@example.com", "not the password")

    def test_injection_in_the_email_search(self) -> None:
        for username in ("*@example.com", "*)(uid=*@example.com", "a@example.com)(|(mail=*"):
            with self.subTest(username=username):
                self.assert_failure(username, PASSWORDS["admin"])

    def test_without_email_attr_clients_still_need_emails(self) -> None:
        with self.settings(LDAP_EMAIL_ATTR=None):
            body = json_body(self.client.get("/api/v1/server_settings"))
            self.assertIs(body["require_email_format_usernames"], True)
            # The mapped email attribute still names the account.
            self.assertEqual(
                self.assert_success("zoe@example.com", PASSWORDS["zangstrom"])["email"],
                "zoe@example.com",
            )


class DNTemplateTests(LDAPAssertions):
    """``AUTH_LDAP_USER_DN_TEMPLATE``: the username goes into a DN, escaped, without a search."""

    ldap_overrides = {  # noqa: RUF012
        "AUTH_LDAP_USER_SEARCH": None,
        "AUTH_LDAP_USER_DN_TEMPLATE": f"uid=%(user)s,{PEOPLE}",
    }

    def test_login_and_injection(self) -> None:
        self.assert_success("alice", PASSWORDS["alice"])
        for username in ("admin,ou=people", "*", "admin\x00", "uid=admin", "admin)(|(uid=*"):
            with self.subTest(username=username):
                self.assert_failure(username, PASSWORDS["admin"])


class BothBackendsTests(LDAPAssertions):
    """Email first: an LDAP user and a local-password user both log in."""

    backends = [EMAIL_BACKEND, LDAP_BACKEND]  # noqa: RUF012

    def settings_for_test(self) -> dict[str, Any]:
        values = super().settings_for_test()
        values["AUTHENTICATION_BACKENDS"] = self.backends
        return values

    def test_both_kinds_of_user_log_in(self) -> None:
        local = UserFactory(email="local@example.net")
        self.assertEqual(
            self.assert_success("local@example.net", DEFAULT_PASSWORD)["user_id"], local.pk
        )
        self.assert_success("alice", PASSWORDS["alice"])
        self.assert_failure("local@example.net", "wrong")
        self.assert_failure("alice", "wrong")

    def test_row_3_is_skipped_and_server_settings_say_both(self) -> None:
        response = self.fetch_api_key("not an email", "x")
        self.assertEqual(json_body(response)["code"], "AUTHENTICATION_FAILED")
        body = json_body(self.client.get("/api/v1/server_settings"))
        methods = body["authentication_methods"]
        self.assertEqual((methods["password"], methods["email"], methods["ldap"]), (True,) * 3)
        self.assertIs(body["email_auth_enabled"], True)
        self.assertIs(body["require_email_format_usernames"], True)

    def test_inactive_account_is_deactivated_through_ldap(self) -> None:
        UserFactory(username="alice@example.com", email="alice@example.com", is_active=False)
        self.assert_failure("alice", PASSWORDS["alice"], "USER_DEACTIVATED")

    def test_injection_reaches_neither_backend(self) -> None:
        for username in ("*", "admin)(|(uid=*", "admin\x00", "a\x00@example.com", "x" * 10240):
            with self.subTest(username=username[:20]):
                self.assert_failure(username, PASSWORDS["admin"])

    def test_injection_with_brute_force_protection_on(self) -> None:
        # The limiter's buckets are keyed on the username too: no 500 from it either.
        with self.settings(ZULIP_APIKEY={"RATE_LIMITING": True}):
            for username in ("*", "admin)(|(uid=*", "admin\x00", "x" * 10240):
                with self.subTest(username=username[:20]):
                    self.assert_failure(username, PASSWORDS["admin"])


class BothBackendsLDAPFirstTests(BothBackendsTests):
    backends = [LDAP_BACKEND, EMAIL_BACKEND]  # noqa: RUF012


class EmailOnlyTests(LDAPAssertions):
    """Without the LDAP backend, row 3 applies again."""

    ldap_overrides = {"AUTHENTICATION_BACKENDS": [EMAIL_BACKEND]}  # noqa: RUF012

    def test_non_email_is_a_bad_request(self) -> None:
        response = self.fetch_api_key("alice", PASSWORDS["alice"])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(json_body(response)["msg"], "Enter a valid email address.")
