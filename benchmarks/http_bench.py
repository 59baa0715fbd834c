"""Sections 3 and 7: gunicorn on PostgreSQL and Redis, loaded from a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

from benchmarks.stats import percentile
from tests.server_process import free_port

REPO = Path(__file__).resolve().parent.parent


class Gunicorn:
    """``gunicorn example_project.wsgi`` with the benchmark settings, sync workers."""

    def __init__(self, workers: int, env: dict[str, str]) -> None:
        self.workers = workers
        self.port = free_port()
        self.env = env
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "example_project.wsgi:application",
                f"--workers={self.workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{self.port}/api/v1/server_settings"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    pass
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
                continue
            if len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not start within 60 s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        assert self._process is not None
        return [child.pid for child in psutil.Process(self._process.pid).children()]

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        self._log.close()


def load(port: int, env: dict[str, str], kind: str, email: str, **options: Any) -> dict[str, Any]:
    """Run the load client in its own process; its JSON result."""
    args = [f"--{name}={value}" for name, value in options.items()]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.loadclient",
            f"--port={port}",
            f"--kind={kind}",
            f"--email={email}",
            *args,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def throughput(
    env: dict[str, str], email: str, levels: list[int], duration: float
) -> dict[str, Any]:
    """Successful fetches per second at each concurrency, gunicorn with one worker per core."""
    workers = os.cpu_count() or 1
    runs = []
    with Gunicorn(workers, env) as server:
        load(server.port, env, "fetch", email, clients=workers, duration=2, warmup=0.5)
        workers_ = [psutil.Process(pid) for pid in server.worker_pids()]
        for clients in levels:
            cpu_before = sum(sum(w.cpu_times()[:2]) for w in workers_)
            run = load(server.port, env, "fetch", email, clients=clients, duration=duration)
            cpu = sum(sum(w.cpu_times()[:2]) for w in workers_) - cpu_before
            # CPU is the noise-proof part: what a fetch costs the server, whoever else runs.
            run["worker_cpu_per_fetch"] = cpu / max(1, run["completed_with_warmup"])
            run["worker_cpu_share"] = cpu / (run["elapsed_with_warmup"] * workers)
            runs.append(run)
    return {"workers": workers, "runs": runs}


def memory(env: dict[str, str], email: str, warm: int, total: int) -> dict[str, Any]:
    """One worker's RSS after ``warm`` and after ``total`` requests to ``users/me``."""
    with Gunicorn(1, env) as server:
        (pid,) = server.worker_pids()
        worker = psutil.Process(pid)
        first = load(server.port, env, "users_me", email, clients=2, total=warm)
        rss_warm = worker.memory_info().rss
        rest = load(server.port, env, "users_me", email, clients=2, total=total - warm)
        rss_total = worker.memory_info().rss
    latencies = first["latencies"] + rest["latencies"]
    return {
        "warm_requests": warm,
        "total_requests": total,
        "rss_warm": rss_warm,
        "rss_total": rss_total,
        "failed": first["failed"] + rest["failed"],
        "ok": len(latencies),
        "seconds": rest["seconds"],
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }
