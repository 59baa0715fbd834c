"""View decorators: method dispatch and in-view rendering of typed errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from zulip_apikey.lib.basic_auth import authenticate_basic
from zulip_apikey.lib.exceptions import JsonableError
from zulip_apikey.lib.rate_limiter import add_rate_limit_headers
from zulip_apikey.lib.response import json_method_not_allowed, json_response_from_error

View = Callable[[HttpRequest], HttpResponse]


def api_view(*methods: str) -> Callable[[View], View]:
    """Allow only ``methods`` (405 otherwise) and render a ``JsonableError`` inside the view.

    Rendering here, rather than only in the middleware, means the decorators stacked
    outside (``never_cache``, rate-limit headers) apply to error responses too.
    """
    allowed = [m.upper() for m in methods]

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            if request.method not in allowed:
                return json_method_not_allowed(allowed)
            try:
                response = view(request)
            except JsonableError as e:
                response = json_response_from_error(e)
            # Success or error: a request that a limiter counted or refused says where it stands.
            add_rate_limit_headers(request, response)
            return response

        return wrapper

    return decorator


require_post = api_view("POST")


def authenticated_rest_api_view(view: View) -> View:
    """Require HTTP Basic ``email:api_key`` (Zulip's decorator of the same name).

    Use it on any view of your project; the view then finds the user in ``request.user``.
    CSRF-exempt, since the credentials are in a header a browser never sends by itself.
    Errors are Zulip's 401/400 JSON with ``WWW-Authenticate: Basic realm="zulip"``.
    """

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            request.user = authenticate_basic(request)
        except JsonableError as e:
            return json_response_from_error(e)
        return view(request)

    return csrf_exempt(wrapper)
