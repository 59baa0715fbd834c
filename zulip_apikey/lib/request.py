"""A small typed reader for request parameters.

Parameters come from the form body (urlencoded or multipart), then the query string, as in
Zulip; a body with ``Content-Type: application/json`` holding an object is read too (our
extension). The reader records which names the view read, so that ``json_success`` can list
the rest in ``ignored_parameters_unsupported``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from django.http import HttpRequest

from zulip_apikey.lib.exceptions import (
    InvalidJSONError,
    RequestVariableConversionError,
    RequestVariableMissingError,
)

_readers: WeakKeyDictionary[HttpRequest, RequestParams] = WeakKeyDictionary()


def _describe(value: Any) -> str:
    """Name a JSON value's type without echoing the value (it may be a password)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean, not a string"
    if isinstance(value, int | float):
        return "a number, not a string"
    if isinstance(value, list):
        return "a list, not a string"
    return "an object, not a string"


class RequestParams:
    """The parameters of one request, read by name."""

    def __init__(self, request: HttpRequest) -> None:
        self._sources: list[Mapping[str, Any]] = []
        if request.method == "POST" and request.content_type == "application/json":
            # An empty body is no parameters, not malformed JSON: some HTTP libraries label
            # every request as JSON.
            if request.body.strip():
                self._sources.append(self._parse_json(request.body))
        elif request.method == "POST":
            self._sources.append(request.POST)
        self._sources.append(request.GET)
        self._read: set[str] = set()

    @staticmethod
    def _parse_json(body: bytes) -> dict[str, Any]:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            raise InvalidJSONError from e
        if not isinstance(parsed, dict):
            raise InvalidJSONError
        return parsed

    def _lookup(self, name: str) -> tuple[bool, Any]:
        self._read.add(name)
        for source in self._sources:
            if name in source:
                return True, source.get(name)
        return False, None

    def get_str(self, name: str) -> str:
        """The parameter ``name`` as a string; 400 if it is missing or not a string."""
        found, value = self._lookup(name)
        if not found:
            raise RequestVariableMissingError(name)
        if not isinstance(value, str):
            raise RequestVariableConversionError(name, _describe(value))
        try:
            # JSON can carry lone surrogates ("\ud800"), which no hasher, cache key or
            # database can encode: refuse them here, once, for every endpoint.
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RequestVariableConversionError(name, "not valid Unicode") from None
        return value

    def ignored(self) -> list[str]:
        """Sorted names that the request sent and the view never read."""
        present: set[str] = set()
        for source in self._sources:
            present.update(source.keys())
        return sorted(present - self._read)


def get_params(request: HttpRequest) -> RequestParams:
    """The request's parameter reader, created on first use and remembered per request."""
    reader = _readers.get(request)
    if reader is None:
        reader = RequestParams(request)
        _readers[request] = reader
    return reader


def get_ignored_parameters(request: HttpRequest) -> list[str]:
    """What the client sent that the view did not read (empty if no reader was used)."""
    reader = _readers.get(request)
    return reader.ignored() if reader is not None else []
