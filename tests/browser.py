"""Headless Chromium for tests/test_browser.py: Debian's ``chromium`` and ``chromium-driver``,
driven by Selenium. Nothing is downloaded: the driver is named by path, so selenium-manager
never runs.

Selenium is imported where it is used, so that this module imports without it and
:func:`missing_requirements` can say what is missing.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

if TYPE_CHECKING:
    # Chromium's driver: it has get_log() and execute_cdp_cmd(), which the remote one lacks.
    from selenium.webdriver.chromium.webdriver import ChromiumDriver as WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = os.environ.get("ZULIP_APIKEY_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ZULIP_APIKEY_CHROMEDRIVER", "/usr/bin/chromedriver")
# Root in a container needs --no-sandbox; the rest keeps Chromium off the network and quiet.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1100,900",
)
# Generous: a loaded CI machine; waits end as soon as their condition holds.
WAIT_SECONDS = 30.0

T = TypeVar("T")


def missing_requirements() -> list[str]:
    """What this machine lacks to run the browser tests (empty: nothing)."""
    missing = [
        f"{path} (Debian: apt-get install chromium chromium-driver)"
        for path in (CHROMIUM, CHROMEDRIVER)
        if not os.access(path, os.X_OK)
    ]
    missing += [
        f"the {name} package (dependency group 'browser')"
        for name in ("selenium", "zulip")
        if importlib.util.find_spec(name) is None
    ]
    return missing


def start_chromium(user_data_dir: Path, download_dir: Path) -> WebDriver:
    """A fresh headless Chromium that saves downloads to ``download_dir`` without asking.

    The performance log (Chrome DevTools network events) is on, so a test can read the
    ``Location`` of a redirect to ``zulip://``, which the browser itself refuses to follow.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
        },
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    return driver


def wait_for(what: str, condition: Callable[[], T | None], seconds: float = WAIT_SECONDS) -> T:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` if never."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.1)


def wait_visible(driver: WebDriver, element_id: str) -> WebElement:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # Stale: found on a page that was being replaced; look again on the new one.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    element: WebElement = WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=ignored).until(
        lambda d: (e := d.find_element(By.ID, element_id)).is_displayed() and e
    )
    return element


def fill_and_submit(
    driver: WebDriver, fields: dict[str, str], button_id: str, *, navigates: bool = False
) -> None:
    """Type into the fields (by id) and press the button, as a person would.

    ``navigates``: the form loads a new page; return once the old one is gone and the new one
    is loaded, so that what the test looks for next is not found on the page it just left.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    for element_id, value in fields.items():
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)
    old_page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    if navigates:
        WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.staleness_of(old_page))
        # And the new page fully loaded: before its script has run, a click on "Show API key"
        # would post the form instead of calling /json/fetch_api_key.
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )


def network_events(driver: WebDriver) -> list[dict[str, Any]]:
    """The DevTools ``Network.*`` events logged since the last call."""
    events = []
    for entry in driver.get_log("performance"):  # type: ignore[no-untyped-call]
        message: dict[str, Any] = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return events


def find_redirect(
    events: list[dict[str, Any]], from_prefix: str, to_prefix: str
) -> dict[str, Any] | None:
    """The redirect response from a URL starting with ``from_prefix`` to one with ``to_prefix``.

    DevTools reports a redirect as the request for its target, carrying the response that
    redirected: Chromium sends that event even for a target it then refuses to open.
    """
    for event in events:
        if event["method"] != "Network.requestWillBeSent":
            continue
        redirect = event["params"].get("redirectResponse")
        target = str(event["params"]["request"]["url"])
        if (
            redirect
            and str(redirect["url"]).startswith(from_prefix)
            and target.startswith(to_prefix)
        ):
            return dict(redirect)
    return None


def find_response(events: list[dict[str, Any]], url_prefix: str) -> dict[str, Any] | None:
    """The response (status, headers) the browser got for a URL starting with ``url_prefix``."""
    for event in events:
        if event["method"] == "Network.responseReceived":
            response = event["params"]["response"]
            if str(response["url"]).startswith(url_prefix):
                return dict(response)
    return None


def header(headers: dict[str, str], name: str) -> str:
    """A header from a DevTools headers dict, whatever the case of its name."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    raise KeyError(name)


def http(
    url: str, *, data: dict[str, str] | None = None, auth: tuple[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of a request made outside the browser (POST when ``data``)."""
    request = urllib.request.Request(
        url, data=urlencode(data).encode() if data is not None else None
    )
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        body = json.loads(response.read())
    assert isinstance(body, dict)
    return response.status, body


def full_page_screenshot(driver: WebDriver, path: Path, width: int = 1000) -> None:
    """A PNG of the whole page at ``width`` CSS pixels, however long the page is."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        # The page may reflow at the new width: measure again.
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": height})
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
