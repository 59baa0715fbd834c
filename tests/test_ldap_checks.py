"""The LDAP system checks (E020-E023, W020) and the app without the ``ldap`` extra."""

from __future__ import annotations

import sys
from typing import Any
from unittest import mock

from django.core.checks import CheckMessage, run_checks
from django.test import SimpleTestCase, TestCase, override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from tests.ldap_server import EMAIL_BACKEND, LDAP_BACKEND, PEOPLE, require_ldap
from tests.markers import needs_ldap

#: What an environment without ``pip install zulip-apikey[ldap]`` looks like to Python.
WITHOUT_LDAP_EXTRA = {"ldap": None, "django_auth_ldap": None, "zulip_apikey.lib.ldap_backend": None}


def ldap_check_ids() -> list[str]:
    messages: list[CheckMessage] = run_checks(include_deployment_checks=False)
    return sorted(
        str(m.id)
        for m in messages
        if str(m.id)
        in {
            "zulip_apikey.E020",
            "zulip_apikey.E021",
            "zulip_apikey.E022",
            "zulip_apikey.E023",
            "zulip_apikey.W020",
        }
    )


class WithoutTheExtraTests(TestCase):
    """Runs everywhere: the packages are hidden here, and really absent in tox env noldap."""

    def test_backends_module_imports_and_the_ldap_path_is_an_import_error(self) -> None:
        with mock.patch.dict(sys.modules, WITHOUT_LDAP_EXTRA):
            import zulip_apikey.backends

            self.assertTrue(hasattr(zulip_apikey.backends, "EmailAuthBackend"))
            with self.assertRaises(ImportError):
                zulip_apikey.backends.ZulipLDAPAuthBackend  # noqa: B018
            with self.assertRaises(AttributeError):
                zulip_apikey.backends.NoSuchBackend  # noqa: B018

    @override_settings(AUTHENTICATION_BACKENDS=[EMAIL_BACKEND, LDAP_BACKEND])
    def test_extra_missing_is_e020_and_email_login_still_works(self) -> None:
        UserFactory(email="local@example.net")
        with mock.patch.dict(sys.modules, WITHOUT_LDAP_EXTRA):
            self.assertIn("zulip_apikey.E020", ldap_check_ids())
            [error] = [m for m in run_checks() if m.id == "zulip_apikey.E020"]
            self.assertIn("pip install 'zulip-apikey[ldap]'", error.hint or "")
            self.assertIn("libldap2-dev libsasl2-dev", error.hint or "")
            settings_body = json_body(self.client.get("/api/v1/server_settings"))
            self.assertIs(settings_body["authentication_methods"]["ldap"], False)

    @override_settings(AUTHENTICATION_BACKENDS=[EMAIL_BACKEND])
    def test_no_ldap_backend_no_ldap_checks(self) -> None:
        with mock.patch.dict(sys.modules, WITHOUT_LDAP_EXTRA):
            self.assertEqual(ldap_check_ids(), [])


class EmailLoginWithoutTheExtraTests(TestCase):
    def test_email_login(self) -> None:
        user = UserFactory(email="local@example.net")
        with mock.patch.dict(sys.modules, WITHOUT_LDAP_EXTRA):
            response = self.client.post(
                "/api/v1/fetch_api_key",
                {"username": "local@example.net", "password": DEFAULT_PASSWORD},
            )
        self.assertEqual(json_body(response)["user_id"], user.pk)


@needs_ldap
class LDAPSettingsCheckTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_ldap()
        super().setUpClass()

    def complete(self, **overrides: Any) -> dict[str, Any]:
        import ldap
        from django_auth_ldap.config import LDAPSearch

        values: dict[str, Any] = {
            "AUTHENTICATION_BACKENDS": [LDAP_BACKEND],
            "AUTH_LDAP_SERVER_URI": "ldap://127.0.0.1:9",
            "AUTH_LDAP_USER_SEARCH": LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(uid=%(user)s)"),
            "AUTH_LDAP_USER_ATTR_MAP": {"email": "mail"},
            "LDAP_APPEND_DOMAIN": "example.com",
        }
        values.update(overrides)
        return values

    def ids_with(self, **overrides: Any) -> list[str]:
        with self.settings(**self.complete(**overrides)):
            return ldap_check_ids()

    def test_complete_settings_pass(self) -> None:
        self.assertEqual(self.ids_with(), [])
        self.assertEqual(self.ids_with(LDAP_APPEND_DOMAIN=None, LDAP_EMAIL_ATTR="mail"), [])

    def test_no_server_uri(self) -> None:
        self.assertEqual(self.ids_with(AUTH_LDAP_SERVER_URI=""), ["zulip_apikey.E021"])

    def test_no_way_to_find_users(self) -> None:
        self.assertEqual(self.ids_with(AUTH_LDAP_USER_SEARCH=None), ["zulip_apikey.E022"])
        template = f"uid=%(user)s,{PEOPLE}"
        self.assertEqual(
            self.ids_with(AUTH_LDAP_USER_SEARCH=None, AUTH_LDAP_USER_DN_TEMPLATE=template), []
        )

    def test_reverse_search_without_username_attr(self) -> None:
        from tests.ldap_server import reverse_email_search

        self.assertEqual(
            self.ids_with(AUTH_LDAP_REVERSE_EMAIL_SEARCH=reverse_email_search()),
            ["zulip_apikey.E023"],
        )
        self.assertEqual(
            self.ids_with(
                AUTH_LDAP_REVERSE_EMAIL_SEARCH=reverse_email_search(),
                AUTH_LDAP_USERNAME_ATTR="uid",
                LDAP_APPEND_DOMAIN=None,
            ),
            [],
        )

    def test_email_usernames_without_a_mapping(self) -> None:
        self.assertEqual(self.ids_with(LDAP_APPEND_DOMAIN=None), ["zulip_apikey.W020"])

    def test_searching_on_the_email_attribute_is_a_mapping(self) -> None:
        import ldap
        from django_auth_ldap.config import LDAPSearch

        by_mail = LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(&(objectClass=person)(mail=%(user)s))")
        self.assertEqual(self.ids_with(LDAP_APPEND_DOMAIN=None, AUTH_LDAP_USER_SEARCH=by_mail), [])

    def test_extra_installed_is_no_e020(self) -> None:
        self.assertNotIn("zulip_apikey.E020", self.ids_with())
