"""Zulip's mobile SSO flow: the OTP arithmetic and the ``zulip://login`` redirect URL.

The mobile app makes a one-time pad of 32 random bytes, opens the login page in a browser with
``mobile_flow_otp=<the pad as 64 hex digits>``, and gets the API key back through a
``zulip://login`` redirect, XORed with the pad. Anything that sees the redirect (another app
registered for ``zulip://``, the browser's history) sees only the encrypted key. As in Zulip's
``zerver/lib/mobile_auth_otp.py``: the key's ASCII bytes as hex, each hex digit XORed with the
OTP's digit at the same place, written as lowercase hex.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from zulip_apikey.lib.exceptions import JsonableError

API_KEY_LENGTH = 32
OTP_LENGTH = API_KEY_LENGTH * 2
_OTP_FORMAT = re.compile(rf"[0-9a-fA-F]{{{OTP_LENGTH}}}")
MOBILE_LOGIN_URL = "zulip://login"


class InvalidOTPError(JsonableError):
    """An OTP that is not exactly 64 hex digits (Zulip's message)."""

    def __init__(self) -> None:
        super().__init__("Invalid OTP")


def is_valid_otp(otp: str) -> bool:
    """Exactly 64 hex digits, either case (``fullmatch``: a trailing newline is refused too)."""
    return _OTP_FORMAT.fullmatch(otp) is not None


def xor_hex_strings(a: str, b: str) -> str:
    """Digit-wise XOR of two hex strings of one length, as lowercase hex."""
    if len(a) != len(b):
        raise ValueError("hex strings of different lengths")
    return "".join(f"{int(x, 16) ^ int(y, 16):x}" for x, y in zip(a, b, strict=True))


def otp_encrypt_api_key(api_key: str, otp: str) -> str:
    """The key, encrypted with ``otp`` for the ``zulip://login`` redirect."""
    if not is_valid_otp(otp):
        raise InvalidOTPError
    hex_key = api_key.encode("ascii").hex()
    if len(hex_key) != OTP_LENGTH:
        raise ValueError(f"an API key has {API_KEY_LENGTH} characters")
    return xor_hex_strings(hex_key, otp)


def otp_decrypt_api_key(otp_encrypted_api_key: str, otp: str) -> str:
    """What the mobile app does with the redirect: the inverse of :func:`otp_encrypt_api_key`."""
    if not is_valid_otp(otp):
        raise InvalidOTPError
    if not is_valid_otp(otp_encrypted_api_key):
        raise ValueError(f"an encrypted API key has {OTP_LENGTH} hex digits")
    return bytes.fromhex(xor_hex_strings(otp_encrypted_api_key, otp)).decode("ascii")


def mobile_flow_redirect_url(
    *, api_key: str, otp: str, email: str, user_id: object, realm_url: str
) -> str:
    """``zulip://login?otp_encrypted_api_key=...&email=...&user_id=...&realm=...``."""
    params = {
        "otp_encrypted_api_key": otp_encrypt_api_key(api_key, otp),
        "email": email,
        "user_id": str(user_id),
        "realm": realm_url,
    }
    return f"{MOBILE_LOGIN_URL}?{urlencode(params)}"
