"""Typed API errors, after Zulip's ``zerver/lib/exceptions.py``.

A view raises a :class:`JsonableError`; :mod:`zulip_apikey.middleware` renders it as
``{"result": "error", "msg": ..., "code": ..., **data_fields}`` with its HTTP status.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar

from django.utils.translation import gettext as _


class ErrorCode(Enum):
    BAD_REQUEST = "BAD_REQUEST"
    REQUEST_VARIABLE_MISSING = "REQUEST_VARIABLE_MISSING"
    REQUEST_VARIABLE_INVALID = "REQUEST_VARIABLE_INVALID"
    INVALID_JSON = "INVALID_JSON"
    NOT_FOUND = "NOT_FOUND"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    UNAUTHORIZED = "UNAUTHORIZED"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    AUTHENTICATION_UNAVAILABLE = "AUTHENTICATION_UNAVAILABLE"
    USER_DEACTIVATED = "USER_DEACTIVATED"
    PASSWORD_AUTH_DISABLED = "PASSWORD_AUTH_DISABLED"
    PASSWORD_RESET_REQUIRED = "PASSWORD_RESET_REQUIRED"
    RATE_LIMIT_HIT = "RATE_LIMIT_HIT"


class JsonableError(Exception):
    """An error a client caused or should know about, rendered as JSON.

    Subclasses set ``code``, ``http_status_code``, ``data_fields`` (attributes copied into
    the body) and ``msg_format()`` (a translatable template filled from those attributes).
    Instantiated directly, it carries a literal message with code ``BAD_REQUEST``.
    """

    code: ErrorCode = ErrorCode.BAD_REQUEST
    http_status_code: int = 400
    data_fields: ClassVar[list[str]] = []
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, msg: str = "") -> None:
        super().__init__(msg)
        self._msg = msg

    @staticmethod
    def msg_format() -> str:
        return "{_msg}"

    @property
    def msg(self) -> str:
        fields = {name: getattr(self, name) for name in self.data_fields}
        return self.msg_format().format(_msg=self._msg, **fields)

    @property
    def data(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.data_fields}

    def response_headers(self) -> dict[str, str]:
        return dict(self.headers)

    def __str__(self) -> str:
        return self.msg


class RequestVariableMissingError(JsonableError):
    code = ErrorCode.REQUEST_VARIABLE_MISSING
    data_fields: ClassVar[list[str]] = ["var_name"]

    def __init__(self, var_name: str) -> None:
        super().__init__()
        self.var_name = var_name

    @staticmethod
    def msg_format() -> str:
        return _("Missing '{var_name}' argument")


class RequestVariableConversionError(JsonableError):
    """A parameter of the wrong type; ``description`` never contains a secret's value."""

    code = ErrorCode.REQUEST_VARIABLE_INVALID
    data_fields: ClassVar[list[str]] = ["var_name"]

    def __init__(self, var_name: str, description: str) -> None:
        super().__init__()
        self.var_name = var_name
        self.description = description

    @property
    def msg(self) -> str:
        return _("Bad value for '{var_name}': {bad_value}").format(
            var_name=self.var_name, bad_value=self.description
        )


class InvalidJSONError(JsonableError):
    code = ErrorCode.INVALID_JSON

    @staticmethod
    def msg_format() -> str:
        return _("Malformed JSON")


class NotFoundError(JsonableError):
    code = ErrorCode.NOT_FOUND
    http_status_code = 404

    @staticmethod
    def msg_format() -> str:
        return _("Not Found")


class InternalServerError(JsonableError):
    code = ErrorCode.INTERNAL_SERVER_ERROR
    http_status_code = 500

    @staticmethod
    def msg_format() -> str:
        return _("Internal server error")


class AuthenticationFailedError(JsonableError):
    code = ErrorCode.AUTHENTICATION_FAILED
    http_status_code = 401

    @staticmethod
    def msg_format() -> str:
        return _("Your username or password is incorrect")


class AuthenticationUnavailableError(JsonableError):
    code = ErrorCode.AUTHENTICATION_UNAVAILABLE
    http_status_code = 503

    @staticmethod
    def msg_format() -> str:
        return _("Authentication is temporarily unavailable; try again later.")


class UserDeactivatedError(JsonableError):
    code = ErrorCode.USER_DEACTIVATED
    http_status_code = 401

    @staticmethod
    def msg_format() -> str:
        return _("Account is deactivated")


class PasswordAuthDisabledError(JsonableError):
    code = ErrorCode.PASSWORD_AUTH_DISABLED
    http_status_code = 401

    @staticmethod
    def msg_format() -> str:
        return _("Password authentication is disabled in this organization")


class PasswordResetRequiredError(JsonableError):
    code = ErrorCode.PASSWORD_RESET_REQUIRED
    http_status_code = 401

    @staticmethod
    def msg_format() -> str:
        return _("Your password has been disabled and needs to be reset")


class RateLimitedError(JsonableError):
    """429; ``retry-after`` in the body and the ``Retry-After`` header."""

    code = ErrorCode.RATE_LIMIT_HIT
    http_status_code = 429

    def __init__(self, secs_to_freedom: float) -> None:
        super().__init__()
        self.secs_to_freedom = max(0.0, float(secs_to_freedom))

    @staticmethod
    def msg_format() -> str:
        return _("API usage exceeded rate limit")

    @property
    def data(self) -> dict[str, object]:
        return {"retry-after": self.secs_to_freedom}

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.secs_to_freedom)}


class UnauthorizedError(JsonableError):
    """401 for the API-key (HTTP Basic) paths; always asks for Basic credentials."""

    code = ErrorCode.UNAUTHORIZED
    http_status_code = 401
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Basic realm="zulip"'}


class NotLoggedInError(UnauthorizedError):
    """401 for ``json/`` views that need a browser session."""

    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Session realm="zulip"'}

    @staticmethod
    def msg_format() -> str:
        return _("Not logged in: API authentication or user session required")
