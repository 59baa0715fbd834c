"""View decorators: method dispatch and in-view rendering of typed errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from zulip_apikey.lib.exceptions import JsonableError
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
                return view(request)
            except JsonableError as e:
                return json_response_from_error(e)

        return wrapper

    return decorator


require_post = api_view("POST")
