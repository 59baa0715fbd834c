"""Steps of the end-to-end test: the wheel, a fresh virtualenv, and a ``startproject`` site.

What a Django developer does, in the order the README tells them: build (here: the wheel a
release would upload), ``pip install`` it into a virtualenv of its own, add the app to a project
from ``django-admin startproject`` by editing ``settings.py`` and ``urls.py`` as text, migrate.
Nothing of this repository is importable in that virtualenv except through the wheel.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.server_process import REPO

PACKAGE = REPO / "zulip_apikey"

# README, "Add it to your project", step 2; the settings that are not list entries.
README_SETTINGS = """
AUTHENTICATION_BACKENDS = ["zulip_apikey.backends.EmailAuthBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
"""


def run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float) -> str:
    """Run a step; on failure the error carries its output (no step here prints a secret)."""
    try:
        result = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"{args[:4]} timed out after {timeout} s") from error
    if result.returncode != 0:
        raise RuntimeError(f"{args[:4]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def build_wheel(out_dir: Path) -> Path:
    """Build the wheel of this repository into ``out_dir`` and return its path.

    Without build isolation when hatchling is already installed (no download, seconds faster);
    otherwise the way a release build does it.
    """
    has_hatchling = importlib.util.find_spec("hatchling") is not None
    if importlib.util.find_spec("build") is not None:
        args = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out_dir)]
        args += ["--no-isolation"] if has_hatchling else []
    else:
        args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out_dir)]
        args += ["--no-build-isolation"] if has_hatchling else []
    run([*args, str(REPO)], cwd=out_dir, timeout=180)
    (wheel,) = out_dir.glob("zulip_apikey-*.whl")
    return wheel


def files_the_wheel_must_ship() -> list[str]:
    """Non-Python-import data a wheel easily loses: migrations, ``py.typed``, templates, the
    OpenAPI document."""
    required = {"zulip_apikey/migrations/0001_initial.py", "zulip_apikey/py.typed"}
    for pattern in ("migrations/*.py", "templates/**/*", "openapi/*.json"):
        for path in PACKAGE.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                required.add(path.relative_to(REPO).as_posix())
    return sorted(required)


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def create_venv(path: Path) -> Path:
    """A fresh virtualenv of the running interpreter; returns its ``python``."""
    run([sys.executable, "-m", "venv", str(path)], cwd=path.parent, timeout=120)
    return venv_bin(path) / ("python.exe" if os.name == "nt" else "python")


def venv_bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def venv_env(venv: Path) -> dict[str, str]:
    """The environment of a shell with ``venv`` activated, blind to this repository."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"}
    }
    env["PATH"] = os.pathsep.join([str(venv_bin(venv)), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def pip_install(python: Path, *requirements: str, env: dict[str, str]) -> None:
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    run(
        [*pip, "--quiet", *requirements],
        cwd=python.parent,
        env=env,
        timeout=300,
    )


def _add_to_list(source: str, name: str, entry: str, *, first: bool = False) -> str:
    """Add ``entry`` as the last (or first) item of the module-level list ``name = [...]``."""
    pattern = re.compile(rf"^({re.escape(name)} = \[\n)(.*?)(^\]\n)", re.MULTILINE | re.DOTALL)
    item = f"    {entry},\n"
    edited, count = pattern.subn(
        lambda m: m[1] + (item + m[2] if first else m[2] + item) + m[3], source, count=1
    )
    if count != 1:
        raise AssertionError(f"startproject's template has no `{name} = [` list any more")
    return edited


def add_app_as_readme_says(project: Path, package: str) -> None:
    """README "Add it to your project", steps 2 and 3, as plain text edits."""
    settings = project / package / "settings.py"
    text = settings.read_text()
    text = _add_to_list(text, "INSTALLED_APPS", '"zulip_apikey"')
    # First, as the README says: errors raised by any later middleware are JSON too.
    text = _add_to_list(
        text, "MIDDLEWARE", '"zulip_apikey.middleware.JsonErrorHandler"', first=True
    )
    settings.write_text(text + README_SETTINGS)

    urls = project / package / "urls.py"
    text = urls.read_text()
    if "from django.urls import path\n" not in text:
        raise AssertionError("startproject's urls.py no longer imports `path` alone")
    text = text.replace("from django.urls import path\n", "from django.urls import include, path\n")
    urls.write_text(_add_to_list(text, "urlpatterns", 'path("", include("zulip_apikey.urls"))'))
