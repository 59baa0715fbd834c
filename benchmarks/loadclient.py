"""A small asyncio HTTP/1.1 load client: ``C`` clients, each one request at a time.

Run as a separate process (``python -m benchmarks.loadclient``) so that its CPU time is not
the server's. Each request opens its own connection (gunicorn's sync workers close it after
every response anyway). Prints JSON: successes, failures, and each success's latency.
Credentials come from the environment (``BENCH_PASSWORD``, ``BENCH_API_KEY``), never argv.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
from urllib.parse import urlencode


def build_request(kind: str, email: str, port: int) -> bytes:
    host = f"127.0.0.1:{port}"
    if kind == "fetch":
        body = urlencode({"username": email, "password": os.environ["BENCH_PASSWORD"]}).encode()
        head = (
            f"POST /api/v1/fetch_api_key HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body
    credentials = base64.b64encode(f"{email}:{os.environ['BENCH_API_KEY']}".encode()).decode()
    return (
        f"GET /api/v1/users/me HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Basic {credentials}\r\nConnection: close\r\n\r\n"
    ).encode()


async def one_request(port: int, payload: bytes) -> int:
    """The HTTP status of one request on a fresh connection (0 if the connection failed)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0
    try:
        writer.write(payload)
        await writer.drain()
        response = await reader.read()  # the server closes the connection after answering
    except OSError:
        return 0
    finally:
        writer.close()
    status_line = response.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) >= 2 else 0


async def client(
    port: int, payload: bytes, stop_at: float, measure_from: float, out: dict[str, list[float]]
) -> None:
    while (start := time.perf_counter()) < stop_at:
        status = await one_request(port, payload)
        end = time.perf_counter()
        out["all"].append(end - start)
        if not measure_from <= end <= stop_at:
            continue  # completions in the window count: unbiased in the steady state
        if status == 200:
            out["latencies"].append(end - start)
        else:
            out["failures"].append(float(status))


async def run(
    port: int, kind: str, email: str, clients: int, duration: float, warmup: float, total: int
) -> dict[str, object]:
    payload = build_request(kind, email, port)
    out: dict[str, list[float]] = {"latencies": [], "failures": [], "all": []}
    if total:
        # A fixed number of requests (memory section), as fast as ``clients`` allow.
        remaining = [total]

        async def counted() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                start = time.perf_counter()
                status = await one_request(port, payload)
                key = "latencies" if status == 200 else "failures"
                out[key].append(time.perf_counter() - start if status == 200 else float(status))

        started = time.perf_counter()
        await asyncio.gather(*(counted() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    else:
        now = started = time.perf_counter()
        measure_from = now + warmup
        stop_at = measure_from + duration
        await asyncio.gather(
            *(client(port, payload, stop_at, measure_from, out) for _ in range(clients))
        )
        elapsed = duration
    return {
        "elapsed_with_warmup": time.perf_counter() - started,
        "clients": clients,
        "seconds": elapsed,
        "ok": len(out["latencies"]),
        "failed": len(out["failures"]),
        "failure_statuses": sorted({int(s) for s in out["failures"]}),
        "completed_with_warmup": len(out["all"]),
        "latencies": out["latencies"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kind", choices=["fetch", "users_me"], required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--total", type=int, default=0, help="a request count, not a duration")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.port,
            args.kind,
            args.email,
            args.clients,
            args.duration,
            args.warmup,
            args.total,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
