"""``lib/rate_limiter.py`` and ``lib/client_ip.py``: windows, edges, clearing, concurrency,
an unreachable cache; on the local-memory cache and, when ``REDIS_URL`` is set, on Redis.

The endpoint's view of the same rules is in ``tests/test_rate_limit_endpoint.py``.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from tests.markers import needs_services
from tests.server_process import free_port
from zulip_apikey.lib.client_ip import get_client_ip
from zulip_apikey.lib.exceptions import AuthenticationUnavailableError, RateLimitedError
from zulip_apikey.lib.rate_limiter import (
    BY_IP,
    BY_USERNAME,
    KEY_PREFIX,
    Rule,
    add_rate_limit_headers,
    clear_history,
    get_rules,
    rate_limit_authentication_attempt,
    record_successful_login,
)

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"


def services_required() -> bool:
    """CI sets this: a missing PostgreSQL or Redis is then a failure, not a skip."""
    return os.environ.get("ZULIP_APIKEY_REQUIRE_SERVICES") == "1"


def require_service(test: SimpleTestCase, available: bool, reason: str) -> None:
    if available:
        return
    if services_required():
        test.fail(f"{reason}, and ZULIP_APIKEY_REQUIRE_SERVICES=1")
    test.skipTest(reason)


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    return url if url.startswith(("redis://", "rediss://", "unix://")) else ""


def limiter_settings(**overrides: Any) -> dict[str, Any]:
    """The test settings' ``ZULIP_APIKEY`` with the limiter on (the suite has it off)."""
    return {**settings.ZULIP_APIKEY, "RATE_LIMITING": True, **overrides}


def rules(
    by_username: list[tuple[int, int]], by_ip: list[tuple[int, int]] | None = None
) -> dict[str, Any]:
    return limiter_settings(
        RATE_LIMITING_RULES={BY_USERNAME: by_username, BY_IP: by_ip or [(1800, 100)]}
    )


class FreshLimiterMixin(SimpleTestCase):
    """Limiter on, over a key space no other test (or test run, on a shared Redis) has used.

    A fresh key prefix rather than ``cache.clear()``: on Redis, clearing flushes the whole
    database, under the feet of any other run sharing it.
    """

    cache_backend = LOCMEM

    def setUp(self) -> None:
        super().setUp()
        cache: dict[str, Any] = {
            "BACKEND": self.cache_backend,
            "KEY_PREFIX": f"zulip-apikey-test-{secrets.token_hex(8)}",
        }
        if self.cache_backend == REDIS:
            require_service(self, bool(redis_url()), "REDIS_URL is not set to a Redis server")
            cache["LOCATION"] = redis_url()
        self.enterContext(override_settings(CACHES={**settings.CACHES, "default": cache}))
        self.enterContext(override_settings(ZULIP_APIKEY=limiter_settings()))
        if self.cache_backend == LOCMEM:
            caches["default"].clear()  # private to this process: clearing disturbs no one


def make_request(ip: str = "192.0.2.1", **meta: str) -> HttpRequest:
    request = RequestFactory().post("/api/v1/fetch_api_key", REMOTE_ADDR=ip)
    request.META.update(meta)
    return request


def attempt(username: str, ip: str = "192.0.2.1") -> HttpResponse:
    """Count one attempt; the response carries the headers a view's response would get."""
    request = make_request(ip)
    response = HttpResponse()
    try:
        rate_limit_authentication_attempt(request, username)
    except RateLimitedError as e:
        response.status_code = 429
        response["Retry-After"] = str(e.secs_to_freedom)
    add_rate_limit_headers(request, response)
    return response


def login_succeeds(username: str, ip: str = "192.0.2.1") -> HttpResponse:
    request = make_request(ip)
    rate_limit_authentication_attempt(request, username)
    record_successful_login(request, username)
    response = HttpResponse()
    add_rate_limit_headers(request, response)
    return response


class LocMemLimiterTest(FreshLimiterMixin):
    """The rules of CONTRACT section 5 at the library level, on ``cache_backend``."""

    def test_n_attempts_pass_and_the_next_is_rejected(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 5)])):
            remaining = [attempt("a@example.com")["X-RateLimit-Remaining"] for _ in range(5)]
            self.assertEqual(remaining, ["4", "3", "2", "1", "0"])
            rejected = attempt("a@example.com")
        self.assertEqual(rejected.status_code, 429)
        self.assertEqual(rejected["X-RateLimit-Remaining"], "0")
        self.assertEqual(rejected["X-RateLimit-Limit"], "5")
        retry_after = float(rejected["Retry-After"])
        self.assertGreater(retry_after, 1790)
        self.assertLessEqual(retry_after, 1800)
        reset = int(rejected["X-RateLimit-Reset"])
        self.assertGreaterEqual(reset, int(time.time()) + 1790)

    def test_rejected_attempts_stay_rejected_and_count_nowhere(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 2)], [(1800, 4)])):
            attempt("a@example.com")
            attempt("a@example.com")
            for _ in range(5):
                self.assertEqual(attempt("a@example.com").status_code, 429)
            # Five refusals did not use up the address's four: two remain.
            self.assertEqual(attempt("b@example.com")["X-RateLimit-Remaining"], "1")
            self.assertEqual(attempt("c@example.com")["X-RateLimit-Remaining"], "0")
            self.assertEqual(attempt("d@example.com").status_code, 429)

    def test_refused_by_the_address_rule_counts_nothing_for_the_username(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 2)], [(1800, 1)])):
            self.assertEqual(attempt("a@example.com", "192.0.2.7").status_code, 200)
            self.assertEqual(attempt("b@example.com", "192.0.2.7").status_code, 429)
            # b's username slot taken for the refused attempt was given back.
            self.assertEqual(attempt("b@example.com", "192.0.2.8").status_code, 200)
            self.assertEqual(attempt("b@example.com", "192.0.2.9").status_code, 200)
            self.assertEqual(attempt("b@example.com", "192.0.2.10").status_code, 429)

    def test_username_bucket_is_stripped_and_case_folded(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 3)])):
            attempt("Alice@Example.org")
            attempt(" alice@example.ORG\t")
            attempt("ALICE@EXAMPLE.ORG")
            self.assertEqual(attempt("alice@example.org").status_code, 429)
            self.assertEqual(attempt("bob@example.org").status_code, 200)

    def test_retry_after_is_until_the_oldest_attempt_leaves_the_window(self) -> None:
        window = 1800
        with override_settings(ZULIP_APIKEY=rules([(window, 1)])):
            before = time.time()
            attempt("a@example.com")
            rejected = attempt("a@example.com")
        retry_after = float(rejected["Retry-After"])
        # The slot was taken after `before`, so it frees at most `window` after it.
        self.assertLessEqual(time.time() + retry_after, before + window + 0.01)

    def test_success_clears_the_username_but_not_the_address(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 3)], [(1800, 5)])):
            attempt("a@example.com")
            attempt("a@example.com")
            ok = login_succeeds("A@example.com")
            # The username has its whole quota back, so the address is the tightest rule.
            self.assertEqual(ok["X-RateLimit-Limit"], "5")
            self.assertEqual(ok["X-RateLimit-Remaining"], "2")
            # Had the username's three attempts stayed counted, this one would be refused.
            self.assertEqual(attempt("a@example.com")["X-RateLimit-Remaining"], "1")
            self.assertEqual(attempt("b@example.com")["X-RateLimit-Remaining"], "0")
            self.assertEqual(attempt("c@example.com").status_code, 429)

    def test_clear_history_by_username_and_by_address(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 1)], [(1800, 2)])):
            attempt("a@example.com", "192.0.2.1")
            self.assertEqual(attempt("a@example.com", "192.0.2.2").status_code, 429)
            clear_history(BY_USERNAME, " A@EXAMPLE.COM ")
            self.assertEqual(attempt("a@example.com", "192.0.2.1").status_code, 200)
            self.assertEqual(attempt("b@example.com", "192.0.2.1").status_code, 429)
            clear_history(BY_IP, "192.0.2.1")
            self.assertEqual(attempt("b@example.com", "192.0.2.1").status_code, 200)

    def test_every_rule_of_a_domain_applies_and_the_tightest_is_reported(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(3600, 4), (1800, 2)], [(1800, 100)])):
            first = attempt("a@example.com")
            self.assertEqual(first["X-RateLimit-Limit"], "2")
            self.assertEqual(first["X-RateLimit-Remaining"], "1")
            attempt("a@example.com")
            rejected = attempt("a@example.com")
            self.assertEqual(rejected.status_code, 429)
            self.assertEqual(rejected["X-RateLimit-Limit"], "2")

    def test_concurrent_attempts_never_exceed_the_limit(self) -> None:
        results: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(20)

        def one() -> None:
            barrier.wait()
            status = attempt("race@example.com").status_code
            with lock:
                results.append(status)

        with override_settings(ZULIP_APIKEY=rules([(1800, 5)])):
            threads = [threading.Thread(target=one) for _ in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertEqual(sorted(results), [200] * 5 + [429] * 15)

    def test_window_slides(self) -> None:
        """Rule (2 s, 2): attempts leave the window one by one, 2 s after each was made.

        Waits are real (the cache's own clock expires the slots); if this machine stalls for
        longer than the margins, the test skips instead of asserting on a race.
        """
        with override_settings(ZULIP_APIKEY=rules([(2, 2)])):
            start = time.monotonic()
            self.assertEqual(attempt("s@example.com").status_code, 200)  # A at ~0
            time.sleep(1.0)
            self.assertEqual(attempt("s@example.com").status_code, 200)  # B at ~1
            rejected = attempt("s@example.com")  # A and B both in the window
            if time.monotonic() - start > 1.8:
                self.skipTest("machine too slow for a 2 s window")
            self.assertEqual(rejected.status_code, 429)
            retry_after = float(rejected["Retry-After"])
            self.assertLess(retry_after, 1.1)  # A leaves first, not the whole window
            time.sleep(retry_after + 0.05)
            mark = time.monotonic()
            self.assertEqual(attempt("s@example.com").status_code, 200)  # A has left
            again = attempt("s@example.com")  # B is still in its window
            if time.monotonic() - mark > 0.7:
                self.skipTest("machine too slow for a 2 s window")
            self.assertEqual(again.status_code, 429)

    def test_off_switch(self) -> None:
        with override_settings(ZULIP_APIKEY={**rules([(1800, 1)]), "RATE_LIMITING": False}):
            for _ in range(3):
                response = attempt("a@example.com")
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("X-RateLimit-Limit", response)

    def test_empty_rule_list_turns_a_domain_off(self) -> None:
        with override_settings(
            ZULIP_APIKEY=limiter_settings(RATE_LIMITING_RULES={BY_USERNAME: [(1800, 1)], BY_IP: []})
        ):
            for n in range(3):
                self.assertEqual(attempt(f"u{n}@example.com").status_code, 200)
            self.assertEqual(attempt("u0@example.com").status_code, 429)

    def test_keys_never_contain_the_username_or_address(self) -> None:
        from zulip_apikey.lib.rate_limiter import Bucket

        bucket = Bucket(BY_USERNAME, "secret-name@example.com", Rule(1800, 5))
        self.assertEqual(len(bucket.keys), 5)
        for key in bucket.keys:
            self.assertTrue(key.startswith(KEY_PREFIX))
            self.assertNotIn("secret-name", key)
            self.assertLess(len(key), 200)  # Memcached's limit is 250 with Django's prefix


@needs_services
class RedisLimiterTest(LocMemLimiterTest):
    """The same tests on a real Redis (``REDIS_URL``), where expiry is Redis's own clock."""

    cache_backend = REDIS


class UnreachableCacheTest(SimpleTestCase):
    """A RedisCache pointed at a closed port: fail closed (503), or open when configured."""

    def setUp(self) -> None:
        super().setUp()
        try:
            import redis  # noqa: F401
        except ImportError:
            self.skipTest("the redis package is not installed")
        closed = {"BACKEND": REDIS, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
        self.enterContext(override_settings(CACHES={**settings.CACHES, "limits": closed}))

    def test_fails_closed(self) -> None:
        request = make_request()
        with (
            override_settings(ZULIP_APIKEY=limiter_settings(RATE_LIMIT_CACHE="limits")),
            self.assertLogs("zulip_apikey.rate_limiter", "ERROR"),
            self.assertRaises(AuthenticationUnavailableError),
        ):
            rate_limit_authentication_attempt(request, "a@example.com")
        response = HttpResponse()
        add_rate_limit_headers(request, response)
        self.assertNotIn("X-RateLimit-Limit", response)

    def test_fails_open_when_configured(self) -> None:
        request = make_request()
        settings_ = limiter_settings(RATE_LIMIT_CACHE="limits", RATE_LIMIT_FAIL_OPEN=True)
        with (
            override_settings(ZULIP_APIKEY=settings_),
            self.assertLogs("zulip_apikey.rate_limiter", "WARNING") as logs,
        ):
            rate_limit_authentication_attempt(request, "a@example.com")
            record_successful_login(request, "a@example.com")
        self.assertIn("RATE_LIMIT_FAIL_OPEN", logs.output[0])
        self.assertNotIn("a@example.com", "\n".join(logs.output))

    def test_clear_command_reports_the_outage(self) -> None:
        with (
            override_settings(ZULIP_APIKEY=limiter_settings(RATE_LIMIT_CACHE="limits")),
            self.assertRaisesMessage(CommandError, "unreachable"),
        ):
            call_command("clear_auth_rate_limit_history", username=["a@example.com"])


class RulesSettingTest(SimpleTestCase):
    def test_defaults_are_the_contract_s(self) -> None:
        with override_settings(ZULIP_APIKEY={}):
            self.assertEqual(get_rules(), {BY_USERNAME: [Rule(1800, 5)], BY_IP: [Rule(1800, 100)]})

    def test_a_domain_left_out_keeps_its_default(self) -> None:
        with override_settings(
            ZULIP_APIKEY={"RATE_LIMITING_RULES": {BY_USERNAME: [(60, 3), [3600, 10]]}}
        ):
            self.assertEqual(
                get_rules(),
                {BY_USERNAME: [Rule(60, 3), Rule(3600, 10)], BY_IP: [Rule(1800, 100)]},
            )

    def test_malformed_rules_are_refused(self) -> None:
        for bad in [[(60,)], [(0, 5)], [(60, -1)], [("60", 5)], [(1.5, 5)], [None], [(60, True)]]:
            with (
                self.subTest(bad=bad),
                override_settings(ZULIP_APIKEY={"RATE_LIMITING_RULES": {BY_IP: bad}}),
                self.assertRaises(ImproperlyConfigured),
            ):
                get_rules()


class ClientIPTest(SimpleTestCase):
    def ip(
        self, remote: str, forwarded: str | None = None, proxies: list[str] | None = None
    ) -> str:
        meta = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        with override_settings(ZULIP_APIKEY={"TRUSTED_PROXIES": proxies or []}):
            return get_client_ip(make_request(remote, **meta))

    def test_remote_addr_by_default(self) -> None:
        self.assertEqual(self.ip("198.51.100.4"), "198.51.100.4")

    def test_forged_header_from_an_untrusted_peer_is_ignored(self) -> None:
        self.assertEqual(self.ip("198.51.100.4", "203.0.113.9"), "198.51.100.4")
        self.assertEqual(
            self.ip("198.51.100.4", "203.0.113.9", proxies=["10.0.0.1"]), "198.51.100.4"
        )

    def test_trusted_proxy_s_header_is_believed_from_the_right(self) -> None:
        # The client wrote "1.1.1.1"; the trusted proxy appended the real peer 203.0.113.9.
        self.assertEqual(self.ip("10.0.0.1", "1.1.1.1, 203.0.113.9", ["10.0.0.1"]), "203.0.113.9")

    def test_chain_of_trusted_proxies_and_cidr(self) -> None:
        self.assertEqual(
            self.ip("10.0.0.1", "1.1.1.1, 203.0.113.9, 10.2.3.4", ["10.0.0.0/8"]), "203.0.113.9"
        )

    def test_all_hops_trusted_gives_the_leftmost(self) -> None:
        self.assertEqual(self.ip("10.0.0.1", "10.0.0.3, 10.0.0.2", ["10.0.0.0/8"]), "10.0.0.3")

    def test_no_header_through_a_proxy_gives_the_proxy(self) -> None:
        self.assertEqual(self.ip("10.0.0.1", None, ["10.0.0.1"]), "10.0.0.1")

    def test_garbage_hop_stops_at_the_last_trusted_one(self) -> None:
        self.assertEqual(self.ip("10.0.0.1", "203.0.113.9, nonsense", ["10.0.0.1"]), "10.0.0.1")

    def test_ports_and_ipv6(self) -> None:
        self.assertEqual(self.ip("10.0.0.1", "203.0.113.9:4711", ["10.0.0.1"]), "203.0.113.9")
        self.assertEqual(
            self.ip("::1", "[2001:db8::1]:443, 2001:db8::2", ["::1", "2001:db8::2"]),
            "2001:db8::1",
        )
        self.assertEqual(self.ip("::ffff:198.51.100.4"), "198.51.100.4")


class ClearCommandTest(FreshLimiterMixin):
    def test_clears_username_and_address(self) -> None:
        with override_settings(ZULIP_APIKEY=rules([(1800, 1)], [(1800, 1)])):
            attempt("a@example.com", "192.0.2.1")
            self.assertEqual(attempt("a@example.com", "192.0.2.2").status_code, 429)
            self.assertEqual(attempt("b@example.com", "192.0.2.1").status_code, 429)
            out = StringIO()
            call_command(
                "clear_auth_rate_limit_history",
                "--username",
                "A@example.com",
                "--ip",
                "192.0.2.1",
                stdout=out,
            )
            self.assertIn("A@example.com", out.getvalue())
            self.assertEqual(attempt("a@example.com", "192.0.2.3").status_code, 200)
            self.assertEqual(attempt("b@example.com", "192.0.2.1").status_code, 200)

    def test_needs_something_to_clear_and_a_real_address(self) -> None:
        with self.assertRaisesMessage(CommandError, "at least one"):
            call_command("clear_auth_rate_limit_history")
        with self.assertRaisesMessage(CommandError, "not an IP address"):
            call_command("clear_auth_rate_limit_history", ip=["300.1.1.1"])


def check_ids(**overrides: Any) -> set[str]:
    with override_settings(**overrides):
        return {m.id for m in run_checks() if m.id and m.id.startswith("zulip_apikey.")}


class RateLimitChecksTest(SimpleTestCase):
    """W002 (per-process cache in production) and E010 (unusable settings)."""

    def test_w002_per_process_cache_in_production(self) -> None:
        for backend in [LOCMEM, "django.core.cache.backends.dummy.DummyCache"]:
            caches_ = {"default": {"BACKEND": backend}}
            with self.subTest(backend=backend):
                self.assertIn(
                    "zulip_apikey.W002",
                    check_ids(CACHES=caches_, DEBUG=False, ZULIP_APIKEY=limiter_settings()),
                )
                self.assertNotIn(
                    "zulip_apikey.W002",
                    check_ids(CACHES=caches_, DEBUG=True, ZULIP_APIKEY=limiter_settings()),
                )

    def test_no_w002_for_a_shared_cache_or_with_limiting_off(self) -> None:
        redis_ = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:6379/0"}}
        locmem = {"default": {"BACKEND": LOCMEM}}
        self.assertNotIn(
            "zulip_apikey.W002",
            check_ids(CACHES=redis_, DEBUG=False, ZULIP_APIKEY=limiter_settings()),
        )
        self.assertNotIn(
            "zulip_apikey.W002",
            check_ids(CACHES=locmem, DEBUG=False, ZULIP_APIKEY={"RATE_LIMITING": False}),
        )

    def test_w002_follows_the_rate_limit_cache_alias(self) -> None:
        both = {
            "default": {"BACKEND": LOCMEM},
            "limits": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:6379/0"},
        }
        self.assertNotIn(
            "zulip_apikey.W002",
            check_ids(
                CACHES=both, DEBUG=False, ZULIP_APIKEY=limiter_settings(RATE_LIMIT_CACHE="limits")
            ),
        )

    def test_e010_unusable_settings(self) -> None:
        cases: list[dict[str, Any]] = [
            limiter_settings(RATE_LIMITING_RULES={BY_USERNAME: [(0, 5)]}),
            limiter_settings(RATE_LIMIT_CACHE="no-such-cache"),
            limiter_settings(TRUSTED_PROXIES=["10.0.0.0/33"]),
            {"RATE_LIMITING": False, "TRUSTED_PROXIES": ["proxy.example.com"]},
        ]
        for case in cases:
            with self.subTest(case=case):
                self.assertIn("zulip_apikey.E010", check_ids(ZULIP_APIKEY=case))
        self.assertNotIn("zulip_apikey.E010", check_ids(ZULIP_APIKEY=limiter_settings()))

    def test_w003_rule_too_costly_to_check(self) -> None:
        costly = limiter_settings(RATE_LIMITING_RULES={BY_IP: [(60, 1001)]})
        self.assertIn("zulip_apikey.W003", check_ids(ZULIP_APIKEY=costly))
        cheap = limiter_settings(RATE_LIMITING_RULES={BY_IP: [(60, 1000)]})
        self.assertNotIn("zulip_apikey.W003", check_ids(ZULIP_APIKEY=cheap))
