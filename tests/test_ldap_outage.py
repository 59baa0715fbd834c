"""CONTRACT row 8 for LDAP: a directory that is down or hangs gives 503, within a bounded time,
and never keeps an email user out. Against a real slapd, stopped mid-test, and a real TCP
listener that accepts and never answers.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import SimpleTestCase

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import json_body
from tests.ldap_server import (
    EMAIL_BACKEND,
    LDAP_BACKEND,
    PASSWORDS,
    LDAPTestCase,
    SilentListener,
    require_ldap,
)
from tests.markers import needs_ldap

#: Timeouts for these tests (seconds); the defaults (5 and 10) are tested below as settings.
SHORT_TIMEOUT = 1.0
#: A hung directory must answer long before this; the listener itself never answers at all.
GENEROUS_BOUND = 30.0


def short_timeouts() -> dict[Any, float]:
    import ldap

    return {ldap.OPT_NETWORK_TIMEOUT: SHORT_TIMEOUT, ldap.OPT_TIMEOUT: SHORT_TIMEOUT}


class DirectoryOutageTests(LDAPTestCase):
    backends = [EMAIL_BACKEND, LDAP_BACKEND]  # noqa: RUF012

    def settings_for_test(self) -> dict[str, Any]:
        values = super().settings_for_test()
        values["AUTHENTICATION_BACKENDS"] = self.backends
        values["AUTH_LDAP_CONNECTION_OPTIONS"] = short_timeouts()
        return values

    def assert_unavailable(self, username: str, password: str) -> None:
        response = self.fetch_api_key(username, password)
        body = json_body(response)
        self.assertEqual(response.status_code, 503, body)
        self.assertEqual(body["code"], "AUTHENTICATION_UNAVAILABLE")
        self.assertEqual(body["msg"], "Authentication is temporarily unavailable; try again later.")

    def assert_status(self, username: str, password: str, status: int) -> None:
        response = self.fetch_api_key(username, password)
        self.assertEqual(response.status_code, status, json_body(response))

    def test_directory_stopped_mid_test(self) -> None:
        local = UserFactory(email="local@example.net")
        self.assert_status("alice", PASSWORDS["alice"], 200)
        self.server.terminate()
        self.server.wait()
        try:
            with self.assertLogs("django_auth_ldap", "WARNING"):
                self.assert_unavailable("alice", PASSWORDS["alice"])
            # The email user does not depend on the directory.
            response = self.fetch_api_key("local@example.net", DEFAULT_PASSWORD)
            self.assertEqual(json_body(response)["user_id"], local.pk)
            # No backend succeeded and one could not ask its store: row 8, not row 9.
            self.assert_unavailable("local@example.net", "wrong")
        finally:
            self.server.resume()
        self.assert_status("alice", PASSWORDS["alice"], 200)
        self.assert_status("alice", "wrong", 401)

    def test_hanging_directory(self) -> None:
        UserFactory(email="local@example.net")
        with SilentListener() as listener, self.settings(AUTH_LDAP_SERVER_URI=listener.uri):
            started = time.monotonic()
            self.assert_unavailable("alice", PASSWORDS["alice"])
            elapsed = time.monotonic() - started
            self.assertLess(elapsed, GENEROUS_BOUND)
            self.assert_status("local@example.net", DEFAULT_PASSWORD, 200)

    def test_hanging_directory_during_the_reverse_email_search(self) -> None:
        from tests.ldap_server import reverse_email_search

        with (
            SilentListener() as listener,
            self.settings(
                AUTH_LDAP_SERVER_URI=listener.uri,
                AUTH_LDAP_REVERSE_EMAIL_SEARCH=reverse_email_search(),
                AUTH_LDAP_USERNAME_ATTR="uid",
            ),
        ):
            self.assert_unavailable("alice@example.com", PASSWORDS["alice"])


class DirectoryOutageLDAPFirstTests(DirectoryOutageTests):
    backends = [LDAP_BACKEND, EMAIL_BACKEND]  # noqa: RUF012


@needs_ldap
class ConnectionOptionTests(SimpleTestCase):
    """The default timeouts are on every connection unless the project sets its own."""

    @classmethod
    def setUpClass(cls) -> None:
        require_ldap()
        super().setUpClass()

    def options(self) -> dict[Any, Any]:
        from zulip_apikey.backends import ZulipLDAPAuthBackend

        options: dict[Any, Any] = ZulipLDAPAuthBackend().settings.CONNECTION_OPTIONS
        return options

    def test_defaults(self) -> None:
        import ldap

        self.assertEqual(self.options(), {ldap.OPT_NETWORK_TIMEOUT: 5.0, ldap.OPT_TIMEOUT: 10.0})

    def test_project_options_win_and_defaults_stay(self) -> None:
        import ldap

        project = {ldap.OPT_TIMEOUT: 3, ldap.OPT_REFERRALS: 0}
        with self.settings(AUTH_LDAP_CONNECTION_OPTIONS=project):
            self.assertEqual(
                self.options(),
                {ldap.OPT_NETWORK_TIMEOUT: 5.0, ldap.OPT_TIMEOUT: 3, ldap.OPT_REFERRALS: 0},
            )
