"""Run every benchmark on this machine and rewrite benchmarks/REPORT.md and its charts.

    python benchmarks/run.py [--quick]

Uses PostgreSQL and Redis at ``DATABASE_URL`` / ``REDIS_URL`` (or, when unset, the local
defaults ``postgres://postgres@127.0.0.1:5432/postgres`` and ``redis://127.0.0.1:6379/0``):
a benchmark database is created and dropped, and Redis keys live under a prefix of their own
that is deleted afterwards. slapd is started and stopped by the LDAP section. A section whose
service is missing is skipped, and the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: make `benchmarks` and `tests` importable

from benchmarks import fixtures, report  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
KEY_ALPHABET = string.ascii_letters + string.digits  # Zulip's API key format
#: The last full run's measurements, from which --report-only rewrites the report.
RESULTS = REPO / "benchmarks" / "results.json"


def postgres_reason(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None."""
    if not url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL is not a PostgreSQL URL"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as e:  # ImportError, OperationalError, ...
        return f"PostgreSQL unavailable ({type(e).__name__})"


def redis_reason(url: str) -> str | None:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as e:
        return f"Redis unavailable ({type(e).__name__})"
    return None


def ldap_reason() -> str | None:
    from tests.ldap_server import ldap_unavailable_reason

    return ldap_unavailable_reason()


class BenchDatabase:
    """A PostgreSQL database of the benchmark's own, or a SQLite file when there is none."""

    def __init__(self, pg_url: str | None, tmp: Path) -> None:
        self.admin_url: str | None = None
        self.name = f"zulip_apikey_bench_{secrets.token_hex(4)}"
        if pg_url is None:
            self.url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            return
        parts = urlsplit(pg_url)
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self._execute(f'CREATE DATABASE "{self.name}"')
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _execute(self, sql: str) -> None:
        import psycopg

        assert self.admin_url is not None
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.encode())

    def drop(self) -> None:
        if self.admin_url is not None:
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def delete_redis_prefix(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def run_module(module: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """``python -m module OUT.json args``: each section in a fresh process, its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [sys.executable, "-m", module, out.name, *args], cwd=REPO, env=env, check=True
        )
        loaded: dict[str, Any] = json.loads(Path(out.name).read_text(encoding="utf-8"))
        return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke test")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help=f"rewrite the report from the last run's {RESULTS.name}, measuring nothing",
    )
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(RESULTS.read_text(encoding="utf-8"))
        print(f"wrote {report.write(saved, RESULTS.parent).relative_to(REPO)}")
        return
    quick = ["--quick"] if args.quick else []
    started = time.monotonic()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    skipped: dict[str, str] = {}
    pg_missing = postgres_reason(database_url)
    redis_missing = redis_reason(redis_url)
    ldap_missing = ldap_reason()
    prefix = f"zulip-apikey-bench-{secrets.token_hex(4)}"
    tmp = tempfile.TemporaryDirectory(prefix="zulip-apikey-bench-")
    database = BenchDatabase(None if pg_missing else database_url, Path(tmp.name))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": database.url,
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "false",
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Random per run; only ever passed through the environment, never printed.
        "BENCH_PASSWORD": f"bench-{secrets.token_urlsafe(12)}",
        "BENCH_API_KEY": "".join(secrets.choice(KEY_ALPHABET) for _ in range(32)),
    }
    env.pop("REDIS_URL", None)
    if redis_missing is None:
        env["REDIS_URL"] = redis_url
    env.pop("LDAP_SERVER_URI", None)  # the LDAP section points at its own slapd

    results: dict[str, Any] = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "loadavg_before": os.getloadavg(),
            "quick": args.quick,
            "database": "PostgreSQL" if pg_missing is None else "SQLite (" + pg_missing + ")",
            "cache": "Redis" if redis_missing is None else f"local memory ({redis_missing})",
            "versions": versions(),
        }
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            check=True,
        )
        print("in process: logins, timing, users/me, limiter ...", flush=True)
        results["inprocess"] = run_module("benchmarks.inprocess", env, *quick)
        if ldap_missing is None:
            print("LDAP ...", flush=True)
            results["ldap"] = run_module("benchmarks.ldap_bench", env, *quick)
        else:
            skipped["ldap"] = ldap_missing
        http_missing = pg_missing or redis_missing
        if not gunicorn_importable():
            http_missing = "gunicorn is not installed (dependency group 'bench')"
        if http_missing is None:
            from benchmarks import http_bench

            print("HTTP throughput (gunicorn) ...", flush=True)
            results["http"] = http_bench.throughput(
                env, fixtures.ARGON2_EMAIL, [1, 2, 4, 8], duration=5.0 if quick else 12.0
            )
            print("memory ...", flush=True)
            total = 2_000 if quick else 10_000
            results["memory"] = http_bench.memory(env, fixtures.ARGON2_EMAIL, 100, total)
        else:
            skipped["http"] = skipped["memory"] = http_missing
    finally:
        database.drop()
        if redis_missing is None:
            delete_redis_prefix(redis_url, prefix)
        tmp.cleanup()
    results["meta"]["loadavg_after"] = os.getloadavg()
    results["meta"]["seconds"] = time.monotonic() - started
    results["skipped"] = skipped
    if not args.quick:
        RESULTS.write_text(json.dumps(results), encoding="utf-8")
    path = report.write(results, REPO / "benchmarks")
    print(f"wrote {path.relative_to(REPO)} in {results['meta']['seconds']:.0f} s")


def gunicorn_importable() -> bool:
    import importlib.util

    return importlib.util.find_spec("gunicorn") is not None


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("django", "djangorestframework", "argon2-cffi", "gunicorn", "psycopg", "redis"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "-"
    return found


if __name__ == "__main__":
    main()
