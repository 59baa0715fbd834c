"""The API key page and the mobile flow in a real browser, against a real server process.

Headless Chromium from Debian's packages, driven by Selenium (tests/browser.py). Like the other
end-to-end tests these only run with ``ZULIP_APIKEY_SLOW_TESTS=1`` (the ``e2e`` tox env); then
a missing Chromium, chromedriver, selenium or zulip is a failure, not a skip.

``ZULIP_APIKEY_SCREENSHOTS=docs`` also writes the README's screenshots (docs/login-page.png,
docs/api-key-page.png).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from unittest import skipUnless
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import SimpleTestCase, tag

from tests import browser
from tests.server_process import REPO, LiveDatabase, ServerProcess

if TYPE_CHECKING:
    from selenium.webdriver.chromium.webdriver import ChromiumDriver as WebDriver

SLOW_TESTS = os.environ.get("ZULIP_APIKEY_SLOW_TESTS") == "1"
SCREENSHOTS = os.environ.get("ZULIP_APIKEY_SCREENSHOTS", "")
KEY_FORMAT = re.compile(r"[A-Za-z0-9]{32}")


@pytest.mark.slow
@tag("slow")
@skipUnless(
    SLOW_TESTS,
    "slow browser tests (headless Chromium against a server process): "
    "set ZULIP_APIKEY_SLOW_TESTS=1 to run them",
)
class BrowserTest(SimpleTestCase):
    server: ClassVar[ServerProcess]
    password: ClassVar[str]
    driver: WebDriver
    downloads: Path

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        missing = browser.missing_requirements()
        if missing:
            raise AssertionError("browser tests need: " + "; ".join(missing))
        database = LiveDatabase()
        cls.addClassCleanup(database.close)
        cls.server = ServerProcess(database)
        cls.server.manage("migrate", "--no-input")
        cls.password = f"Browser-{secrets.token_urlsafe(12)}"
        for name in ("alice", "bob", "carol"):
            cls.server.manage(
                "create_demo_user", "--email", f"{name}@example.com", "--password", cls.password
            )
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self) -> None:
        # A fresh browser per test (under a second to start): logged out, empty profile and
        # network log. One browser for all would carry state across tests; after the aborted
        # navigation to zulip:// it even ignored the next form submission.
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="zulip-browser-")))
        self.downloads = tmp / "downloads"
        self.downloads.mkdir()
        self.driver = browser.start_chromium(tmp / "profile", self.downloads)
        self.addCleanup(self.driver.quit)

    def url(self, path: str) -> str:
        return f"{self.server.base_url}{path}"

    def screenshot(self, name: str) -> None:
        if SCREENSHOTS:
            browser.full_page_screenshot(self.driver, REPO / SCREENSHOTS / name)

    def log_in_through_the_form(self, email: str, password: str, *, navigates: bool = True) -> None:
        browser.wait_visible(self.driver, "id_username")
        browser.fill_and_submit(
            self.driver,
            {"id_username": email, "id_password": password},
            "login-button",
            navigates=navigates,
        )

    def fetch_api_key(self, email: str) -> str:
        status, body = browser.http(
            self.url("/api/v1/fetch_api_key"), data={"username": email, "password": self.password}
        )
        self.assertEqual(status, 200, body.get("msg"))
        key = str(body["api_key"])
        self.assertTrue(KEY_FORMAT.fullmatch(key), "api_key is not 32 letters and digits")
        return key

    def users_me_status(self, email: str, key: str) -> int:
        status, _body = browser.http(self.url("/api/v1/users/me"), auth=(email, key))
        return int(status)

    def shown_key(self) -> str:
        element = browser.wait_visible(self.driver, "api-key")
        return str(element.text).strip()

    def test_log_in_reveal_download_regenerate(self) -> None:
        import zulip

        email = "alice@example.com"
        self.driver.get(self.url("/accounts/api-key/"))
        self.assertEqual(urlsplit(self.driver.current_url).path, "/accounts/login/")
        self.screenshot("login-page.png")
        self.log_in_through_the_form(email, self.password)
        browser.wait_for(
            "the API key page", lambda: self.driver.current_url == self.url("/accounts/api-key/")
        )
        self.assertEqual(self.driver.find_element("id", "account-email").text, email)
        self.assertFalse(self.driver.find_element("id", "api-key").is_displayed())

        # Reveal: the page's script posts the password to /json/fetch_api_key.
        browser.fill_and_submit(self.driver, {"reveal-password": self.password}, "reveal-button")
        revealed = self.shown_key()
        fetched = browser.find_response(
            browser.network_events(self.driver), self.url("/json/fetch_api_key")
        )
        assert fetched is not None, "the page did not call /json/fetch_api_key"
        self.assertEqual(fetched["status"], 200)
        self.assertTrue(revealed == self.fetch_api_key(email), "shown key != fetch_api_key's")
        self.assertEqual(
            self.driver.find_element("id", "reveal-password").get_attribute("value"), ""
        )
        self.screenshot("api-key-page.png")

        # Download zuliprc and use it with the zulip bindings.
        browser.fill_and_submit(
            self.driver, {"download-password": self.password}, "download-button"
        )
        zuliprc = self.downloads / "zuliprc"
        browser.wait_for("the zuliprc download", zuliprc.is_file)
        self.assertEqual(
            zuliprc.read_text().splitlines(),
            ["[api]", f"email={email}", f"key={revealed}", f"site={self.server.base_url}"],
        )
        profile = zulip.Client(config_file=str(zuliprc)).get_profile()
        self.assertEqual(profile["result"], "success", profile.get("msg"))
        self.assertEqual(profile["email"], email)

        # Regenerate: the page shows the new key and the old one is refused at once.
        browser.fill_and_submit(
            self.driver, {"regenerate-password": self.password}, "regenerate-button", navigates=True
        )
        browser.wait_visible(self.driver, "regenerated-notice")
        new_key = self.shown_key()
        self.assertTrue(KEY_FORMAT.fullmatch(new_key), "the new key is not 32 letters and digits")
        self.assertNotEqual(new_key, revealed)
        self.assertEqual(self.users_me_status(email, revealed), 401)
        self.assertEqual(self.users_me_status(email, new_key), 200)
        self.assertTrue(new_key == self.fetch_api_key(email), "new key != fetch_api_key's")

    def test_wrong_password_on_reveal_and_regenerate(self) -> None:
        email = "bob@example.com"
        key_before = self.fetch_api_key(email)
        self.driver.get(self.url("/accounts/login/?next=/accounts/api-key/"))
        self.log_in_through_the_form(email, self.password)
        browser.wait_visible(self.driver, "reveal-password")

        browser.fill_and_submit(self.driver, {"reveal-password": "wrong"}, "reveal-button")
        error = browser.wait_visible(self.driver, "reveal-error")
        browser.wait_for("the reveal error", lambda: error.text)
        self.assertEqual(error.text, "Password is incorrect.")
        self.assertFalse(self.driver.find_element("id", "api-key").is_displayed())
        fetched = browser.find_response(
            browser.network_events(self.driver), self.url("/json/fetch_api_key")
        )
        assert fetched is not None, "the page did not call /json/fetch_api_key"
        self.assertEqual(fetched["status"], 400)
        self.assertEqual(
            self.driver.switch_to.active_element.get_attribute("id"), "reveal-password"
        )

        browser.fill_and_submit(
            self.driver, {"regenerate-password": "wrong"}, "regenerate-button", navigates=True
        )
        error = browser.wait_visible(self.driver, "regenerate-error")
        self.assertEqual(error.text, "Password is incorrect.")
        response = browser.find_response(
            browser.network_events(self.driver), self.url("/accounts/api-key/regenerate")
        )
        assert response is not None, "no response logged for the regenerate form"
        self.assertEqual(response["status"], 400)
        self.assertTrue(self.fetch_api_key(email) == key_before, "key changed")

    def test_mobile_flow_from_a_logged_out_browser(self) -> None:
        from zulip_apikey.lib.mobile_flow import otp_decrypt_api_key

        email = "carol@example.com"
        otp = secrets.token_hex(32)
        start = f"/accounts/mobile-login/?mobile_flow_otp={otp}"
        self.driver.get(self.url(start))
        login = urlsplit(self.driver.current_url)
        self.assertEqual(login.path, "/accounts/login/")
        self.assertEqual(parse_qs(login.query)["next"], [start])
        # The login page stays: Chromium aborts the navigation that ends at zulip://.
        self.log_in_through_the_form(email, self.password, navigates=False)

        # Chromium will not follow zulip://; DevTools saw the redirect it was given.
        events: list[dict[str, Any]] = []

        def redirect() -> dict[str, Any] | None:
            events.extend(browser.network_events(self.driver))
            found: dict[str, Any] | None = browser.find_redirect(
                events, self.url("/accounts/mobile-login/"), "zulip://"
            )
            return found

        response = browser.wait_for("the zulip:// redirect", redirect)
        self.assertEqual(response["status"], 302)
        location = browser.header(response["headers"], "Location")
        parts = urlsplit(location)
        self.assertEqual((parts.scheme, parts.netloc), ("zulip", "login"))
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.assertEqual(params["email"], email)
        self.assertEqual(params["realm"], self.server.base_url)
        key = otp_decrypt_api_key(params["otp_encrypted_api_key"], otp)
        self.assertTrue(key == self.fetch_api_key(email), "decrypted key != fetch_api_key's")
        status, me = browser.http(self.url("/api/v1/users/me"), auth=(email, key))
        self.assertEqual(status, 200)
        self.assertEqual(me["email"], email)
        self.assertEqual(str(me["user_id"]), params["user_id"])

    def test_bad_otp_is_400(self) -> None:
        url = self.url(f"/accounts/mobile-login/?mobile_flow_otp={quote('not-an-otp')}")
        self.driver.get(url)
        heading = browser.wait_visible(self.driver, "main").text
        self.assertIn("Invalid login link", heading)
        response = browser.find_response(browser.network_events(self.driver), url)
        assert response is not None, "no response logged for the bad OTP"
        self.assertEqual(response["status"], 400)
        # Not sent through the login page: nothing to log in for.
        self.assertEqual(self.driver.current_url, url)
