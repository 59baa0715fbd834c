"""A real OpenLDAP ``slapd`` for the LDAP tests (python-ldap's ``slapdtest``), and the one place
that decides whether those tests can run.

Nothing here imports python-ldap at module level, so the suite still imports in an environment
without the ``ldap`` extra (tox env ``noldap``); there the LDAP test classes skip, with the
reason. With ``ZULIP_APIKEY_REQUIRE_LDAP=1`` (CI sets it) they fail instead of skipping.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import tempfile
import threading
import unittest
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import TestCase, override_settings

from tests.markers import needs_ldap

LDIF_DIR = Path(__file__).resolve().parent / "ldap"
SUFFIX = "dc=example,dc=com"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=zulip,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
LDAP_BACKEND = "zulip_apikey.backends.ZulipLDAPAuthBackend"
EMAIL_BACKEND = "zulip_apikey.backends.EmailAuthBackend"

#: uid -> password, as in tests/ldap/directory.ldif.
PASSWORDS = {
    "alice": "alice-ldap-password",
    "bsmith": "bob-ldap-password",
    "zangstrom": "zoe-ldap-password",
    "carol": "carol-ldap-password",
    "dave": "dave-ldap-password",
    "erin": "erin-ldap-password",
    "twin1": "twin-ldap-password",
    "twin2": "twin-ldap-password",
    "admin": "admin-ldap-password",
}


def ldap_unavailable_reason() -> str | None:
    """Why the LDAP tests cannot run here, or None when they can."""
    for module, package in (("ldap", "python-ldap"), ("django_auth_ldap", "django-auth-ldap")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed (pip install 'zulip-apikey[ldap]')"
    search_path = os.pathsep.join([os.environ.get("PATH", os.defpath), "/usr/sbin", "/sbin"])
    if shutil.which("slapd", path=search_path) is None:
        return "OpenLDAP's slapd is not installed (Debian: apt-get install slapd ldap-utils)"
    return None


def require_ldap() -> None:
    """Skip the calling test class, or fail it when ``ZULIP_APIKEY_REQUIRE_LDAP=1``."""
    reason = ldap_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("ZULIP_APIKEY_REQUIRE_LDAP") == "1":
        raise RuntimeError(f"ZULIP_APIKEY_REQUIRE_LDAP=1 but the LDAP tests cannot run: {reason}")
    raise unittest.SkipTest(reason)


def start_directory() -> Any:
    """Start a slapd on a free loopback port, loaded with tests/ldap/directory.ldif."""
    import slapdtest

    class Directory(slapdtest.SlapdObject):  # type: ignore[misc]
        suffix = SUFFIX
        root_cn = "admin"
        # slapdtest defaults to the current directory; keep the run directory out of the repo.
        TMPDIR = tempfile.gettempdir()
        openldap_schema_files = (
            "core.ldif",
            "cosine.ldif",
            "inetorgperson.ldif",
            str(LDIF_DIR / "schema.ldif"),
        )

    for attempt in (1, 2):
        server = Directory()
        try:
            server.start()
            server.ldapadd((LDIF_DIR / "directory.ldif").read_text(encoding="utf-8"))
        except RuntimeError:
            # slapdtest picks a free port, then slapd binds it: on a busy machine another
            # process can take it in between. A second try gets another port.
            server.stop()
            if attempt == 2:
                raise
        else:
            return server
    raise AssertionError("unreachable")


def ldap_settings(server: Any, **overrides: Any) -> dict[str, Any]:
    """Settings for the LDAP backend alone against ``server``; ``overrides`` win."""
    import ldap
    from django_auth_ldap.config import LDAPSearch

    values: dict[str, Any] = {
        "AUTHENTICATION_BACKENDS": [LDAP_BACKEND],
        "AUTH_LDAP_SERVER_URI": server.ldap_uri,
        "AUTH_LDAP_BIND_DN": SERVICE_DN,
        "AUTH_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(uid=%(user)s)"),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "LDAP_APPEND_DOMAIN": None,
        "LDAP_EMAIL_ATTR": None,
        "AUTH_LDAP_REVERSE_EMAIL_SEARCH": None,
        "AUTH_LDAP_USERNAME_ATTR": None,
        # The limiter has its own tests; here the same usernames are tried many times.
        "ZULIP_APIKEY": {**getattr(settings, "ZULIP_APIKEY", {}), "RATE_LIMITING": False},
    }
    values.update(overrides)
    return values


def reverse_email_search() -> Any:
    """Zulip's ``AUTH_LDAP_REVERSE_EMAIL_SEARCH`` for the test directory."""
    import ldap
    from django_auth_ldap.config import LDAPSearch

    return LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(mail=%(email)s)")


@needs_ldap
class LDAPTestCase(TestCase):
    """A TestCase with its own slapd for the whole class; ``ldap_overrides`` per class."""

    server: Any = None
    ldap_overrides: dict[str, Any] = {}  # noqa: RUF012  (read-only per class)

    @classmethod
    def setUpClass(cls) -> None:
        require_ldap()
        cls.server = start_directory()
        cls.addClassCleanup(cls.server.stop)
        super().setUpClass()

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(override_settings(**self.settings_for_test()))

    def settings_for_test(self) -> dict[str, Any]:
        return ldap_settings(self.server, **self.ldap_overrides)

    def fetch_api_key(self, username: str, password: str) -> Any:
        return self.client.post(
            "/api/v1/fetch_api_key", {"username": username, "password": password}
        )


class SilentListener:
    """A TCP listener that accepts connections and never answers: a hung directory."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.port: int = self._socket.getsockname()[1]
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self._socket.settimeout(0.1)  # so that the thread notices __exit__
        self._connections: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            self._connections.append(connection)

    def __enter__(self) -> SilentListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._thread.join(timeout=5)
        self._socket.close()
        for connection in self._connections:
            connection.close()
