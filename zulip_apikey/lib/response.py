"""Zulip's JSON envelope: ``{"result": "success"|"error", "msg": ..., ...}``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.http import HttpRequest, JsonResponse

from zulip_apikey.lib.exceptions import JsonableError
from zulip_apikey.lib.request import get_ignored_parameters


def json_success(request: HttpRequest, data: Mapping[str, object] | None = None) -> JsonResponse:
    """200 with ``data`` and, when non-empty, ``ignored_parameters_unsupported``."""
    body: dict[str, object] = {"result": "success", "msg": ""}
    if data:
        body.update(data)
    ignored = get_ignored_parameters(request)
    if ignored:
        body["ignored_parameters_unsupported"] = ignored
    return JsonResponse(body)


def json_response_from_error(exception: JsonableError) -> JsonResponse:
    """The error envelope of ``exception`` with its status and headers."""
    body: dict[str, object] = {"result": "error", "msg": exception.msg}
    body.update(exception.data)
    body["code"] = exception.code.value
    response = JsonResponse(body, status=exception.http_status_code)
    for name, value in exception.response_headers().items():
        response[name] = value
    return response


def json_method_not_allowed(methods: Iterable[str]) -> JsonResponse:
    """405 in Zulip's shape (no ``code``), with the ``Allow`` header."""
    allowed = list(methods)
    response = JsonResponse(
        {"result": "error", "msg": "Method Not Allowed", "allowed_methods": allowed}, status=405
    )
    response["Allow"] = ", ".join(allowed)
    return response
