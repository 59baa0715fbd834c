"""URLs for tests that need views the app does not ship (a crashing view, say)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: the test view always fails")


def html_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<html>not an API</html>", status=403)


urlpatterns = [
    path("api/v1/test_crash", crash),
    path("json/test_forbidden_html", html_page),
    path("outside/crash", crash),
    path("", include("zulip_apikey.urls")),
]
