"""Zulip's mobile SSO flow: the OTP arithmetic (lib/mobile_flow.py) and its page."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core import mail
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.lib.mobile_flow import (
    InvalidOTPError,
    is_valid_otp,
    mobile_flow_redirect_url,
    otp_decrypt_api_key,
    otp_encrypt_api_key,
    xor_hex_strings,
)
from zulip_apikey.models import UserProfile
from zulip_apikey.signals import api_key_fetched

URL = "/accounts/mobile-login/"
BAD_OTPS = {
    "empty": "",
    "63 digits": "a" * 63,
    "65 digits": "a" * 65,
    "not hex": "g" * 64,
    "spaces": " " + "a" * 62 + " ",
    "trailing newline": "a" * 64 + "\n",
    "non-ASCII digits": "\u0661" * 64,  # ARABIC-INDIC DIGIT ONE: int() would accept it
}


class OTPArithmeticTest(SimpleTestCase):
    def test_zulip_test_vector(self) -> None:
        # Zulip's own test: "12ac" * 8 under "7be38894" * 8.
        self.assertEqual(otp_encrypt_api_key("12ac" * 8, "7be38894" * 8), "4ad1e9f7" * 8)
        self.assertEqual(otp_decrypt_api_key("4ad1e9f7" * 8, "7be38894" * 8), "12ac" * 8)

    def test_xor_hex_strings(self) -> None:
        self.assertEqual(xor_hex_strings("1237c81ab", "18989fd12"), "0aaf57cb9")
        with self.assertRaises(ValueError):
            xor_hex_strings("12", "123")

    def test_encrypt_then_decrypt_gives_the_key_back(self) -> None:
        for _ in range(20):
            key = "".join(secrets.choice("abcXYZ0189") for _ in range(32))
            otp = secrets.token_hex(32)
            encrypted = otp_encrypt_api_key(key, otp)
            self.assertRegex(encrypted, r"\A[0-9a-f]{64}\Z")
            self.assertTrue(otp_decrypt_api_key(encrypted, otp) == key, "round trip failed")

    def test_uppercase_otp_works(self) -> None:
        otp = secrets.token_hex(32)
        key = "A" * 32
        self.assertEqual(otp_encrypt_api_key(key, otp.upper()), otp_encrypt_api_key(key, otp))

    def test_valid_otp(self) -> None:
        self.assertTrue(is_valid_otp("0123456789abcdefABCDEF" + "0" * 42))
        for name, otp in BAD_OTPS.items():
            with self.subTest(name):
                self.assertFalse(is_valid_otp(otp))

    def test_bad_otp_refused(self) -> None:
        for name, otp in BAD_OTPS.items():
            with self.subTest(name), self.assertRaises(InvalidOTPError):
                otp_encrypt_api_key("k" * 32, otp)
            with self.subTest(name), self.assertRaises(InvalidOTPError):
                otp_decrypt_api_key("0" * 64, otp)

    def test_wrong_key_or_ciphertext_length_refused(self) -> None:
        otp = secrets.token_hex(32)
        for key in ("k" * 31, "k" * 33, ""):
            with self.assertRaises(ValueError):
                otp_encrypt_api_key(key, otp)
        for encrypted in ("0" * 62, "0" * 66, "z" * 64):
            with self.assertRaises(ValueError):
                otp_decrypt_api_key(encrypted, otp)

    def test_redirect_url(self) -> None:
        otp = "7be38894" * 8
        url = mobile_flow_redirect_url(
            api_key="12ac" * 8,
            otp=otp,
            email="a+b@example.com",
            user_id=7,
            realm_url="https://chat.example.com",
        )
        self.assertEqual(
            url,
            "zulip://login?otp_encrypted_api_key="
            + "4ad1e9f7" * 8
            + "&email=a%2Bb%40example.com&user_id=7&realm=https%3A%2F%2Fchat.example.com",
        )


def redirect_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("zulip", "login"), "not a zulip://login redirect"
    params = parse_qs(parts.query, strict_parsing=True)
    assert all(len(v) == 1 for v in params.values())
    return {k: v[0] for k, v in params.items()}


class MobileFlowViewTest(TestCase):
    def setUp(self) -> None:
        # Older than a minute, so that the new-login email is due.
        self.user = UserFactory(
            email="alice@example.com", date_joined=timezone.now() - timedelta(days=1)
        )
        self.otp = secrets.token_hex(32)
        self.fetched: list[dict[str, Any]] = []
        api_key_fetched.connect(self.on_fetched)
        self.addCleanup(api_key_fetched.disconnect, self.on_fetched)

    def on_fetched(self, sender: Any, **kwargs: Any) -> None:
        self.fetched.append(kwargs)

    def test_logged_in_gets_the_encrypted_key(self) -> None:
        self.client.force_login(self.user)
        response = self.client.get(URL, {"mobile_flow_otp": self.otp})
        self.assertEqual(response.status_code, 302)
        params = redirect_params(response["Location"])
        self.assertEqual(sorted(params), ["email", "otp_encrypted_api_key", "realm", "user_id"])
        self.assertEqual(params["email"], "alice@example.com")
        self.assertEqual(params["user_id"], str(self.user.pk))
        self.assertEqual(params["realm"], "http://testserver")
        decrypted = otp_decrypt_api_key(params["otp_encrypted_api_key"], self.otp)
        self.assertTrue(decrypted == get_api_key(self.user), "decrypted key is not the user's")
        self.assertNotIn(get_api_key(self.user), response["Location"])
        self.assertIn("no-store", response["Cache-Control"])

    def test_new_login_email_and_signal(self) -> None:
        self.client.force_login(self.user)
        self.client.get(URL, {"mobile_flow_otp": self.otp}, HTTP_USER_AGENT="ZulipMobile/27")
        self.assertEqual(len(self.fetched), 1)
        self.assertEqual(self.fetched[0]["user"], self.user)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.com"])
        self.assertNotIn(get_api_key(self.user), mail.outbox[0].body)

    def test_logged_out_goes_through_login_url_and_keeps_the_otp(self) -> None:
        response = self.client.get(URL, {"mobile_flow_otp": self.otp})
        self.assertEqual(response.status_code, 302)
        login = urlsplit(response["Location"])
        self.assertEqual(login.path, "/accounts/login/")
        self.assertEqual(parse_qs(login.query)["next"], [f"{URL}?mobile_flow_otp={self.otp}"])
        self.assertEqual(self.fetched, [])

    def test_round_trip_through_the_login_form(self) -> None:
        start = f"{URL}?mobile_flow_otp={self.otp}"
        login_url = self.client.get(start)["Location"]
        page = self.client.get(login_url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'name="next"')
        response = self.client.post(
            "/accounts/login/",
            {"username": "alice@example.com", "password": DEFAULT_PASSWORD, "next": start},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], start)
        final = self.client.get(response["Location"])
        self.assertEqual(final.status_code, 302)
        params = redirect_params(final["Location"])
        key = otp_decrypt_api_key(params["otp_encrypted_api_key"], self.otp)
        # The decrypted key opens the API.
        me = self.client_class().get("/api/v1/users/me", HTTP_AUTHORIZATION=basic(self.user, key))
        self.assertEqual(me.status_code, 200)

    def test_bad_otp_is_400_and_issues_nothing(self) -> None:
        self.client.force_login(self.user)
        for name, otp in BAD_OTPS.items():
            with self.subTest(name):
                response = self.client.get(URL, {"mobile_flow_otp": otp})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "Invalid login link", status_code=400)
                self.assertNotIn("Location", response)
        response = self.client.get(URL)  # no OTP at all
        self.assertEqual(response.status_code, 400)
        self.assertFalse(UserProfile.objects.filter(user_id=self.user.pk).exists())
        self.assertEqual(self.fetched, [])
        self.assertEqual(mail.outbox, [])

    def test_bad_otp_logged_out_is_400_without_login_round_trip(self) -> None:
        response = self.client.get(URL, {"mobile_flow_otp": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertTemplateUsed(response, "zulip_apikey/mobile_flow_error.html")

    @override_settings(ZULIP_APIKEY={"REALM_URL": "https://chat.example.com/"})
    def test_configured_realm_url(self) -> None:
        self.client.force_login(self.user)
        response = self.client.get(URL, {"mobile_flow_otp": self.otp})
        self.assertEqual(redirect_params(response["Location"])["realm"], "https://chat.example.com")

    def test_post_is_405(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(URL, {"mobile_flow_otp": self.otp})
        self.assertEqual(response.status_code, 405)


def basic(user: Any, key: str) -> str:
    return "Basic " + base64.b64encode(f"{user.email}:{key}".encode()).decode()
