"""Two server processes sharing one Redis and one PostgreSQL database, as behind gunicorn.

- Brute-force protection holds across processes: five failed attempts spread over both, the
  sixth refused by either, even with the right password.
- Fifty concurrent first fetches for one user, over both processes, return one single key and
  no 5xx.

Skipped with the reason when ``DATABASE_URL``/``REDIS_URL`` are not PostgreSQL/Redis; a failure
instead when ``ZULIP_APIKEY_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from django.test import SimpleTestCase

from tests.markers import needs_services
from tests.server_process import LiveDatabase, ServerProcess
from tests.test_rate_limiter import redis_url, require_service

PASSWORD = "a-long-test-password-42"
TIMEOUT = 30.0  # seconds, per HTTP request


def post(base_url: str, username: str, password: str) -> tuple[int, dict[str, str], Any]:
    """``POST /api/v1/fetch_api_key`` over real HTTP: status, headers, JSON body."""
    data = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/fetch_api_key", data=data)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as e:
        with e:
            return e.code, dict(e.headers), json.load(e)


@needs_services
class TwoServersTestCase(SimpleTestCase):
    """Starts two server processes with ``rules`` over one fresh database and key prefix."""

    rules: ClassVar[dict[str, list[list[int]]]]
    servers: ClassVar[list[ServerProcess]]
    database: ClassVar[LiveDatabase | None]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.servers = []
        cls.database = None
        if not cls.services_available():
            return
        cls.database = LiveDatabase()
        try:
            env = {
                "CACHE_KEY_PREFIX": f"zulip-apikey-mp-{secrets.token_hex(8)}",
                "ZULIP_APIKEY_TEST_RULES": json.dumps(cls.rules),
            }
            first = ServerProcess(cls.database, settings_module="tests.settings_live", env=env)
            first.manage("migrate", "--verbosity", "0")
            for email in cls.emails():
                first.manage("create_demo_user", "--email", email, "--password", PASSWORD)
            second = ServerProcess(cls.database, settings_module="tests.settings_live", env=env)
            for server in (first, second):
                cls.servers.append(server.start())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        for server in cls.servers:
            server.stop()
        if cls.database is not None:
            cls.database.close()
        super().tearDownClass()

    @staticmethod
    def services_available() -> bool:
        database = os.environ.get("DATABASE_URL", "")
        return database.startswith(("postgres://", "postgresql://")) and bool(redis_url())

    @classmethod
    def emails(cls) -> list[str]:
        return []

    def setUp(self) -> None:
        super().setUp()
        require_service(
            self,
            self.services_available(),
            "needs DATABASE_URL=postgres://... and REDIS_URL=redis://... (shared by processes)",
        )

    def server_logs(self) -> str:
        return "\n".join(f"--- server {s.base_url}\n{s.log()}" for s in self.servers)


class SharedRateLimitTest(TwoServersTestCase):
    rules: ClassVar[dict[str, list[list[int]]]] = {
        "authenticate_by_username": [[1800, 5]],
        "authenticate_by_ip": [[1800, 100]],
    }

    @classmethod
    def emails(cls) -> list[str]:
        return ["shared-limit@example.com"]

    def test_five_failures_over_both_processes_then_refused_by_either(self) -> None:
        a, b = (server.base_url for server in self.servers)
        remaining = []
        for base_url in [a, b, a, b, a]:
            status, headers, body = post(base_url, "shared-limit@example.com", "wrong")
            self.assertEqual(status, 401, body)
            remaining.append(headers["X-RateLimit-Remaining"])
        # One count, shared: each process saw the other's attempts.
        self.assertEqual(remaining, ["4", "3", "2", "1", "0"])
        for base_url in [b, a]:
            status, headers, body = post(base_url, "Shared-Limit@example.com", PASSWORD)
            self.assertEqual(status, 429, self.server_logs())
            self.assertEqual(body["code"], "RATE_LIMIT_HIT")
            self.assertEqual(float(headers["Retry-After"]), body["retry-after"])


class ConcurrentFirstFetchTest(TwoServersTestCase):
    # Fifty logins of one user at once: a limit that lets them all through.
    rules: ClassVar[dict[str, list[list[int]]]] = {
        "authenticate_by_username": [[1800, 100]],
        "authenticate_by_ip": [[1800, 200]],
    }

    @classmethod
    def emails(cls) -> list[str]:
        return ["concurrent@example.com"]

    def test_fifty_concurrent_first_fetches_return_one_key(self) -> None:
        urls = [self.servers[n % 2].base_url for n in range(50)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(
                pool.map(lambda url: post(url, "concurrent@example.com", PASSWORD), urls)
            )
        statuses = [status for status, _headers, _body in results]
        self.assertEqual(statuses, [200] * 50, self.server_logs())
        keys = {body["api_key"] for _status, _headers, body in results}
        self.assertEqual(len(keys), 1)
