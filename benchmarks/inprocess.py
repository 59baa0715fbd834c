"""Sections 1, 2, 4 and 6 of the report, measured inside one Django process.

Run by ``run.py`` as ``python -m benchmarks.inprocess OUT.json`` with the benchmark's
settings and database; writes medians and samples (seconds) as JSON.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from typing import Any

import django


def _check(response: Any, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"expected HTTP {status}, got {response.status_code}")


def summarize(
    samples: dict[str, list[float]], cpu: dict[str, list[float]] | None = None
) -> dict[str, Any]:
    from benchmarks.stats import median, percentile

    return {
        name: {
            "median": median(values),
            "cpu_median": median(cpu[name]) if cpu else None,
            "p90": percentile(values, 90),
            "n": len(values),
            "samples": values,
        }
        for name, values in samples.items()
    }


def clear_limits(*usernames: str) -> None:
    """Forget the limiter's history (untimed), so no measurement is ever throttled."""
    from django.conf import settings

    from zulip_apikey.lib.rate_limiter import BY_IP, BY_USERNAME, clear_history

    if not settings.ZULIP_APIKEY.get("RATE_LIMITING", True):
        return
    for username in usernames:
        clear_history(BY_USERNAME, username)
    clear_history(BY_IP, "127.0.0.1")


def login_section(rounds: dict[str, int]) -> dict[str, Any]:
    """Raw ``check_password`` against our ``fetch_api_key`` against DRF's ``obtain_auth_token``."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password
    from django.test import Client, override_settings

    from benchmarks import fixtures
    from benchmarks.stats import interleaved, median, paired_ratio

    secrets = fixtures.secrets_from_env()
    client = Client()
    results: dict[str, Any] = {}
    on = settings.ZULIP_APIKEY
    off = {**on, "RATE_LIMITING": False}
    hashers = {
        "argon2": (fixtures.ARGON2_EMAIL, ["Argon2PasswordHasher", "PBKDF2PasswordHasher"]),
        "pbkdf2": (fixtures.PBKDF2_EMAIL, ["PBKDF2PasswordHasher", "Argon2PasswordHasher"]),
    }
    for hasher, (email, order) in hashers.items():
        # The hasher under test is the preferred one: its hashes are never "upgraded".
        with override_settings(
            PASSWORD_HASHERS=[f"django.contrib.auth.hashers.{name}" for name in order]
        ):
            encoded = get_user_model()._default_manager.get(email=email).password
            body = {"username": email, "password": secrets.password}

            def raw(encoded: str = encoded) -> None:
                if not check_password(secrets.password, encoded):
                    raise RuntimeError("the stored hash does not match")

            def ours(body: dict[str, str] = body) -> None:
                _check(client.post("/api/v1/fetch_api_key", body), 200)

            def ours_no_limiter(body: dict[str, str] = body) -> None:
                settings.ZULIP_APIKEY = off  # DRF has no limiter: the like-for-like case
                try:
                    _check(client.post("/api/v1/fetch_api_key", body), 200)
                finally:
                    settings.ZULIP_APIKEY = on

            def drf(body: dict[str, str] = body) -> None:
                _check(client.post("/drf/api-token-auth/", body), 200)

            cpu: dict[str, list[float]] = {}
            samples = interleaved(
                {"raw": raw, "ours": ours, "ours_no_limiter": ours_no_limiter, "drf": drf},
                rounds[hasher],
                before_each=lambda email=email: clear_limits(email),  # type: ignore[misc]
                cpu=cpu,
            )
        results[hasher] = {
            # Every thread's CPU: Argon2 runs its lanes on threads.
            "raw_cpu": median(cpu["raw"]),
            "cases": summarize(samples, cpu),
            "paired_ours_raw": paired_ratio(samples, "ours", "raw"),
            "paired_ours_drf": paired_ratio(samples, "ours", "drf"),
        }
    return results


def timing_section(rounds: int) -> dict[str, Any]:
    """Unknown user, wrong password, right password: the same hasher run each."""
    from django.test import Client

    from benchmarks import fixtures
    from benchmarks.stats import interleaved, paired_ratio

    secrets = fixtures.secrets_from_env()
    client = Client()
    url = "/api/v1/fetch_api_key"

    def post(username: str, password: str, status: int) -> Callable[[], None]:
        def call() -> None:
            _check(client.post(url, {"username": username, "password": password}), status)

        return call

    wrong = secrets.password + "-wrong"
    cpu: dict[str, list[float]] = {}
    samples = interleaved(
        {
            "unknown": post(fixtures.UNKNOWN_EMAIL, secrets.password, 401),
            "wrong": post(fixtures.ARGON2_EMAIL, wrong, 401),
            "right": post(fixtures.ARGON2_EMAIL, secrets.password, 200),
        },
        rounds,
        before_each=lambda: clear_limits(fixtures.ARGON2_EMAIL, fixtures.UNKNOWN_EMAIL),
        cpu=cpu,
    )
    return {
        "cases": summarize(samples, cpu),
        "paired_unknown_wrong": paired_ratio(samples, "unknown", "wrong"),
    }


def users_me_section(rounds: int) -> dict[str, Any]:
    """``GET /api/v1/users/me`` (Basic email:api_key) against DRF ``TokenAuthentication``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from benchmarks import fixtures
    from benchmarks.stats import interleaved, paired_ratio

    secrets = fixtures.secrets_from_env()
    client = Client()
    basic = base64.b64encode(f"{fixtures.ARGON2_EMAIL}:{secrets.api_key}".encode()).decode()
    token = Token.objects.get(user__email=fixtures.ARGON2_EMAIL).key

    def ours() -> None:
        _check(client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Basic {basic}"), 200)

    def drf() -> None:
        _check(client.get("/drf/users/me", HTTP_AUTHORIZATION=f"Token {token}"), 200)

    samples = interleaved({"ours": ours, "drf": drf}, rounds, warmup=20)
    queries: dict[str, list[str]] = {}
    for name, call in (("ours", ours), ("drf", drf)):
        with CaptureQueriesContext(connection) as captured:
            call()
        # The SQL names the key and the token: never let them reach the report.
        queries[name] = [
            q["sql"].replace(secrets.api_key, "<api_key>").replace(token, "<token>")
            for q in captured.captured_queries
        ]
    return {
        "cases": summarize(samples),
        "paired_ours_drf": paired_ratio(samples, "ours", "drf"),
        "queries": queries,
    }


def limiter_section(rounds: int) -> dict[str, Any]:
    """The limiter's own cost (count + clear on success), and a whole fetch with it on and off.

    The whole fetch uses Django's MD5 hasher so that the hasher's noise does not drown the
    limiter's fraction of a millisecond.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client, RequestFactory, override_settings

    from benchmarks import fixtures
    from benchmarks.stats import interleaved, paired_ratio
    from zulip_apikey.lib.rate_limiter import (
        rate_limit_authentication_attempt,
        record_successful_login,
    )

    secrets = fixtures.secrets_from_env()
    factory = RequestFactory()
    on = {**settings.ZULIP_APIKEY, "RATE_LIMITING": True}
    off = {**settings.ZULIP_APIKEY, "RATE_LIMITING": False}
    email = fixtures.MD5_EMAIL

    def limiter_alone() -> None:
        request = factory.post("/api/v1/fetch_api_key", REMOTE_ADDR="127.0.0.1")
        rate_limit_authentication_attempt(request, email)
        record_successful_login(request, email)

    with override_settings(
        ZULIP_APIKEY=on, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        fixtures.make_user(email, make_password(secrets.password))
        client = Client()
        body = {"username": email, "password": secrets.password}

        def fetch_with(config: dict[str, Any]) -> Callable[[], None]:
            def call() -> None:
                settings.ZULIP_APIKEY = config  # a plain attribute: costs nothing to switch
                _check(client.post("/api/v1/fetch_api_key", body), 200)

            return call

        alone = interleaved(
            {"limiter": limiter_alone}, rounds, warmup=20, before_each=lambda: clear_limits(email)
        )
        whole = interleaved(
            {"fetch_on": fetch_with(on), "fetch_off": fetch_with(off)},
            rounds,
            warmup=20,
            before_each=lambda: clear_limits(email),
        )
        settings.ZULIP_APIKEY = on
    cases = summarize({**alone, **whole})
    return {
        "cases": cases,
        "delta_median": cases["fetch_on"]["median"] - cases["fetch_off"]["median"],
        "paired_on_off": paired_ratio(whole, "fetch_on", "fetch_off"),
    }


def environment() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    return {
        "database": connection.vendor,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }


def main(out_path: str, quick: bool) -> None:
    django.setup()
    from benchmarks import fixtures

    fixtures.create_users(fixtures.secrets_from_env())
    scale = 3 if quick else 1
    results = {
        "environment": environment(),
        "login": login_section({"argon2": 21 // scale, "pbkdf2": 11 // scale}),
        "timing": timing_section(21 // scale),
        "users_me": users_me_section(400 // scale),
        "limiter": limiter_section(400 // scale),
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], quick="--quick" in sys.argv[2:])
