"""The database unreachable on an API path: a JSON 503, never Django's HTML 500.

The request runs on a real connection to a database that is not there: PostgreSQL on a closed
port when the suite runs on PostgreSQL, an SQLite file in a directory that does not exist
otherwise. Both make the driver raise ``OperationalError`` on connect, as a real outage does.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from django.db import connections
from django.test import SimpleTestCase

from tests.helpers import json_body
from tests.server_process import free_port


class DatabaseUnreachableTest(SimpleTestCase):
    # Allowed to connect (SimpleTestCase forbids it); the connection it gets goes nowhere.
    databases = {"default"}  # noqa: RUF012 (django-stubs types it as an instance variable)

    def setUp(self) -> None:
        super().setUp()
        real = connections["default"]
        settings_dict = copy.deepcopy(real.settings_dict)
        if real.vendor == "postgresql":
            settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        else:
            missing = Path(self.enterContext(tempfile.TemporaryDirectory())) / "missing"
            settings_dict["NAME"] = str(missing / "db.sqlite3")
        unreachable = type(real)(settings_dict, "default")
        connections["default"] = unreachable

        def restore() -> None:
            unreachable.close()
            connections["default"] = real

        self.addCleanup(restore)

    def test_fetch_api_key_answers_503_json(self) -> None:
        with self.assertLogs("django.request", "ERROR") as logs:
            response = self.client.post(
                "/api/v1/fetch_api_key",
                {"username": "alice@example.org", "password": "a secret password"},
            )
        self.assertEqual(response.status_code, 503)
        body = json_body(response)
        self.assertEqual(
            body,
            {
                "result": "error",
                "msg": "Authentication is temporarily unavailable; try again later.",
                "code": "AUTHENTICATION_UNAVAILABLE",
            },
        )
        self.assertIn("OperationalError", "\n".join(logs.output))
        self.assertNotIn("a secret password", "\n".join(logs.output))
