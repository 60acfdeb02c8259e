"""VNPay IPN handling and payment-intent creation against a real `schoolhub serve` process.

1. IPN: N distinct pending intents, each credited by one signed IPN, sent by 100 concurrent
   clients; then the same N again (all replays -> 02). Side by side with the ceiling: a bare
   Litestar endpoint (same uvicorn, same asyncpg) that only checks the signature and runs one
   UPDATE in a tenant transaction.
2. A guardian with three children in two schools: `myOutstandingInvoices` and one
   `createPaymentIntent` per school (each then canceled, not timed), sequentially.

    uv run python bench/ipn.py [--intents 2000] [--clients 100]

The load comes from this process over loopback (httpx), sharing the machine's cores with the
server: compare the ratio, not the absolute figures. Embedded PostgreSQL/Redis unless
DATABASE_URL/REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _server import free_port, stop  # noqa: E402


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`schoolhub serve` with its output in `log` (so a crash under load can be read)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "schoolhub", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not become ready")


CEILING_SQL = "UPDATE payments_intent SET vnp_response_code = '00' WHERE txn_ref = $1"


def ceiling_app(dsn: str, school_id: str, secret: str) -> Any:
    """Signature check + one UPDATE: the floor of what an IPN handler must do."""
    import asyncpg
    from litestar import Litestar, Request, get

    from schoolhub.payments.vnpay import ipn_reply, verify_params

    pool: dict[str, Any] = {}

    async def startup() -> None:
        pool["p"] = await asyncpg.create_pool(dsn, min_size=2, max_size=20)

    @get("/ipn")
    async def ipn(request: Request[Any, Any, Any]) -> dict[str, str]:
        query = dict(request.query_params)
        if not verify_params(query, secret):
            return ipn_reply("97")
        async with pool["p"].acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.school_id', $1, true)", school_id)
            await conn.execute(CEILING_SQL, query["vnp_TxnRef"])
        return ipn_reply("00")

    return Litestar(route_handlers=[ipn], on_startup=[startup])


def run_ceiling(port: int) -> None:
    import uvicorn

    app = ceiling_app(
        os.environ["BENCH_DSN"], os.environ["BENCH_SCHOOL"], os.environ["BENCH_SECRET"]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def fire(
    url: str, queries: list[dict[str, str]], clients: int
) -> tuple[float, list[float], dict[str, int]]:
    latencies: list[float] = []
    codes: dict[str, int] = {}
    pending = list(queries)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def worker() -> None:
            while pending:
                query = pending.pop()
                t0 = time.perf_counter()
                try:
                    r = await http.get(url, params=query)
                    code = r.json()["RspCode"]
                except (httpx.HTTPError, ValueError) as exc:
                    code = type(exc).__name__
                latencies.append(time.perf_counter() - t0)
                codes[code] = codes.get(code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(queries) / elapsed, latencies, codes


async def bench(args: argparse.Namespace) -> None:
    import asyncpg

    from schoolhub.migrations.runner import apply_all
    from schoolhub.platform import db
    from schoolhub.platform.settings import Settings, set_current
    from tests.support import factories
    from tests.support import payments as pay
    from tests.support.services import resolve, with_database

    tmp = Path(tempfile.mkdtemp(prefix="schoolhub-bench-ipn-"))
    maintenance, redis_url, handles = resolve(tmp / "services")
    name = f"schoolhub_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(maintenance)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    owner = with_database(maintenance, name)
    await apply_all(owner)
    key = "1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    os.environ["SCHOOLHUB_SECRETS_KEY"] = key
    settings = Settings(data_dir=tmp / "data", database_url=owner, redis_url=redis_url)
    set_current(settings)
    db.DB.configure(settings.app_dsn)
    await db.DB.start(max_size=10)
    env = {
        "DATABASE_URL": owner,
        "REDIS_URL": redis_url,
        "SCHOOLHUB_DATA_DIR": str(tmp / "data"),
        "SCHOOLHUB_SECRETS_KEY": key,
        "SCHOOLHUB_LOG_LEVEL": "WARNING",
    }
    port, ceiling_port = free_port(), free_port()
    log = tmp / "server.log"
    proc = start(env, port, log)
    ceiling = None
    try:
        fam = await pay.family()
        school = fam.a.school_id
        async with db.tenant(school):
            await db.execute(
                "INSERT INTO payments_invoice (school_id, student_id, number, period, due_date,"
                " total_vnd) SELECT $1, $2, 'BENCH-' || g, 'B' || g, current_date, 1000"
                " FROM generate_series(1, $3) g",
                school,
                fam.a.student_ids[0],
                args.intents,
            )
            await db.execute(
                "WITH i AS (SELECT id, period FROM payments_invoice WHERE period LIKE 'B%'),"
                " p AS (INSERT INTO payments_intent (school_id, guardian_user_id, amount_vnd,"
                " txn_ref, vnp_create_date, expires_at) SELECT $1, $2, 1000, 'BENCH' || i.period,"
                " '20260905093000', now() + interval '1 hour' FROM i RETURNING id, txn_ref)"
                " INSERT INTO payments_intent_invoice (school_id, intent_id, invoice_id, amount_vnd)"
                " SELECT $1, p.id, i.id, 1000 FROM p JOIN i ON p.txn_ref = 'BENCH' || i.period",
                school,
                fam.guardian_id,
            )
        queries = [pay.ipn_params(fam.a, f"BENCHB{n}", 1000) for n in range(1, args.intents + 1)]
        base = f"http://127.0.0.1:{port}"
        await fire(f"{base}/payments/vnpay/ipn", queries[:50], 10)  # warm-up (credits 50)
        rows = []
        rps, lat, codes = await fire(f"{base}/payments/vnpay/ipn", queries[50:], args.clients)
        rows.append(("IPN first delivery (credit)", rps, lat, codes))
        rps, lat, codes = await fire(f"{base}/payments/vnpay/ipn", queries, args.clients)
        rows.append(("IPN replay (02)", rps, lat, codes))
        ceiling = subprocess.Popen(  # noqa: ASYNC220  (a benchmark; the loop has nothing else to do)
            [sys.executable, __file__, "--ceiling", str(ceiling_port)],
            env={
                **os.environ,
                "BENCH_DSN": settings.app_dsn,
                "BENCH_SCHOOL": str(school),
                "BENCH_SECRET": pay.secret_for(fam.a),
            },
        )
        for _ in range(200):
            try:
                async with httpx.AsyncClient(timeout=1) as probe:
                    await probe.get(f"http://127.0.0.1:{ceiling_port}/ipn")
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
        await fire(f"http://127.0.0.1:{ceiling_port}/ipn", queries[:50], 10)
        rps, lat, codes = await fire(f"http://127.0.0.1:{ceiling_port}/ipn", queries, args.clients)
        rows.append(("ceiling: verify + 1 UPDATE", rps, lat, codes))
        print(f"{args.intents} IPNs, {args.clients} concurrent clients, 1 uvicorn worker, loopback")
        print(f"{'case':<30} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  replies")
        for label, rps, lat, codes in rows:
            print(f"{label:<30} {rps:>7.0f} {pct(lat, 0.5):>8.1f} {pct(lat, 0.99):>8.1f}  {codes}")
        print(f"IPN credit / ceiling throughput: {rows[0][1] / rows[2][1]:.2f}")
        async with db.tenant(school):
            credited = await db.fetchrow(
                "SELECT count(*) AS n FROM payments_notification WHERE credited"
            )
        assert credited is not None
        print(f"credited notifications: {credited['n']} (expected {args.intents})")
        await pay.assert_credit_invariant()

        # Intent creation: a guardian with three children in two schools.
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            login = await http.post(
                "/graphql",
                json={
                    "query": "mutation($l: String!, $p: String!) { login(login: $l, password: $p)"
                    " { accessToken } }",
                    "variables": {"l": fam.guardian_login, "p": factories.PASSWORD},
                },
            )
            headers = {"Authorization": f"Bearer {login.json()['data']['login']['accessToken']}"}

            async def gql(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
                r = await http.post(
                    "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
                )
                body: dict[str, Any] = r.json()
                assert not body.get("errors"), body
                return body["data"]

            outstanding_q = "{ myOutstandingInvoices { id school { code } } }"
            t_list: list[float] = []
            t_create: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                invoices = (await gql(outstanding_q))["myOutstandingInvoices"]
                t_list.append(time.perf_counter() - t0)
                real = [i for i in invoices if i["school"]["code"] in (fam.a.code, fam.b.code)]
                for code in (fam.a.code, fam.b.code):
                    chosen = [i["id"] for i in real if i["school"]["code"] == code]
                    t0 = time.perf_counter()
                    made = await gql(
                        "mutation($i: [ID!]!) { createPaymentIntent(invoiceIds: $i) {"
                        " paymentIntent { id } paymentUrl errors { code } } }",
                        {"i": chosen},
                    )
                    t_create.append(time.perf_counter() - t0)
                    result = made["createPaymentIntent"]
                    assert result["errors"] == [], result
                    await gql(
                        "mutation($p: ID!) { cancelPaymentIntent(paymentIntentId: $p)"
                        " { errors { code } } }",
                        {"p": result["paymentIntent"]["id"]},
                    )
            print("guardian with 3 children in 2 schools (2 in A, 1 in B), sequential calls:")
            print(
                f"  myOutstandingInvoices   p50 {pct(t_list, 0.5):6.1f} ms  p99 {pct(t_list, 0.99):6.1f} ms"
                f"  ({args.rounds} calls, {len(invoices)} invoices listed)"
            )
            print(
                f"  createPaymentIntent     p50 {pct(t_create, 0.5):6.1f} ms  p99 {pct(t_create, 0.99):6.1f} ms"
                f"  ({len(t_create)} intents, one per school per round)"
            )
            print(f"  mean create: {statistics.mean(t_create) * 1000:.1f} ms")
    except BaseException:
        print(log.read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        if ceiling is not None:
            ceiling.terminate()
            ceiling.wait(timeout=30)
        stop(proc)
        await db.DB.stop()
        conn = await asyncpg.connect(maintenance)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        handles.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--intents", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--ceiling", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ceiling:
        run_ceiling(args.ceiling)
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
