"""End to end: the built wheel, in a fresh ``startproject`` site, answers over real HTTP.

The unit tests import the app from this checkout; only this test proves that what ``pip``
installs (migrations, ``py.typed``, templates included) works in a project set up exactly as the
README's "Add it to your project" says. It needs PyPI and about a minute, so it only runs with
``ZULIP_APIKEY_SLOW_TESTS=1`` (CI sets it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from unittest import skipUnless
from urllib.parse import urlencode

import django
import pytest
from django.test import SimpleTestCase, tag

from tests import e2e_project
from tests.server_process import ServerProcess

SLOW_TESTS = os.environ.get("ZULIP_APIKEY_SLOW_TESTS") == "1"

# Creates the user the way a project would, with the password from the environment so that it
# never appears on a command line. Prints what the test checks: the hasher and the user's pk.
CREATE_ALICE = """
import os
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user(
    "alice", "alice@example.com", os.environ["E2E_ALICE_PASSWORD"]
)
print(user.password.split("$", 1)[0], user.pk)
"""

WHERE_IS_THE_APP = (
    "import pathlib, zulip_apikey; print(pathlib.Path(zulip_apikey.__file__).resolve())"
)


def http_json(request: urllib.request.Request) -> tuple[int, dict[str, Any]]:
    """Status and JSON object of a response, error statuses included."""
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        content_type = response.headers.get("Content-Type", "")
        assert content_type.startswith("application/json"), content_type
        body = json.loads(response.read())
    assert isinstance(body, dict)
    return response.status, body


def post_form(url: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
    # urllib sends application/x-www-form-urlencoded, as curl -d does.
    return http_json(urllib.request.Request(url, data=urlencode(fields).encode(), method="POST"))


@pytest.mark.slow
@tag("slow")
@skipUnless(
    SLOW_TESTS,
    "slow end-to-end test (builds the wheel, installs it from PyPI into a new virtualenv): "
    "set ZULIP_APIKEY_SLOW_TESTS=1 to run it",
)
class WheelInFreshProjectTest(SimpleTestCase):
    def test_readme_steps_serve_fetch_api_key(self) -> None:
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="zulip-apikey-e2e-")))

        wheel = e2e_project.build_wheel(tmp)
        shipped = e2e_project.wheel_files(wheel)
        missing = [p for p in e2e_project.files_the_wheel_must_ship() if p not in shipped]
        self.assertEqual(missing, [], f"missing from {wheel.name}")

        # README step 1: pip install zulip-apikey[argon2]. Django's feature release is pinned
        # to the one under test here, so each tox env tests its own Django.
        venv = tmp / "venv"
        python = e2e_project.create_venv(venv)
        env = e2e_project.venv_env(venv)
        major, minor = django.VERSION[:2]
        e2e_project.pip_install(python, f"{wheel}[argon2]", f"Django=={major}.{minor}.*", env=env)
        where = e2e_project.run([str(python), "-c", WHERE_IS_THE_APP], cwd=tmp, env=env, timeout=60)
        app_file = Path(where.strip())
        self.assertTrue(app_file.is_relative_to(venv.resolve()), "zulip_apikey not from the wheel")

        startproject = [str(python), "-m", "django", "startproject", "mysite"]
        e2e_project.run(startproject, cwd=tmp, env=env, timeout=60)
        site = tmp / "mysite"
        e2e_project.add_app_as_readme_says(site, "mysite")  # README steps 2 and 3

        password = secrets.token_urlsafe(18)
        server = ServerProcess(
            None,
            settings_module="mysite.settings",
            env={**env, "PYTHONPATH": "", "E2E_ALICE_PASSWORD": password},
            python=str(python),
            cwd=site,
        )
        # The README's settings pass the app's own system checks, warnings included.
        server.manage("check", "--fail-level", "WARNING")
        server.manage("migrate", "--no-input")  # README step 4
        hasher, user_id = server.manage("shell", "-c", CREATE_ALICE).split()[-2:]
        self.assertEqual(hasher, "argon2")  # the [argon2] extra is installed and used

        try:
            server.start(timeout=60)
            # README step 5: the curl example.
            url = f"{server.base_url}/api/v1/fetch_api_key"
            status, body = post_form(url, {"username": "alice@example.com", "password": password})
            self.assertEqual(status, 200)
            self.assertEqual(body["result"], "success")
            self.assertEqual(body["email"], "alice@example.com")
            self.assertEqual(str(body["user_id"]), user_id)
            # The key is a secret: on failure say what is wrong with it, never what it is.
            key_ok = re.fullmatch(r"[A-Za-z0-9]{32}", str(body["api_key"])) is not None
            self.assertTrue(key_ok, "api_key is not 32 ASCII letters and digits")

            wrong = {"username": "alice@example.com", "password": password + "-wrong"}
            status, body = post_form(url, wrong)
            self.assertEqual(status, 401)
            self.assertEqual(
                body,
                {
                    "result": "error",
                    "msg": "Your username or password is incorrect",
                    "code": "AUTHENTICATION_FAILED",
                },
            )

            request = urllib.request.Request(f"{server.base_url}/api/v1/server_settings")
            status, body = http_json(request)
            self.assertEqual(status, 200)
            self.assertEqual(body["result"], "success")
            self.assertIsInstance(body["zulip_version"], str)
            self.assertTrue(body["zulip_version"])
        finally:
            server.stop()
