"""Zulip's own clients, unmodified, log in to a real server process and use the key.

- The ``zulip`` Python bindings: ``zulip.Client(email, api_key, site)`` with a key fetched over
  HTTP, then ``get_profile()`` (our ``users/me``); a wrong key gets the contract's 401 body;
  ``users/me/api_key/regenerate`` through ``call_endpoint`` kills the old key.
- zulip-terminal 0.7.0's login flow (``zulipterminal.cli.run.parse_zuliprc`` ->
  ``fetch_zuliprc`` -> ``get_api_key``): it reads ``server_settings`` to pick its prompt, posts
  ``fetch_api_key`` (a wrong password first: it asks again), writes its ``zuliprc``, and the
  client it builds from that file (as ``zulipterminal.core`` does) gets the profile. Only the
  keyboard is simulated: ``input`` and ``getpass`` answer the prompts. zulip-term declares
  Python < 3.11, so it is installed with ``--ignore-requires-python`` into a virtualenv of its
  own and run there.
- An LDAP username login through zulip-term, against a real ``slapd``
  (``tests/ldap_server.py``); it skips where the LDAP tests cannot run (or fails, with
  ``ZULIP_APIKEY_REQUIRE_LDAP=1``).

Slow (PyPI, a server process): runs only with ``ZULIP_APIKEY_SLOW_TESTS=1``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from unittest import skipUnless
from urllib.parse import urlencode

import pytest
from django.test import SimpleTestCase, tag

from example_project.management.commands.create_demo_user import DEMO_EMAIL, DEMO_PASSWORD
from tests import e2e_project
from tests.ldap_server import (
    PASSWORDS,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    ldap_unavailable_reason,
    require_ldap,
    start_directory,
)
from tests.server_process import LiveDatabase, ServerProcess

SLOW_TESTS = os.environ.get("ZULIP_APIKEY_SLOW_TESTS") == "1"
ZULIP_TERM = "zulip-term==0.7.0"
KEY_FORMAT = re.compile(r"[A-Za-z0-9]{32}")
ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*m")

# Runs in zulip-term's virtualenv. The typed answers come from the environment (never a command
# line); it prints one JSON line of what the test checks, never the password or the key.
ZULIP_TERM_LOGIN = r"""
import configparser, json, os, platform, re, sys
from unittest import mock

import zulip
from zulipterminal.cli import run
from zulipterminal.version import ZT_VERSION

zuliprc = os.environ["ZT_ZULIPRC"]
typed = [os.environ["ZT_SITE"], os.environ["ZT_LOGIN"], os.environ["ZT_LOGIN"]]
passwords = [os.environ["ZT_WRONG_PASSWORD"], os.environ["ZT_PASSWORD"]]
prompts = []

def keyboard(answers):
    def answer(prompt=""):
        prompts.append(prompt)
        return answers.pop(0)
    return answer

with mock.patch("builtins.input", keyboard(typed)):
    with mock.patch("getpass.getpass", keyboard(passwords)):
        run.parse_zuliprc(zuliprc)

config = configparser.ConfigParser()
config.read(zuliprc)
api = config["api"]
# What zulipterminal.core.Controller does with the file.
client = zulip.Client(
    config_file=zuliprc, client=f"ZulipTerminal/{ZT_VERSION} {platform.platform()}"
)
profile = client.get_profile()
print(json.dumps({
    "prompts": prompts,
    "unanswered": len(typed) + len(passwords),
    "zuliprc": {"email": api["email"], "site": api["site"]},
    "key_format_ok": re.fullmatch(r"[A-Za-z0-9]{32}", api["key"]) is not None,
    "zuliprc_private": (os.stat(zuliprc).st_mode & 0o077) == 0,
    "profile": {k: profile.get(k) for k in ("result", "msg", "email", "user_id")},
}))
"""


def post_form(url: str, fields: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert isinstance(body, dict)
    return body


@pytest.mark.slow
@tag("slow")
@skipUnless(
    SLOW_TESTS,
    "slow test (installs zulip-term from PyPI, starts a server process): "
    "set ZULIP_APIKEY_SLOW_TESTS=1 to run it",
)
class RealClientsTest(SimpleTestCase):
    server: ServerProcess
    directory: Any = None
    tmp: Path
    _zulip_term_python: Path | None = None

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.tmp = Path(cls.enterClassContext(tempfile.TemporaryDirectory(prefix="zt-")))
        env = {
            "ZULIP_APIKEY_TEST_CACHE_PREFIX": f"zulip-apikey-clients-{secrets.token_hex(4)}",
            "ZULIP_APIKEY_TEST_RULES": json.dumps(
                {"authenticate_by_username": [[1800, 5]], "authenticate_by_ip": [[1800, 100]]}
            ),
        }
        if ldap_unavailable_reason() is None:
            # Email and LDAP login side by side, as example_project/settings.py sets them up.
            cls.directory = start_directory()
            cls.addClassCleanup(cls.directory.stop)
            env.update(
                LDAP_SERVER_URI=cls.directory.ldap_uri,
                LDAP_BIND_DN=SERVICE_DN,
                LDAP_BIND_PASSWORD=SERVICE_PASSWORD,
                LDAP_USER_SEARCH_BASE=PEOPLE,
                LDAP_EMAIL_ATTR="mail",
            )
        database = LiveDatabase()
        cls.addClassCleanup(database.close)
        cls.server = ServerProcess(database, settings_module="tests.settings_live", env=env)
        cls.server.manage("migrate", "--no-input")
        cls.server.manage("create_demo_user")
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)

    # --- the zulip bindings -------------------------------------------------------------------

    def fetch_api_key(self, username: str, password: str) -> dict[str, Any]:
        return post_form(
            f"{self.server.base_url}/api/v1/fetch_api_key",
            {"username": username, "password": password},
        )

    def zulip_client(self, email: str, api_key: str) -> Any:
        import zulip

        # An absent config file, so that a developer's ~/.zuliprc plays no part.
        absent = str(self.tmp / "no-zuliprc")
        return zulip.Client(
            email=email, api_key=api_key, site=self.server.base_url, config_file=absent
        )

    def test_zulip_bindings_get_profile(self) -> None:
        fetched = self.fetch_api_key(DEMO_EMAIL, DEMO_PASSWORD)
        client = self.zulip_client(DEMO_EMAIL, fetched["api_key"])
        # The bindings read server_settings when created and refuse a server without a version.
        self.assertEqual(client.zulip_version, "9.0")
        self.assertEqual(client.feature_level, 277)
        profile = client.get_profile()
        self.assertEqual(profile["result"], "success")
        self.assertEqual(profile["email"], DEMO_EMAIL)
        self.assertEqual(profile["user_id"], fetched["user_id"])
        self.assertTrue(profile["is_owner"])  # the demo user is a superuser

    def test_zulip_bindings_wrong_key_get_contracts_401(self) -> None:
        fetched = self.fetch_api_key(DEMO_EMAIL, DEMO_PASSWORD)
        wrong_key = fetched["api_key"].swapcase()
        cases = [
            (DEMO_EMAIL, wrong_key, "Invalid API key"),
            ("someone-else@example.com", fetched["api_key"], "Invalid API key"),
            (DEMO_EMAIL, "not-a-key", "Malformed API key"),
        ]
        for email, key, msg in cases:
            with self.subTest(msg=msg, email=email):
                profile = self.zulip_client(email, key).get_profile()
                self.assertEqual(profile, {"result": "error", "msg": msg, "code": "UNAUTHORIZED"})

    def test_zulip_bindings_regenerate(self) -> None:
        """Regenerating through the bindings: the new key works, the old one is dead."""
        old = self.fetch_api_key(DEMO_EMAIL, DEMO_PASSWORD)["api_key"]
        result = self.zulip_client(DEMO_EMAIL, old).call_endpoint(
            "users/me/api_key/regenerate", method="POST"
        )
        self.assertEqual(result["result"], "success")
        new = result["api_key"]
        self.assertIsNotNone(KEY_FORMAT.fullmatch(new), "the new key is not 32 letters/digits")
        self.assertNotEqual(new, old)
        self.assertEqual(self.zulip_client(DEMO_EMAIL, new).get_profile()["result"], "success")
        self.assertEqual(self.zulip_client(DEMO_EMAIL, old).get_profile()["msg"], "Invalid API key")
        # fetch_api_key now hands out the new key.
        self.assertEqual(self.fetch_api_key(DEMO_EMAIL, DEMO_PASSWORD)["api_key"], new)

    # --- zulip-terminal -------------------------------------------------------------------------

    @classmethod
    def zulip_term_python(cls) -> Path:
        """zulip-term in a virtualenv of its own, made once per class."""
        if cls._zulip_term_python is None:
            venv = cls.tmp / "zulip-term-venv"
            python = e2e_project.create_venv(venv)
            env = e2e_project.venv_env(venv)
            e2e_project.pip_install(python, "--ignore-requires-python", ZULIP_TERM, env=env)
            cls._zulip_term_python = python
        return cls._zulip_term_python

    def zulip_term_login(self, login_id: str, password: str) -> dict[str, Any]:
        """zulip-term's first start: no zuliprc, so it asks for the site and credentials."""
        python = self.zulip_term_python()
        workdir = Path(self.enterContext(tempfile.TemporaryDirectory(dir=self.tmp)))
        script = workdir / "login.py"
        script.write_text(ZULIP_TERM_LOGIN)
        env = {
            **e2e_project.venv_env(python.parent.parent),
            "HOME": str(workdir),
            "ZT_ZULIPRC": str(workdir / "zuliprc"),
            "ZT_SITE": self.server.base_url,
            "ZT_LOGIN": login_id,
            "ZT_PASSWORD": password,
            "ZT_WRONG_PASSWORD": password + "-typo",
        }
        output = e2e_project.run([str(python), str(script)], cwd=workdir, env=env, timeout=120)
        result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
        result["prompts"] = [ANSI_COLOR.sub("", prompt) for prompt in result["prompts"]]
        return result

    def assert_zulip_term_logged_in(
        self, result: dict[str, Any], login_id: str, email: str, label: str
    ) -> None:
        # A wrong password first: zulip-term says so and asks for both again.
        self.assertEqual(
            result["prompts"],
            ["Zulip URL: ", label, "Password: ", label, "Password: "],
        )
        self.assertEqual(result["unanswered"], 0)
        self.assertEqual(result["zuliprc"], {"email": login_id, "site": self.server.base_url})
        self.assertTrue(result["key_format_ok"], "the key in zuliprc is not 32 letters/digits")
        self.assertTrue(result["zuliprc_private"])
        self.assertEqual(result["profile"]["result"], "success", result["profile"]["msg"])
        self.assertEqual(result["profile"]["email"], email)

    def email_prompt(self) -> str:
        """zulip-term's label, from server_settings: LDAP with LDAP_EMAIL_ATTR takes usernames."""
        return "Email or Username: " if self.directory is not None else "Email: "

    def test_zulip_term_email_login(self) -> None:
        result = self.zulip_term_login(DEMO_EMAIL, DEMO_PASSWORD)
        self.assert_zulip_term_logged_in(result, DEMO_EMAIL, DEMO_EMAIL, self.email_prompt())

    def test_zulip_term_ldap_username_login(self) -> None:
        """zuliprc keeps the typed username, and the key works with it as the Basic role."""
        require_ldap()
        result = self.zulip_term_login("alice", PASSWORDS["alice"])
        self.assert_zulip_term_logged_in(result, "alice", "alice@example.com", self.email_prompt())
