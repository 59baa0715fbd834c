"""Real server processes for tests that need a client's view over HTTP.

A test gets its own database (a SQLite file, or a fresh PostgreSQL database when
``DATABASE_URL`` points at PostgreSQL), migrates it through ``manage.py``, and starts one or
more ``runserver`` processes on free loopback ports that share it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveDatabase:
    """A database of its own for server processes; ``url`` is a ``DATABASE_URL``."""

    def __init__(self) -> None:
        base = os.environ.get("DATABASE_URL", "")
        self._tmp = tempfile.TemporaryDirectory(prefix="zulip-apikey-live-")
        self._pg_admin_url: str | None = None
        self.name = ""
        if base.startswith(("postgres://", "postgresql://")):
            self.name = f"zulip_apikey_live_{secrets.token_hex(4)}"
            parts = urlsplit(base)
            self._pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
            self._pg_execute(f'CREATE DATABASE "{self.name}"')
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.url = f"sqlite:///{Path(self._tmp.name) / 'live.sqlite3'}"

    def _pg_execute(self, sql: str) -> None:
        import psycopg

        assert self._pg_admin_url is not None
        with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def close(self) -> None:
        if self._pg_admin_url is not None:
            self._pg_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._tmp.cleanup()


class ServerProcess:
    """``manage.py runserver`` (no reloader, threaded) on a free port of 127.0.0.1.

    ``database=None`` leaves ``DATABASE_URL`` alone, for a project with its own ``DATABASES``
    (the end-to-end test's ``startproject`` site).
    """

    def __init__(
        self,
        database: LiveDatabase | None,
        *,
        settings_module: str = "example_project.settings",
        env: dict[str, str] | None = None,
        python: str = sys.executable,
        cwd: Path = REPO,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.python = python
        self.cwd = cwd
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DJANGO_DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
            # A Redis (REDIS_URL) outlives the test: its own key space keeps rate-limit counts
            # from other runs away. Pass one CACHE_KEY_PREFIX in env to make servers share.
            "CACHE_KEY_PREFIX": f"zulip-apikey-live-{secrets.token_hex(8)}",
            **({"DATABASE_URL": database.url} if database is not None else {}),
            **(env or {}),
        }
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self._process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        """Run a ``manage.py`` command against the same settings and database."""
        result = subprocess.run(
            [self.python, "manage.py", *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, timeout: float = 60.0) -> ServerProcess:
        self._process = subprocess.Popen(
            [self.python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v1/server_settings", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
