"""Fuzz every endpoint of the OpenAPI document against a live server process.

schemathesis reads the document the server serves (``GET /api/v1/openapi.json``) and, for each
operation, sends schema-valid (positive) and schema-violating (negative) requests, its own
Authorization headers included. Targeted hypothesis strategies then go where random data
rarely does: logins with the real user's email spelled in several ways and the right or a
wrong password, in each documented body encoding, and Basic credentials built from the real
key. Every response must not be a 5xx, have a status, content type, headers and body that the
document gives for that operation; a negative request must be refused with a 4xx.

The server runs with ``DEBUG`` and ``DevAuthBackend`` (``tests/settings_fuzz.py``) so that the
development endpoints answer for real, with a real user made by ``manage.py`` commands, and
with the brute-force limiter on (its 429s are documented). ``ZULIP_APIKEY_FUZZ_EXAMPLES``
bounds the examples per operation and strategy (default 200: about 3,600 requests in 45 s on
2 cores, SQLite or PostgreSQL + Redis).
Slow: runs only with ``ZULIP_APIKEY_SLOW_TESTS=1``, like ``tests/test_e2e_wheel.py``.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from unittest import skipUnless

import pytest
from django.test import SimpleTestCase, tag

from example_project.management.commands.create_demo_user import DEMO_EMAIL, DEMO_PASSWORD
from tests.server_process import LiveDatabase, ServerProcess

SLOW_TESTS = os.environ.get("ZULIP_APIKEY_SLOW_TESTS") == "1"
MAX_EXAMPLES = int(os.environ.get("ZULIP_APIKEY_FUZZ_EXAMPLES", "200"))
# Five attempts per username (Zulip's rule) so that 429s happen; per address more than a fuzz
# run makes, so that the username rule is the one being exercised. (Not far more: the limiter
# keeps one cache slot per allowed attempt and reads them all on every attempt.)
RULES = {"authenticate_by_username": [[1800, 5]], "authenticate_by_ip": [[1800, 2000]]}
FORM = "application/x-www-form-urlencoded"
MEDIA_TYPES = (FORM, "multipart/form-data", "application/json")
# Stand-ins that strategies draw; the test swaps in the secret only when sending, so that a
# failing example hypothesis prints never shows the password or the key.
RIGHT_PASSWORD = "<the demo user's password>"
RIGHT_KEY = "<the demo user's current key>"


def _checks(negative: bool) -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # Not positive_data_acceptance: a schema-valid username may still be refused (400 for a
    # non-email when LDAP is off, 401 for wrong credentials), which is the contract.
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    return [*checks, negative_data_rejection] if negative else checks


def basic_header(role: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{role}:{key}".encode()).decode()


@pytest.mark.slow
@tag("slow")
@skipUnless(
    SLOW_TESTS,
    "slow fuzz test (a live server process): set ZULIP_APIKEY_SLOW_TESTS=1 to run it",
)
class FuzzLiveServerTest(SimpleTestCase):
    server: ServerProcess
    schema: Any
    document: dict[str, Any]
    api_key: str
    session_cookies: dict[str, str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        database = LiveDatabase()
        cls.addClassCleanup(database.close)
        cls.server = ServerProcess(
            database,
            settings_module="tests.settings_fuzz",
            env={
                "ZULIP_APIKEY_TEST_CACHE_PREFIX": f"zulip-apikey-fuzz-{secrets.token_hex(4)}",
                "ZULIP_APIKEY_TEST_RULES": json.dumps(RULES),
            },
        )
        cls.server.manage("migrate", "--no-input")
        cls.server.manage("create_demo_user")  # a superuser, so dev_list_users has an admin
        cls.api_key = cls.server.manage("regenerate_api_key", DEMO_EMAIL).strip()
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        cls.session_cookies = cls._browser_login()

        import requests
        import schemathesis

        # The document as the server serves it; loaded as a dict because schemathesis leaves
        # out the operation that serves the document it was loaded from, and that one is
        # fuzzed too.
        served = requests.get(f"{cls.server.base_url}/api/v1/openapi.json", timeout=30)
        served.raise_for_status()
        cls.document = served.json()
        cls.schema = schemathesis.openapi.from_dict(cls.document)

    @classmethod
    def _browser_login(cls) -> dict[str, str]:
        """Log in through the admin's form, as a browser would: session and CSRF cookies."""
        import requests

        with requests.Session() as browser:
            login = f"{cls.server.base_url}/admin/login/"
            browser.get(login, timeout=30).raise_for_status()
            form = {
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                "username": DEMO_EMAIL,
                "password": DEMO_PASSWORD,
                "next": "/admin/",
            }
            response = browser.post(login, data=form, allow_redirects=False, timeout=30)
            assert response.status_code == 302, "the admin login failed"
            cookies = {name: browser.cookies.get(name) for name in ("sessionid", "csrftoken")}
            return {name: str(value) for name, value in cookies.items() if value is not None}

    def setUp(self) -> None:
        super().setUp()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.examples: Counter[str] = Counter()

    # --- sending one case -------------------------------------------------------------------

    def credentials_for(self, operation: Any, *, session: bool = True) -> dict[str, Any]:
        """What a real client of ``operation`` sends besides the generated data: the current
        key, or the browser's cookies and CSRF token (without the session if not ``session``).
        """
        security = operation.definition.raw.get("security", self.document["security"])
        names = {name for requirement in security for name in requirement}
        if "BasicAuth" in names:
            return {"headers": {"Authorization": basic_header(DEMO_EMAIL, self.api_key)}}
        if "SessionCookie" in names:
            cookies = dict(self.session_cookies)
            if not session:
                del cookies["sessionid"]
            return {"cookies": cookies, "headers": {"X-CSRFToken": cookies["csrftoken"]}}
        return {}

    def send(
        self, case: Any, *, negative: bool = False, credentials: bool = False, **kwargs: Any
    ) -> Any:
        """Send ``case`` (with the real credentials if asked), run the checks, and remember
        what came back."""
        if credentials:
            kwargs.update(self.credentials_for(case.operation))
        response = case.call(base_url=self.server.base_url, timeout=30, **kwargs)
        label = case.operation.label
        self.examples[label] += 1
        self.statuses[label, response.status_code] += 1
        if response.status_code == 200 and label.endswith("/api_key/regenerate"):
            # The old key is dead now; later requests use the new one, as a client would.
            type(self).api_key = response.json()["api_key"]
        case.validate_response(response, checks=_checks(negative))
        return response

    def run_strategy(self, strategy: Any, test: Callable[[Any], None]) -> None:
        from hypothesis import HealthCheck, Phase, given, settings

        # No shrinking (every step is a request) and no example database in the checkout.
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def fuzz(value: Any) -> None:
            test(value)

        fuzz()

    def operation(self, method: str, path: str) -> Any:
        return self.schema[path][method.upper()]

    # --- the test -----------------------------------------------------------------------------

    def test_every_operation_conforms(self) -> None:
        from schemathesis import GenerationMode

        started = time.monotonic()
        operations = [result.ok() for result in self.schema.get_all_operations()]
        documented = {
            f"{m.upper()} {p}" for p, item in self.document["paths"].items() for m in item
        }
        self.assertEqual({op.label for op in operations}, documented)

        self.known_good_requests()
        for operation in operations:
            raw = operation.definition.raw
            takes_input = "requestBody" in raw or raw.get("parameters") or raw.get("security") != []
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                negative = mode is GenerationMode.NEGATIVE
                if negative and not takes_input:
                    continue  # nothing to get wrong: no body, no parameters, no credentials
                # Positive cases carry real credentials; negative ones keep schemathesis's own
                # (wrong, missing or malformed) Authorization headers.
                send = functools.partial(self.send, negative=negative, credentials=not negative)
                with self.subTest(operation=operation.label, mode=mode.value):
                    self.run_strategy(operation.as_strategy(generation_mode=mode), send)

        self.fuzz_logins()
        self.fuzz_basic_auth("GET", "/api/v1/users/me")
        self.fuzz_basic_auth("POST", "/api/v1/users/me/api_key/regenerate")
        self.fuzz_dev_login()
        self.fuzz_session_password()
        for path in ("/api/v1/server_settings", "/api/v1/dev_list_users", "/api/v1/users/me"):
            self.fuzz_ignored_parameters(path)

        elapsed = time.monotonic() - started
        summary = ", ".join(f"{label}: {n}" for label, n in sorted(self.examples.items()))
        print(f"\nfuzz: {sum(self.examples.values())} requests in {elapsed:.1f} s ({summary})")

        # The run reached each endpoint's interesting answers, not only its first error.
        expected = {
            "POST /api/v1/fetch_api_key": {200, 400, 401, 429},
            "POST /api/v1/dev_fetch_api_key": {200, 400, 401},
            "GET /api/v1/dev_list_users": {200},
            "GET /api/v1/server_settings": {200},
            "GET /api/v1/users/me": {200, 400, 401},
            "POST /api/v1/users/me/api_key/regenerate": {200, 400, 401},
            "POST /json/fetch_api_key": {200, 400, 401, 403, 429},
            "GET /api/v1/openapi.json": {200},
        }
        for label, statuses in expected.items():
            seen = {status for (seen_label, status) in self.statuses if seen_label == label}
            self.assertLessEqual(statuses, seen, label)

    def known_good_requests(self) -> None:
        """What a real client does, first: every attempt on the demo user's username shares
        one brute-force bucket, which the fuzzing below fills within five wrong passwords."""
        login = {"username": DEMO_EMAIL, "password": DEMO_PASSWORD}
        calls: list[tuple[str, str, dict[str, str] | None]] = [
            ("POST", "/api/v1/fetch_api_key", login),
            ("POST", "/json/fetch_api_key", {"password": DEMO_PASSWORD}),
            ("POST", "/api/v1/dev_fetch_api_key", {"username": DEMO_EMAIL}),
            ("GET", "/api/v1/users/me", None),
        ]
        for method, path, body in calls:
            operation = self.operation(method, path)
            case = operation.Case(body=body, media_type=FORM) if body else operation.Case()
            response = self.send(case, credentials=True)
            self.assertEqual(response.status_code, 200, f"{method} {path}")
            self.assertEqual(response.json()["email"], DEMO_EMAIL)

    # --- targeted strategies --------------------------------------------------------------------

    def fuzz_logins(self) -> None:
        """fetch_api_key with the real email in several spellings and the right password."""
        from hypothesis import strategies as st

        operation = self.operation("POST", "/api/v1/fetch_api_key")
        usernames = st.one_of(
            st.sampled_from(
                [DEMO_EMAIL, DEMO_EMAIL.upper(), f"  {DEMO_EMAIL}\t", DEMO_EMAIL.title()]
            ),
            st.emails(),
            st.text(max_size=40),
        )
        passwords = st.one_of(st.just(RIGHT_PASSWORD), st.text(max_size=40))
        strategy = st.tuples(usernames, passwords, st.sampled_from(MEDIA_TYPES))

        def login(drawn: tuple[str, str, str]) -> None:
            username, password, media_type = drawn
            if password == RIGHT_PASSWORD:
                password = DEMO_PASSWORD
            body = {"username": username, "password": password}
            response = self.send(operation.Case(body=body, media_type=media_type))
            if response.status_code == 200:
                self.assertEqual(response.json()["email"], DEMO_EMAIL)
                self.assertEqual(password, DEMO_PASSWORD, "a wrong password logged in")

        self.run_strategy(strategy, login)

    def fuzz_basic_auth(self, method: str, path: str) -> None:
        """Authorization headers around the real key: other roles, keys, schemes, encodings."""
        from hypothesis import strategies as st

        operation = self.operation(method, path)
        roles = st.one_of(
            st.sampled_from([DEMO_EMAIL, DEMO_EMAIL.upper(), f" {DEMO_EMAIL} ", ""]),
            st.emails(),
            st.text(max_size=30),
        )
        keys = st.one_of(
            st.just(RIGHT_KEY),
            st.text(alphabet=string.ascii_letters + string.digits, min_size=32, max_size=32),
            st.text(max_size=40),
        )
        schemes = st.sampled_from(["Basic", "basic", "Bearer", "Digest"])
        # Header values that requests agrees to send: printable ASCII, no surrounding space.
        printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
        raw_headers = st.text(printable, max_size=60).map(lambda text: ("raw", text.strip(), ""))
        built = st.tuples(schemes, roles, keys)

        def call(drawn: tuple[str, str, str]) -> None:
            scheme, role, key = drawn
            if scheme == "raw":
                header = role
            else:
                real_key = self.api_key if key == RIGHT_KEY else key
                header = basic_header(role, real_key).replace("Basic", scheme, 1)
            response = self.send(operation.Case(headers={"Authorization": header}))
            if response.status_code == 200:
                self.assertEqual(key, RIGHT_KEY, "a wrong key was accepted")

        self.run_strategy(st.one_of(built, raw_headers), call)

    def fuzz_dev_login(self) -> None:
        from hypothesis import strategies as st

        operation = self.operation("POST", "/api/v1/dev_fetch_api_key")
        usernames = st.one_of(st.sampled_from([DEMO_EMAIL, DEMO_EMAIL.upper()]), st.emails())
        strategy = st.tuples(usernames, st.sampled_from(MEDIA_TYPES))

        def login(drawn: tuple[str, str]) -> None:
            username, media_type = drawn
            case = operation.Case(body={"username": username}, media_type=media_type)
            self.send(case)

        self.run_strategy(strategy, login)

    def fuzz_ignored_parameters(self, path: str) -> None:
        """Parameters a GET endpoint does not take are listed back, sorted (Zulip's
        ``ignored_parameters_unsupported``), and change nothing else."""
        from hypothesis import strategies as st

        operation = self.operation("GET", path)
        names = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=20)
        strategy = st.dictionaries(names, st.text(max_size=20), min_size=1, max_size=5)

        def call(query: dict[str, str]) -> None:
            response = self.send(operation.Case(), credentials=True, params=query)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["ignored_parameters_unsupported"], sorted(query))

        self.run_strategy(strategy, call)

    def fuzz_session_password(self) -> None:
        """json/fetch_api_key: any password, with the browser's session (and its CSRF token,
        or without the token) or with no session at all."""
        from hypothesis import strategies as st

        operation = self.operation("POST", "/json/fetch_api_key")
        strategy = st.tuples(
            st.text(max_size=40),
            st.sampled_from(MEDIA_TYPES),
            st.sampled_from(["session", "session without CSRF token", "no session"]),
        )

        def call(drawn: tuple[str, str, str]) -> None:
            password, media_type, who = drawn
            case = operation.Case(body={"password": password}, media_type=media_type)
            credentials = self.credentials_for(operation, session=who != "no session")
            if who == "session without CSRF token":
                credentials["headers"] = {}
            self.send(case, **credentials)

        self.run_strategy(strategy, call)
