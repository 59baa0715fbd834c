"""Zulip's LDAP mapping rules as functions (``lib/ldap_mapping.py``); no directory needed, and
no python-ldap either, so these run in the no-LDAP environment too."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase

from tests.factories import UserFactory
from zulip_apikey.lib.ldap_mapping import (
    LDAPMappingError,
    append_domain_username,
    build_user,
    email_for_ldap_user,
    find_linked_user,
    first_value,
    is_disabled_in_directory,
    is_plausible_username,
)

User = get_user_model()


class UsernameTests(SimpleTestCase):
    def test_plausible(self) -> None:
        for username in ("alice", "alice@example.com", "Zoë Ångström", "*", "admin)(|(uid=*"):
            with self.subTest(username=username):
                self.assertTrue(is_plausible_username(username))

    def test_implausible(self) -> None:
        for username in ("", "admin\x00", "a\nb", "a\tb", "x" * 257):
            with self.subTest(username=username[:10]):
                self.assertFalse(is_plausible_username(username))

    def test_append_domain(self) -> None:
        self.assertEqual(append_domain_username("alice@example.com", "example.com"), "alice")
        self.assertEqual(append_domain_username("Alice@EXAMPLE.com", "Example.COM"), "Alice")
        self.assertEqual(append_domain_username("alice", "example.com"), "alice")
        # "@" without being an email: a bare (odd) username, escaped later like any other.
        self.assertEqual(append_domain_username("alice@", "example.com"), "alice@")

    def test_append_domain_refuses_other_domains(self) -> None:
        for email in ("alice@example.org", "alice@sub.example.com", "alice@example.com.evil.org"):
            with self.subTest(email=email), self.assertRaises(LDAPMappingError) as raised:
                append_domain_username(email, "example.com")
            self.assertEqual(raised.exception.level, logging.INFO)


class DirectoryEntryTests(SimpleTestCase):
    def test_first_value_ignores_attribute_case(self) -> None:
        attrs = {"Mail": ["a@example.com", "b@example.com"], "cn": []}
        self.assertEqual(first_value(attrs, "mail"), "a@example.com")
        self.assertIsNone(first_value(attrs, "cn"))
        self.assertIsNone(first_value(attrs, "sn"))

    def test_user_account_control(self) -> None:
        cases = {"512": False, "514": True, "2": True, "66048": False, "66050": True, "x": True}
        for value, disabled in cases.items():
            with self.subTest(value=value):
                self.assertIs(
                    is_disabled_in_directory({"userAccountControl": [value]}, {}), disabled
                )
        # Read under the mapped name when there is one.
        attrs = {"uac": ["514"]}
        self.assertTrue(is_disabled_in_directory(attrs, {"userAccountControl": "uac"}))
        self.assertFalse(is_disabled_in_directory({}, {}))

    def test_deactivated_only_when_mapped(self) -> None:
        attr_map = {"deactivated": "zulipDeactivated"}
        for value, disabled in {"TRUE": True, "yes": True, " Yes ": True, "FALSE": False}.items():
            with self.subTest(value=value):
                attrs = {"zulipDeactivated": [value]}
                self.assertIs(is_disabled_in_directory(attrs, attr_map), disabled)
        self.assertFalse(is_disabled_in_directory({"zulipDeactivated": ["TRUE"]}, {}))

    def test_email_precedence(self) -> None:
        attrs = {"mail": ["Bob.Smith@example.com"], "altMail": ["bob@example.org"]}

        def email(**kwargs: object) -> str:
            options: dict[str, object] = {
                "email_attr": None,
                "append_domain": None,
                "attr_map": {},
                **kwargs,
            }
            return email_for_ldap_user("BSmith", attrs, **options)  # type: ignore[arg-type]

        self.assertEqual(
            email(email_attr="altMail", append_domain="x.org", attr_map={"email": "mail"}),
            "bob@example.org",
        )
        self.assertEqual(
            email(append_domain="Example.COM", attr_map={"email": "mail"}), "bsmith@example.com"
        )
        self.assertEqual(email(attr_map={"email": "mail"}), "Bob.Smith@example.com")
        self.assertEqual(email(attr_map={"email": "nothing"}), "")
        self.assertEqual(email(), "")
        self.assertEqual(
            email_for_ldap_user(
                "a@example.com", {}, email_attr=None, append_domain=None, attr_map={}
            ),
            "a@example.com",
        )

    def test_missing_email_attr_is_an_error(self) -> None:
        with self.assertRaises(LDAPMappingError) as raised:
            email_for_ldap_user("bsmith", {}, email_attr="mail", append_domain=None, attr_map={})
        self.assertEqual(raised.exception.level, logging.WARNING)


class LinkTests(TestCase):
    def test_by_email_first_whatever_the_case(self) -> None:
        by_email = UserFactory(username="bob.smith@example.com", email="BOB.SMITH@example.com")
        UserFactory(username="bsmith", email="")
        self.assertEqual(find_linked_user("bsmith", "bob.smith@EXAMPLE.com"), by_email)

    def test_by_username_when_no_email_matches(self) -> None:
        no_email = UserFactory(username="BSmith", email="")
        self.assertEqual(find_linked_user("bsmith", "bob@example.com"), no_email)
        self.assertEqual(find_linked_user("bsmith", ""), no_email)

    def test_not_a_local_account_of_another_email(self) -> None:
        UserFactory(username="bsmith", email="other@example.net")
        with self.assertRaises(LDAPMappingError):
            find_linked_user("bsmith", "bob@example.com")

    def test_shared_email_is_ambiguous(self) -> None:
        UserFactory(username="a", email="shared@example.com")
        UserFactory(username="b", email="Shared@example.com")
        with self.assertRaises(LDAPMappingError):
            find_linked_user("whoever", "shared@example.com")

    def test_none_when_nothing_matches(self) -> None:
        UserFactory(username="someone", email="someone@example.com")
        self.assertIsNone(find_linked_user("bsmith", "bob@example.com"))

    def test_build_user_is_unsaved(self) -> None:
        user = build_user("bsmith", "bob@example.com")
        self.assertIsNone(user.pk)
        self.assertEqual((user.get_username(), user.email), ("bsmith", "bob@example.com"))  # type: ignore[attr-defined]
        self.assertEqual(User.objects.count(), 0)
