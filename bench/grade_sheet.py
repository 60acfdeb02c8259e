"""The class grade sheet (gradeSheet) for 45 students x 12 subjects at 50 concurrent clients.

A real `schoolhub serve` process (one uvicorn worker) on embedded PostgreSQL and Redis (or
DATABASE_URL/REDIS_URL when set); the data is seeded in this process through the real services:
one school, class 6A with 45 students, 12 subjects (11 scored, 1 comment) taught in both terms,
every assessment of HK1 and HK2 recorded, so the HK2 sheet computes term and year averages.
Prints req/s, p50/p99 latency (wrk) and the SQL statements one sheet costs (DB.query_count delta
around the service call, the same code path the resolver runs). The sheet's computed cells are
cached per process until the school's grade generation changes, so the wrk figures are cache hits;
the bench also times the sheet right after a recordScore (a cache miss), sequentially.

    uv run python bench/grade_sheet.py [--clients 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from _server import ROOT, free_port, start, stop

sys.path.insert(0, str(ROOT))

STUDENTS = 45
SUBJECTS = 12
QUERY = (
    "query($s: ID!, $c: ID!, $t: ID!) { gradeSheet(schoolId: $s, classId: $c, termId: $t) {"
    " className locked subjects { id code regularAssessments } rows { studentCode fullName cells {"
    " subjectId regular midterm final termAverage termRating missing"
    " yearAverage yearRating } } } }"
)
RECORD = (
    "mutation($s: ID!, $i: ScoreInput!) { recordScore(schoolId: $s, input: $i)"
    " { errors { code message } } }"
)


async def _seed(
    app_dsn: str,
) -> tuple[dict[str, str], dict[str, Any], str, tuple[int, int]]:
    """Seed the school; return the query variables, a recordScore's variables, the principal's
    login and the SQL statements of one sheet (computed, then from the cache)."""
    from schoolhub.graphql import ids
    from schoolhub.platform import db
    from schoolhub.platform.db import DB
    from schoolhub.workspace.structure.grades import sheet
    from schoolhub.workspace.structure.setup import service as setup
    from tests.support import factories
    from tests.support import workspace_structure as ws

    DB.configure(app_dsn)
    await DB.start(min_size=1, max_size=4)
    try:
        p = await factories.province()
        s = await ws.structure(p, await factories.school(p))
        boss = ws.as_role(s.world, "principal")
        sid = s.world.school_id
        subjects = [s.math, s.literature, s.pe]
        for i in range(SUBJECTS - 3):
            row = await setup.create_subject(
                boss, sid, code=f"MON_{i}", name=f"Môn {i}", kind="scored", periods_per_year=70
            )
            subjects.append(row["id"])
            for term in (s.hk1, s.hk2):
                await setup.assign_teacher(
                    boss,
                    sid,
                    class_id=s.world.class_id,
                    subject_id=row["id"],
                    term_id=term,  # type: ignore[arg-type]
                    teacher_id=s.world.user_ids["teacher"],
                )
        students = s.world.student_ids + await ws.add_students(s, STUDENTS - 2)
        all_subjects = {x["id"]: x for x in await setup.list_subjects(boss, sid)}
        rows: list[tuple[UUID, UUID, UUID, str, int, Decimal | None, str | None]] = []
        for term in (s.hk1, s.hk2):
            for st in students:
                for subject_id in subjects:
                    subject = all_subjects[subject_id]
                    n = setup.regular_assessments(subject)
                    slots = [("TX", i) for i in range(1, n + 1)] + [("GK", 1), ("CK", 1)]
                    for k, slot in slots:
                        if subject["kind"] == "comment":
                            rows.append((st, subject_id, term, k, slot, None, "DAT"))
                        else:
                            value = Decimal(5 + (hash((st, subject_id, k, slot)) % 50) / 10)
                            rows.append((st, subject_id, term, k, slot, value, None))
        async with db.tenant(sid):
            await db.execute(
                "INSERT INTO workspace_score (school_id, student_id, subject_id, term_id, kind,"
                " slot, score, rating, recorded_by) SELECT $1, k.a, k.b, k.c, k.d, k.e, k.f, k.g, $2"
                " FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::int[],"
                " $8::numeric[], $9::text[]) AS k(a, b, c, d, e, f, g)",
                sid,
                s.world.user_ids["principal"],
                *[list(col) for col in zip(*rows, strict=True)],
            )
        sheet.CACHE.clear()
        before = DB.query_count
        data = await sheet.grade_sheet(boss, sid, class_id=s.world.class_id, term_id=s.hk2)  # type: ignore[arg-type]
        per_sheet = DB.query_count - before
        before = DB.query_count
        await sheet.grade_sheet(boss, sid, class_id=s.world.class_id, term_id=s.hk2)  # type: ignore[arg-type]
        per_hit = DB.query_count - before
        assert len(data.rows) == STUDENTS and len(data.subjects) == SUBJECTS
        assert all(c.year is not None and not c.year.missing for r in data.rows for c in r.cells)
        variables = {
            "s": ids.encode("School", sid),
            "c": ids.encode("SchoolClass", s.world.class_id),  # type: ignore[arg-type]
            "t": ids.encode("Term", s.hk2),
        }
        write = {
            "s": variables["s"],
            "i": {
                "studentId": ids.encode("Student", students[0]),
                "subjectId": ids.encode("Subject", s.math),
                "termId": variables["t"],
                "kind": "GK",
                "slot": 1,
            },
        }
        return variables, write, s.world.logins["principal"], (per_sheet, per_hit)
    finally:
        await DB.stop()


def _wrk(
    url: str, body: str, token: str, clients: int, seconds: float
) -> tuple[float, float, float]:
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    script = (
        f'wrk.method = "POST"\nwrk.body = "{escaped}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "60s",
            "--latency",
            "-s",
            f.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    if "Non-2xx" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m is not None, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return rps, ms("50"), ms("99")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    from schoolhub.platform.embedded import ensure_services
    from schoolhub.platform.settings import derive_app_dsn

    with tempfile.TemporaryDirectory() as tmp:
        owner = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        services = ensure_services(Path(tmp) / "data", postgres=not owner, redis=not redis_url)
        if owner:
            raise SystemExit("run without DATABASE_URL: this bench creates its own database")
        env = {
            "DATABASE_URL": services.database_url or "",
            "REDIS_URL": redis_url or services.redis_url or "",
            "SCHOOLHUB_DATA_DIR": str(Path(tmp) / "data"),
            "SCHOOLHUB_LOG_LEVEL": "WARNING",
        }
        port = free_port()
        proc, _ = start(env, port)
        try:
            variables, write, login, (per_miss, per_hit) = asyncio.run(
                _seed(derive_app_dsn(env["DATABASE_URL"]))
            )
            base = f"http://127.0.0.1:{port}/graphql"
            token = httpx.post(
                base,
                json={
                    "query": 'mutation($l: String!) { login(login: $l, password: "Secret@123")'
                    " { accessToken } }",
                    "variables": {"l": login},
                },
            ).json()["data"]["login"]["accessToken"]
            body = json.dumps({"query": QUERY, "variables": variables})
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            check = httpx.post(base, content=body, headers=headers, timeout=30).json()
            assert "errors" not in check, check
            size = len(json.dumps(check))
            single = []
            with httpx.Client(timeout=30) as http:
                for _ in range(10):
                    t0 = time.perf_counter()
                    http.post(base, content=body, headers=headers)
                    single.append((time.perf_counter() - t0) * 1000)
            # a teacher's reality: a score is recorded, then the sheet reloads (the cache misses)
            after_write = []
            with httpx.Client(timeout=30) as http:
                for i in range(10):
                    write["i"]["score"] = str(5 + i % 5)
                    saved = http.post(
                        base, json={"query": RECORD, "variables": write}, headers=headers
                    ).json()
                    assert not saved["data"]["recordScore"]["errors"], saved
                    t0 = time.perf_counter()
                    http.post(base, content=body, headers=headers)
                    after_write.append((time.perf_counter() - t0) * 1000)
            rps, p50, p99 = _wrk(base, body, token, args.clients, args.seconds)
            print(
                f"gradeSheet: {STUDENTS} students x {SUBJECTS} subjects (HK2, term + year averages),"
                f" response {size / 1024:.0f} KiB; {args.clients} concurrent clients, "
                f"{args.seconds:.0f}s, 1 uvicorn worker, loopback, load: wrk -t2"
            )
            print(f"{'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL/request':>12}")
            print(f"{rps:>8.1f} {p50:>8.1f} {p99:>8.1f} {per_hit:>12}")
            print(
                f"one client, sequential: median {statistics.median(single):.0f} ms"
                f" (min {min(single):.0f} ms); right after a recordScore (cache miss, {per_miss}"
                f" SQL): median {statistics.median(after_write):.0f} ms; load average"
                f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
        finally:
            stop(proc)
            services.stop()


if __name__ == "__main__":
    main()
