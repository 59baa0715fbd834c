"""Every response under ``api/`` and ``json/`` is JSON, including Django's own errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import add_never_cache_headers

from zulip_apikey.lib.exceptions import (
    AuthenticationUnavailableError,
    InternalServerError,
    JsonableError,
    NotFoundError,
)
from zulip_apikey.lib.rate_limiter import add_rate_limit_headers
from zulip_apikey.lib.response import json_method_not_allowed, json_response_from_error

# Django's own logger for server errors, so a project's handlers (AdminEmailHandler, Sentry)
# see ours too; its reporter honours sensitive_post_parameters.
request_logger = logging.getLogger("django.request")

_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    413: "Request Entity Too Large",
}


def is_api_path(request: HttpRequest) -> bool:
    """Whether the path's first segment is ``api`` or ``json`` (Zulip's API prefixes)."""
    first = request.path_info.lstrip("/").split("/", 1)[0]
    return first in ("api", "json")


def _json_for_status(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    error: JsonableError
    if status == 404:
        error = NotFoundError()
    elif status == 405:
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        return json_method_not_allowed(allowed)
    elif status >= 500:
        error = InternalServerError()
    else:
        error = JsonableError(_STATUS_MESSAGES.get(status, "Bad Request"))
        error.http_status_code = status
    return json_response_from_error(error)


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """What the views' decorators would have added, for errors raised past them: never
    cached, and where the rate limiter counted the attempt, its ``X-RateLimit-*`` headers."""
    add_never_cache_headers(response)
    add_rate_limit_headers(request, response)
    return response


def _logged(response: HttpResponse) -> HttpResponse:
    """Mark a response whose error was logged here, so Django's ``log_response`` does not
    log it a second time (its own convention)."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class JsonErrorHandler:
    """Render ``JsonableError`` anywhere, and Django's HTML errors under ``api/``/``json/``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _finish(request, _json_for_status(response))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, JsonableError):
            return json_response_from_error(exception)
        if not is_api_path(request):
            return None
        if isinstance(
            exception,
            Http404 | PermissionDenied | BadRequest | SuspiciousOperation | MultiPartParserError,
        ):
            # Django turns these into 4xx responses (and logs them its way); __call__ then
            # renders that response as JSON.
            return None
        if isinstance(exception, OperationalError):
            # The database is down or unreachable (or refused the connection): every API
            # endpoint authenticates against it, so say "try again later", not "bug".
            request_logger.error(
                "Service Unavailable (database): %s",
                request.path,
                exc_info=exception,
                extra={"status_code": 503, "request": request},
            )
            return _logged(
                _finish(request, json_response_from_error(AuthenticationUnavailableError()))
            )
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return _logged(_finish(request, json_response_from_error(InternalServerError())))
