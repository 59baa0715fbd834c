"""The app's own OpenAPI document (``zulip_apikey/openapi/zulip_apikey.json``).

It must be a valid OpenAPI 3 document, cover every route of ``zulip_apikey.urls`` with exactly
the methods each view takes, describe what the views really answer (success and errors), and
agree with Zulip's official text for the endpoints both serve. The last part reads the excerpt
in ``shared/`` and skips without it (``tests/openapi.py``).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, include, path

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import HttpResponse, json_body
from tests.openapi import SPEC_PATH, require_spec, validate_response
from zulip_apikey import urls as app_urls
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.lib.openapi import get_openapi_document

# This module doubles as a URLconf that includes the app under a prefix.
urlpatterns = [path("auth/", include("zulip_apikey.urls"))]

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
DEV_SETTINGS = {
    "DEBUG": True,
    "AUTHENTICATION_BACKENDS": [
        "zulip_apikey.backends.EmailAuthBackend",
        "zulip_apikey.backends.DevAuthBackend",
    ],
}
# Zulip's excerpt path -> ours (Zulip's are relative to its /api/v1 server).
SHARED_PATHS = {
    "/fetch_api_key": "/api/v1/fetch_api_key",
    "/dev_fetch_api_key": "/api/v1/dev_fetch_api_key",
    "/users/me": "/api/v1/users/me",
    "/server_settings": "/api/v1/server_settings",
}


@cache
def _validator() -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(get_openapi_document("http://testserver"))


def assert_conforms(response: Any) -> None:
    """Raise unless ``response`` (from Django's test client) is what our document says."""
    from openapi_core.contrib.django import DjangoOpenAPIResponse
    from openapi_core.testing import MockRequest

    # Only the method and path locate the operation. (Wrapping the request itself would
    # re-read a multipart body that the view already consumed: an error on Django 5.2.)
    request = response.wsgi_request
    _validator().validate_response(
        MockRequest("http://testserver", request.method.lower(), request.path),
        DjangoOpenAPIResponse(response),
    )


def basic(email: str, key: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()


def app_routes() -> list[str]:
    return ["/" + str(p.pattern) for p in app_urls.urlpatterns if isinstance(p, URLPattern)]


class DocumentShapeTest(TestCase):
    def test_is_valid_openapi_3(self) -> None:
        from openapi_spec_validator import validate

        document = get_openapi_document()
        self.assertTrue(document["openapi"].startswith("3."))
        validate(document)  # raises on any error

    def test_every_route_is_documented_and_nothing_else(self) -> None:
        self.assertEqual(sorted(app_routes()), sorted(get_openapi_document()["paths"]))

    def test_documented_methods_are_exactly_the_views_methods(self) -> None:
        """Each view answers 405 to a method the document leaves out, and only to those."""
        paths = get_openapi_document()["paths"]
        for route in app_routes():
            for method in HTTP_METHODS:
                with self.subTest(route=route, method=method):
                    response = self.client.generic(method.upper(), route)
                    documented = method in paths[route]
                    self.assertEqual(response.status_code == 405, not documented)
                    if not documented:
                        allowed = json_body(response)["allowed_methods"]
                        self.assertEqual(sorted(allowed), sorted(m.upper() for m in paths[route]))

    def test_copies_are_independent(self) -> None:
        get_openapi_document()["paths"].clear()
        self.assertIn("/api/v1/fetch_api_key", get_openapi_document()["paths"])


class ServedDocumentTest(TestCase):
    def test_served_without_authentication(self) -> None:
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json_body(response), get_openapi_document("http://testserver"))
        assert_conforms(response)

    @override_settings(ROOT_URLCONF=__name__)
    def test_servers_names_the_include_prefix(self) -> None:
        body = json_body(self.client.get("/auth/api/v1/openapi.json"))
        self.assertEqual(body["servers"], [{"url": "http://testserver/auth"}])

    def test_validator_can_fail(self) -> None:
        """The conformance check is real: a success body without ``api_key`` is refused."""
        UserFactory(email="alice@example.com")
        response = self.client.post(
            "/api/v1/fetch_api_key", {"username": "alice@example.com", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 401)
        response.status_code = 200  # now it claims success with an error's body
        with self.assertRaises(Exception):  # noqa: B017 - openapi-core's error types vary
            assert_conforms(response)


class ResponsesConformTest(TestCase):
    """What the views answer, success and each kind of error, is what the document says."""

    def setUp(self) -> None:
        self.user = UserFactory(email="alice@example.com")
        self.key = get_api_key(self.user)

    def check(self, response: HttpResponse, status: int) -> None:
        self.assertEqual(response.status_code, status, response.content)
        assert_conforms(response)

    def test_fetch_api_key(self) -> None:
        url = "/api/v1/fetch_api_key"
        good = {"username": "alice@example.com", "password": DEFAULT_PASSWORD}
        self.check(self.client.post(url + "?extra=1", good), 200)
        self.check(self.client.post(url, {"username": "alice@example.com"}), 400)
        self.check(self.client.post(url, {"username": "not-an-email", "password": "x"}), 400)
        self.check(self.client.post(url, "[1]", content_type="application/json"), 400)
        bad_type = '{"username": 5, "password": "x"}'
        self.check(self.client.post(url, bad_type, content_type="application/json"), 400)
        self.check(self.client.post(url, {**good, "password": "wrong"}), 401)
        UserFactory(email="gone@example.com", is_active=False)
        gone = {"username": "gone@example.com", "password": DEFAULT_PASSWORD}
        self.check(self.client.post(url, gone), 401)

    @override_settings(
        ZULIP_APIKEY={
            "RATE_LIMITING": True,
            "RATE_LIMITING_RULES": {"authenticate_by_username": [(1800, 1)]},
        }
    )
    def test_fetch_api_key_rate_limited(self) -> None:
        wrong = {"username": "limited-openapi@example.com", "password": "wrong"}
        first = self.client.post("/api/v1/fetch_api_key", wrong)
        self.check(first, 401)
        self.assertIn("X-RateLimit-Remaining", first)
        self.check(self.client.post("/api/v1/fetch_api_key", wrong), 429)

    def test_dev_endpoints_in_production(self) -> None:
        self.check(self.client.post("/api/v1/dev_fetch_api_key", {"username": "a@b.c"}), 400)
        self.check(self.client.get("/api/v1/dev_list_users"), 400)

    @override_settings(**DEV_SETTINGS)
    def test_dev_endpoints_in_development(self) -> None:
        url = "/api/v1/dev_fetch_api_key"
        self.check(self.client.post(url, {"username": "alice@example.com"}), 200)
        self.check(self.client.post(url, {"username": "nobody@example.com"}), 401)
        self.check(self.client.post(url, {}), 400)
        UserFactory(email="admin@example.com", is_staff=True)
        self.check(self.client.get("/api/v1/dev_list_users"), 200)

    def test_server_settings(self) -> None:
        self.check(self.client.get("/api/v1/server_settings?unknown=1"), 200)

    def test_users_me_and_regenerate(self) -> None:
        for url, method in (
            ("/api/v1/users/me", "GET"),
            ("/api/v1/users/me/api_key/regenerate", "POST"),
        ):
            with self.subTest(url=url):
                self.check(self.client.generic(method, url), 401)
                self.check(self.client.generic(method, url, HTTP_AUTHORIZATION="Bearer x"), 400)
                wrong = basic("alice@example.com", "a" * 32)
                self.check(self.client.generic(method, url, HTTP_AUTHORIZATION=wrong), 401)
                right = basic("alice@example.com", get_api_key(self.user))
                self.check(self.client.generic(method, url, HTTP_AUTHORIZATION=right), 200)

    def test_json_fetch_api_key(self) -> None:
        url = "/json/fetch_api_key"
        self.check(self.client.post(url, {"password": DEFAULT_PASSWORD}), 401)
        self.client.force_login(self.user)
        self.check(self.client.post(url, {"password": "wrong"}), 400)
        self.check(self.client.post(url, {"password": DEFAULT_PASSWORD}), 200)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.user)
        self.check(strict.post(url, {"password": DEFAULT_PASSWORD}), 403)


class AgreesWithZulipTest(TestCase):
    """Our schemas for the endpoints Zulip also serves are Zulip's own (shared/ excerpt)."""

    def setUp(self) -> None:
        require_spec()
        import yaml

        self.zulip: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
        self.ours = get_openapi_document()

    def test_operations_and_request_bodies(self) -> None:
        for zulip_path, our_path in SHARED_PATHS.items():
            (method,) = [m for m in self.zulip["paths"][zulip_path] if m == "get" or m == "post"]
            theirs = self.zulip["paths"][zulip_path][method]
            ours = self.ours["paths"][our_path][method]
            with self.subTest(path=our_path):
                self.assertEqual(ours["operationId"], theirs["operationId"])
                # Zulip's server_settings inherits the global security though its text says
                # "no authentication at all"; ours says so with `security: []`.
                if "security" in theirs:
                    self.assertEqual(ours["security"], theirs["security"])
                if "requestBody" in theirs:
                    form = "application/x-www-form-urlencoded"
                    self.assertEqual(
                        ours["requestBody"]["content"][form], theirs["requestBody"]["content"][form]
                    )

    def test_api_key_success_bodies_are_zulips(self) -> None:
        for zulip_path in ("/fetch_api_key", "/dev_fetch_api_key"):
            with self.subTest(path=zulip_path):
                ours = self.ours["paths"][SHARED_PATHS[zulip_path]]["post"]["responses"]["200"]
                theirs = self.zulip["paths"][zulip_path]["post"]["responses"]["200"]
                self.assertEqual(ours["content"], theirs["content"])
        api_key_response = self.ours["components"]["schemas"]["ApiKeyResponse"]
        self.assertEqual(api_key_response["allOf"][1]["required"], ["api_key", "email"])

    def test_users_me_and_server_settings_bodies_are_zulips(self) -> None:
        """Zulip's schemas, plus a ``required`` list of fields the app always sends."""
        for zulip_path, ours_name in (
            ("/users/me", "OwnUser"),
            ("/server_settings", "ServerSettings"),
        ):
            with self.subTest(path=zulip_path):
                success = self.zulip["paths"][zulip_path]["get"]["responses"]["200"]
                theirs = success["content"]["application/json"]["schema"]
                ours = copy.deepcopy(self.ours["components"]["schemas"][ours_name])
                required = ours["allOf"][1].pop("required")
                self.assertEqual(ours, theirs)
                self.assertLessEqual(set(required), set(theirs["allOf"][1]["properties"]))

    def test_shared_components_are_zulips(self) -> None:
        theirs_all = self.zulip["components"]["schemas"]
        ours_all = self.ours["components"]["schemas"]
        shared = sorted(set(theirs_all) & set(ours_all))
        self.assertIn("CodedError", shared)
        for name in shared:
            with self.subTest(schema=name):
                ours = copy.deepcopy(ours_all[name])
                if name == "RateLimitedError":
                    # Deviation, documented in info.description: Zulip's text says integer,
                    # but Zulip sends a float (its own example is 28.706807374954224).
                    branch = ours["allOf"][1]
                    self.assertEqual(branch["properties"]["retry-after"]["type"], "number")
                    self.assertEqual(branch.pop("required"), ["retry-after"])
                    branch["properties"]["retry-after"]["type"] = "integer"
                self.assertEqual(ours, theirs_all[name])
        self.assertEqual(
            self.ours["components"]["securitySchemes"]["BasicAuth"],
            self.zulip["components"]["securitySchemes"]["BasicAuth"],
        )

    def test_real_bodies_pass_zulips_own_text(self) -> None:
        """The bodies the document describes also pass Zulip's text (users/me, dev login)."""
        user = UserFactory(email="alice@example.com", is_staff=True)
        auth = basic("alice@example.com", get_api_key(user))
        response = self.client.get("/api/v1/users/me", HTTP_AUTHORIZATION=auth)
        self.assertEqual(response.status_code, 200)
        validate_response("get", "/api/v1/users/me", response)
        with override_settings(**DEV_SETTINGS):
            url = "/api/v1/dev_fetch_api_key"
            response = self.client.post(url, {"username": "alice@example.com"})
        self.assertEqual(response.status_code, 200)
        validate_response("post", url, response)
