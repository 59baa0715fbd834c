"""The README's LDAP walk-through, end to end: ``manage.py ldap_demo`` starts the demo directory,
the example project runs as a real server with the variables it prints, and the README's
``fetch_api_key`` request works with an LDAP username and with that user's email.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, ClassVar

from django.test import SimpleTestCase

from tests.ldap_server import require_ldap
from tests.markers import needs_ldap
from tests.server_process import REPO, LiveDatabase, ServerProcess


def read_demo_environment(process: subprocess.Popen[str]) -> dict[str, str]:
    """The ``export NAME=value`` lines ``ldap_demo`` prints before its list of users."""
    assert process.stdout is not None
    environment: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("export "):
            name, _equals, value = line.removeprefix("export ").strip().partition("=")
            environment[name] = shlex.split(value)[0]
        if line.startswith("Users"):
            return environment
    raise RuntimeError(f"ldap_demo exited with {process.wait()} before printing its users")


def post(base_url: str, path: str, data: dict[str, str] | None = None) -> tuple[int, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(f"{base_url}{path}", data=body, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.load(e)


@needs_ldap
class DemoDirectoryTests(SimpleTestCase):
    demo: ClassVar[subprocess.Popen[str]]
    server: ClassVar[ServerProcess]

    @classmethod
    def setUpClass(cls) -> None:
        require_ldap()
        super().setUpClass()
        cls.demo = subprocess.Popen(
            [sys.executable, "manage.py", "ldap_demo"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        cls.addClassCleanup(cls.stop_demo)
        environment = read_demo_environment(cls.demo)
        database = LiveDatabase()
        cls.addClassCleanup(database.close)
        cls.server = ServerProcess(database, env=environment)
        cls.server.manage("migrate", "--verbosity", "0")
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)

    @classmethod
    def stop_demo(cls) -> None:
        cls.demo.terminate()
        cls.demo.wait(timeout=30)
        assert cls.demo.stdout is not None
        cls.demo.stdout.close()

    def test_username_and_email_log_into_one_account(self) -> None:
        base = self.server.base_url
        by_name = post(
            base, "/api/v1/fetch_api_key", {"username": "alice", "password": "alice-demo-password"}
        )
        by_email = post(
            base,
            "/api/v1/fetch_api_key",
            {"username": "alice@example.com", "password": "alice-demo-password"},
        )
        self.assertEqual(by_name[0], 200, self.server.log())
        self.assertEqual(by_email[0], 200, self.server.log())
        self.assertEqual(by_name[1]["email"], "alice@example.com")
        self.assertEqual(
            (by_name[1]["user_id"], by_name[1]["api_key"]),
            (by_email[1]["user_id"], by_email[1]["api_key"]),
        )

    def test_wrong_password_and_server_settings(self) -> None:
        status, body = post(
            self.server.base_url,
            "/api/v1/fetch_api_key",
            {"username": "bjorn@example.com", "password": "wrong"},
        )
        self.assertEqual((status, body["code"]), (401, "AUTHENTICATION_FAILED"))
        status, body = post(self.server.base_url, "/api/v1/server_settings")
        self.assertEqual(status, 200)
        methods = body["authentication_methods"]
        self.assertEqual((methods["email"], methods["ldap"]), (True, True))
        self.assertIs(body["require_email_format_usernames"], False)
