"""Throughput and latency of the GraphQL `me` query at 50 concurrent clients, side by side with a
plain Litestar JSON endpoint (`GET /api/me`) returning the same data from the same services.

The server is a real `schoolhub serve` process (one uvicorn worker); the load comes from this
process over loopback, so both share the machine's 2 cores: compare the ratio, not the absolute.

    uv run python bench/me_query.py [--clients 50] [--seconds 10]

Uses DATABASE_URL/REDIS_URL when set (a throw-away database is created on that server), else
embedded services in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from _server import ROOT, free_port, start, stop

ME = "{ me { id login fullName memberships { role school { id code name } } } }"


def _wrk(
    url: str, method: str, token: str, clients: int, seconds: float
) -> tuple[float, float, float]:
    """Run wrk (C load generator, so the Python client does not become the bottleneck)."""
    body = json.dumps({"query": ME}).replace("\\", "\\\\").replace('"', '\\"')
    script = (
        f'wrk.method = "POST"\nwrk.body = "{body}"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        if method == "graphql"
        else ""
    )
    script += f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", f.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    if "Non-2xx" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        assert m is not None, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return rps, ms("50"), ms("99")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _load(url: str, method: str, token: str, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def worker() -> None:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                if method == "graphql":
                    r = await http.post(url, json={"query": ME}, headers=headers)
                    ok = r.status_code == 200 and "errors" not in r.json()
                else:
                    r = await http.get(url, headers=headers)
                    ok = r.status_code == 200
                if not ok:
                    raise RuntimeError(r.text)
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*[worker() for _ in range(clients)])
    return latencies


def _prepare_database() -> tuple[dict[str, str], str | None]:
    owner = os.environ.get("DATABASE_URL")
    if not owner:
        return {"DATABASE_URL": "", "REDIS_URL": ""}, None
    name = f"schoolhub_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", owner, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    parts = urlsplit(owner)
    return {"DATABASE_URL": urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))}, name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    env, created = _prepare_database()
    with tempfile.TemporaryDirectory() as tmp:
        env["SCHOOLHUB_DATA_DIR"] = str(Path(tmp) / "data")
        env["SCHOOLHUB_LOG_LEVEL"] = "WARNING"
        port = free_port()
        proc, _ = start(env, port)
        try:
            subprocess.run(
                [sys.executable, "-m", "schoolhub", "demo-data"],
                cwd=ROOT,
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
            base = f"http://127.0.0.1:{port}"
            login = httpx.post(
                f"{base}/graphql",
                json={
                    "query": 'mutation { login(login: "phuhuynh.hoa", password: "Demo@2026") { accessToken } }'
                },
            ).json()
            token = login["data"]["login"]["accessToken"]
            rows = []
            for name, url in (
                ("graphql me", f"{base}/graphql"),
                ("plain GET /api/me", f"{base}/api/me"),
            ):
                method = "graphql" if name.startswith("graphql") else "plain"
                asyncio.run(_load(url, method, token, 5, 1))  # warm-up and correctness check
                if shutil.which("wrk"):
                    rows.append((name, *_wrk(url, method, token, args.clients, args.seconds)))
                else:
                    lat = asyncio.run(_load(url, method, token, args.clients, args.seconds))
                    rows.append(
                        (
                            name,
                            len(lat) / args.seconds,
                            statistics.median(lat) * 1000,
                            _percentile(lat, 0.99) * 1000,
                        )
                    )
            tool = "wrk -t2" if shutil.which("wrk") else "httpx (install wrk for better figures)"
            print(
                f"{args.clients} concurrent clients, {args.seconds:.0f}s each, 1 uvicorn worker, "
                f"loopback, load: {tool}"
            )
            print(f"{'endpoint':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for name, rps, p50, p99 in rows:
                print(f"{name:<20} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f}")
            print(f"graphql/plain throughput ratio: {rows[0][1] / rows[1][1]:.2f}")
        finally:
            stop(proc)
            if created:
                subprocess.run(
                    [
                        "psql",
                        os.environ["DATABASE_URL"],
                        "-qc",
                        f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)',
                    ],
                    check=False,
                )


if __name__ == "__main__":
    main()
