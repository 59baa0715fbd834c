"""The API key page (CONTRACT section 10) and the example project's pages, through Django's
test client. The same pages in a real browser: tests/test_browser.py.

A key is a secret even in tests: failures say that a key is or is not on the page, never what
it is (so no ``assertContains(response, key)``, whose message prints the page).
"""

from __future__ import annotations

import base64
import importlib.util
import re
from datetime import timedelta
from typing import Any
from unittest import skipUnless
from urllib.parse import parse_qs, urlsplit

from django.core import mail
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import include, path
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.markers import needs_ldap
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.views.pages import zuliprc_content

PAGE = "/accounts/api-key/"
ZULIPRC = "/accounts/api-key/zuliprc"
REGENERATE = "/accounts/api-key/regenerate"
HAS_LDAP = importlib.util.find_spec("ldap") is not None

# A project whose URLs have no password reset (override_settings(ROOT_URLCONF=__name__)).
urlpatterns = [path("", include("zulip_apikey.urls"))]


def page_has(response: Any, text: str) -> bool:
    return text in response.content.decode()


def basic(email: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()


class ApiKeyPageTest(TestCase):
    def setUp(self) -> None:
        cache.clear()
        self.user = UserFactory(email="alice@example.com")
        self.client.force_login(self.user)

    def users_me(self, key: str) -> int:
        client = self.client_class()
        status: int = client.get(
            "/api/v1/users/me", HTTP_AUTHORIZATION=basic("alice@example.com", key)
        ).status_code
        return status

    def test_logged_out_goes_to_login(self) -> None:
        self.client.logout()
        for method, url in (("get", PAGE), ("post", PAGE), ("post", ZULIPRC), ("post", REGENERATE)):
            with self.subTest(method=method, url=url):
                response = getattr(self.client, method)(url, {"password": DEFAULT_PASSWORD})
                self.assertEqual(response.status_code, 302)
                login = urlsplit(response["Location"])
                self.assertEqual(login.path, "/accounts/login/")
                # Back to the page, not to a POST-only URL.
                self.assertEqual(parse_qs(login.query)["next"], [PAGE])

    def test_page_shows_email_and_forms_but_not_the_key(self) -> None:
        key = get_api_key(self.user)
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "zulip_apikey/api_key.html")
        self.assertTemplateUsed(response, "zulip_apikey/base.html")
        self.assertContains(response, "alice@example.com")
        self.assertContains(response, "http://testserver")
        for form in ("reveal", "download", "regenerate"):
            self.assertContains(response, f'<label for="{form}-password">')
            self.assertContains(response, f'id="{form}-password" name="password" required')
        self.assertContains(response, 'data-fetch-url="/json/fetch_api_key"')
        self.assertContains(response, "csrfmiddlewaretoken")
        self.assertFalse(page_has(response, key), "the key is on the page before the password")
        self.assertIn("no-store", response["Cache-Control"])

    def test_reveal_with_password(self) -> None:
        response = self.client.post(PAGE, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(page_has(response, get_api_key(self.user)), "key not shown")
        self.assertIn("no-store", response["Cache-Control"])

    def test_reveal_wrong_password(self) -> None:
        key = get_api_key(self.user)
        for password in ("wrong", ""):
            with self.subTest(password=password):
                response = self.client.post(PAGE, {"password": password})
                self.assertEqual(response.status_code, 400)
                self.assertContains(
                    response,
                    '<p id="reveal-error" class="za-error" role="alert">Password is incorrect.</p>',
                    status_code=400,
                    html=False,
                )
                self.assertFalse(page_has(response, key), "key shown after a wrong password")

    def test_download_zuliprc(self) -> None:
        response = self.client.post(ZULIPRC, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="zuliprc"')
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn("no-store", response["Cache-Control"])
        expected = (
            f"[api]\nemail=alice@example.com\nkey={get_api_key(self.user)}\n"
            "site=http://testserver\n"
        )
        self.assertTrue(response.content.decode() == expected, "zuliprc content differs")

    @override_settings(ZULIP_APIKEY={"REALM_URL": "https://chat.example.com/"})
    def test_zuliprc_site_is_the_realm_url(self) -> None:
        response = self.client.post(ZULIPRC, {"password": DEFAULT_PASSWORD})
        self.assertTrue(response.content.decode().endswith("\nsite=https://chat.example.com\n"))

    def test_download_wrong_password(self) -> None:
        response = self.client.post(ZULIPRC, {"password": "wrong"})
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("Content-Disposition", response)
        self.assertContains(response, "Password is incorrect.", status_code=400)
        self.assertFalse(page_has(response, get_api_key(self.user)), "key shown")

    def test_download_get_is_405(self) -> None:
        self.assertEqual(self.client.get(ZULIPRC).status_code, 405)
        self.assertEqual(self.client.get(REGENERATE).status_code, 405)

    def test_regenerate(self) -> None:
        old = get_api_key(self.user)
        self.assertEqual(self.users_me(old), 200)
        response = self.client.post(REGENERATE, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 200)
        new = get_api_key(self.user)
        self.assertNotEqual(new, old)
        self.assertTrue(page_has(response, new), "new key not shown")
        self.assertContains(response, 'id="regenerated-notice"')
        self.assertEqual(self.users_me(old), 401)
        self.assertEqual(self.users_me(new), 200)

    def test_regenerate_wrong_password_keeps_the_key(self) -> None:
        old = get_api_key(self.user)
        response = self.client.post(REGENERATE, {"password": "wrong"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'id="regenerate-error"', status_code=400)
        self.assertContains(response, "Password is incorrect.", status_code=400)
        self.assertTrue(get_api_key(self.user) == old, "key changed after a wrong password")

    def test_another_users_password_is_refused(self) -> None:
        UserFactory(email="bob@example.com", password="bobs password 123")
        for url in (PAGE, ZULIPRC, REGENERATE):
            with self.subTest(url=url):
                response = self.client.post(url, {"password": "bobs password 123"})
                self.assertEqual(response.status_code, 400)

    def test_csrf_is_enforced(self) -> None:
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.user)
        for url in (PAGE, ZULIPRC, REGENERATE):
            with self.subTest(url=url):
                response = client.post(url, {"password": DEFAULT_PASSWORD})
                self.assertEqual(response.status_code, 403)

    def test_forms_post_with_the_pages_csrf_token(self) -> None:
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.user)
        page = client.get(PAGE).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        response = client.post(
            ZULIPRC, {"password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        )
        self.assertEqual(response.status_code, 200)

    @override_settings(
        ZULIP_APIKEY={"RATE_LIMITING_RULES": {"authenticate_by_username": [(600, 2)]}}
    )
    def test_guesses_are_rate_limited(self) -> None:
        for url in (PAGE, REGENERATE):
            self.assertEqual(self.client.post(url, {"password": "wrong"}).status_code, 400)
        response = self.client.post(ZULIPRC, {"password": DEFAULT_PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response)
        self.assertNotIn("Content-Disposition", response)
        self.assertContains(
            response, "Too many password attempts. Try again in 10 minutes.", status_code=429
        )

    def test_project_overrides_the_base_template(self) -> None:
        # example_project/templates/zulip_apikey/base.html extends the app's own.
        response = self.client.get(PAGE)
        self.assertContains(response, '<a href="/">Example organization</a>')
        self.assertContains(response, "<style>")

    def test_logout_button_in_header(self) -> None:
        response = self.client.get(PAGE)
        self.assertContains(response, 'action="/accounts/logout/"')


class NoUsablePasswordTest(TestCase):
    def setUp(self) -> None:
        self.user = UserFactory(email="sso@example.com", password=None)
        self.client.force_login(self.user)

    def test_told_so_with_a_password_reset_link(self) -> None:
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Your account has no password")
        self.assertContains(
            response, '<a href="/accounts/password_reset/" id="password-reset-link">'
        )
        self.assertNotContains(response, 'name="password"')
        self.assertNotContains(response, "<script>")

    @override_settings(ROOT_URLCONF=__name__)
    def test_without_password_reset_url(self) -> None:
        response = self.client.get(PAGE)
        self.assertContains(response, "Your account has no password")
        self.assertContains(response, "Ask an administrator")
        self.assertNotContains(response, "password-reset-link")
        self.assertNotContains(response, 'action="/accounts/logout/"')

    def test_posting_anyway_is_refused(self) -> None:
        response = self.client.post(PAGE, {"password": ""})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(page_has(response, get_api_key(self.user)), "key shown")

    def test_reset_the_password_then_see_the_key(self) -> None:
        """The link leads to Django's password reset; after it, the page asks the password."""
        self.client.post("/accounts/password_reset/", {"email": "sso@example.com"})
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
        assert link is not None, "no reset link in the email"
        form_url = self.client.get(link.group(1))["Location"]
        new_password = "a new Password-for-sso 7"
        response = self.client.post(
            form_url, {"new_password1": new_password, "new_password2": new_password}
        )
        self.assertEqual(response.status_code, 302)
        self.user.refresh_from_db()
        self.client.force_login(self.user)
        self.assertContains(self.client.get(PAGE), 'id="reveal-password"')
        response = self.client.post(PAGE, {"password": new_password})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(page_has(response, get_api_key(self.user)), "key not shown")

    @needs_ldap
    @skipUnless(HAS_LDAP, "python-ldap is not installed")
    @override_settings(
        AUTHENTICATION_BACKENDS=[
            "zulip_apikey.backends.EmailAuthBackend",
            "zulip_apikey.backends.ZulipLDAPAuthBackend",
        ]
    )
    def test_ldap_user_is_asked_for_the_directory_password(self) -> None:
        # Accounts made by LDAP login have no usable Django password; the directory's works.
        response = self.client.get(PAGE)
        self.assertContains(response, 'id="reveal-password"')
        self.assertNotContains(response, "Your account has no password")


@override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
class NoPasswordLoginTest(TestCase):
    """A site without the app's password backends: as in Zulip, no password is asked."""

    def test_key_shown_without_password(self) -> None:
        user = UserFactory(email="carol@example.com")
        self.client.force_login(user)
        page = self.client.get(PAGE)
        self.assertNotContains(page, 'name="password"')
        response = self.client.post(PAGE)
        self.assertTrue(page_has(response, get_api_key(user)), "key not shown")


class ZuliprcContentTest(TestCase):
    def test_format(self) -> None:
        self.assertEqual(
            zuliprc_content("a@example.com", "k" * 32, "https://x.example"),
            "[api]\nemail=a@example.com\nkey=" + "k" * 32 + "\nsite=https://x.example\n",
        )


class ExampleProjectPagesTest(TestCase):
    """The example project's home, login and logout pages (Django's views, its templates)."""

    def setUp(self) -> None:
        self.user = UserFactory(
            email="dave@example.com", date_joined=timezone.now() - timedelta(days=1)
        )

    def test_home_logged_out_links_to_login(self) -> None:
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'href="/accounts/login/?next=/accounts/api-key/"')
        self.assertContains(response, "/accounts/mobile-login/?mobile_flow_otp=")

    def test_home_logged_in_links_to_the_api_key_page(self) -> None:
        self.client.force_login(self.user)
        response = self.client.get("/")
        self.assertContains(response, 'href="/accounts/api-key/"')

    def test_login_form_then_the_api_key_page(self) -> None:
        page = self.client.get("/accounts/login/", {"next": PAGE})
        self.assertTemplateUsed(page, "registration/login.html")
        self.assertContains(page, '<label for="id_username">Email</label>')
        response = self.client.post(
            "/accounts/login/",
            {"username": "dave@example.com", "password": DEFAULT_PASSWORD, "next": PAGE},
        )
        self.assertRedirects(response, PAGE)

    def test_login_wrong_password(self) -> None:
        response = self.client.post(
            "/accounts/login/", {"username": "dave@example.com", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="login-error"')
        self.assertContains(response, 'aria-invalid="true"')

    def test_logout(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post("/accounts/logout/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "registration/logged_out.html")
        self.assertEqual(self.client.get(PAGE).status_code, 302)

    def test_password_reset_pages_render(self) -> None:
        for url in ("/accounts/password_reset/", "/accounts/password_reset/done/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, '<a href="/">Example organization</a>')
