"""Section 5: a fetch through the LDAP backend against raw python-ldap on the same slapd.

Run by ``run.py`` as ``python -m benchmarks.ldap_bench OUT.json``. The directory is the test
suite's (``tests/ldap_server.py``): a service account that searches, then the user's bind.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import django

USERNAME = "alice"


def main(out_path: str, rounds: int) -> None:
    django.setup()
    import ldap
    from django.conf import settings
    from django.test import Client, override_settings

    from benchmarks.inprocess import _check, clear_limits, summarize
    from benchmarks.stats import interleaved, paired_ratio
    from tests.ldap_server import (
        PASSWORDS,
        PEOPLE,
        SERVICE_DN,
        SERVICE_PASSWORD,
        ldap_settings,
        start_directory,
    )

    server = start_directory()
    try:
        password = PASSWORDS[USERNAME]
        on = {**settings.ZULIP_APIKEY, "RATE_LIMITING": True}
        off = {**settings.ZULIP_APIKEY, "RATE_LIMITING": False}
        client = Client()
        body = {"username": USERNAME, "password": password}

        def raw() -> None:
            """What any LDAP login must do: connect, search as the service, bind as the user."""
            conn = ldap.initialize(server.ldap_uri)
            conn.simple_bind_s(SERVICE_DN, SERVICE_PASSWORD)
            found = conn.search_s(PEOPLE, ldap.SCOPE_SUBTREE, f"(uid={USERNAME})")
            conn.simple_bind_s(found[0][0], password)
            conn.unbind_s()

        def fetch(config: dict[str, Any], always_update_user: bool = True) -> Any:
            def call() -> None:
                settings.ZULIP_APIKEY = config
                settings.AUTH_LDAP_ALWAYS_UPDATE_USER = always_update_user
                _check(client.post("/api/v1/fetch_api_key", body), 200)

            return call

        with override_settings(**ldap_settings(server, ZULIP_APIKEY=on)):
            samples = interleaved(
                {
                    "raw": raw,
                    "ours": fetch(on),
                    "ours_no_limiter": fetch(off),
                    # django-auth-ldap's AUTH_LDAP_ALWAYS_UPDATE_USER = False: no save per login.
                    "ours_no_update": fetch(on, always_update_user=False),
                },
                rounds,
                warmup=10,
                before_each=lambda: clear_limits(USERNAME),
            )
    finally:
        server.stop()
    results = {
        "cases": summarize(samples),
        "paired_ours_raw": paired_ratio(samples, "ours", "raw"),
        "paired_nolimit_raw": paired_ratio(samples, "ours_no_limiter", "raw"),
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], rounds=100 if "--quick" in sys.argv[2:] else 300)
