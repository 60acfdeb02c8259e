"""Roster import end to end: real XLSX files (openpyxl), all-or-nothing, idempotent by student
code, guardians as province-wide phone accounts, the HTTP upload and background jobs."""

from __future__ import annotations

import asyncio
import base64
from datetime import date
from pathlib import Path

import httpx

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.people import jobs
from tests.support import factories
from tests.support import workspace_people as wp
from tests.support.gql import GraphQLClient

YEAR = "2026-2027"


async def _counts(school_id: object) -> dict[str, int]:
    async with db.tenant(school_id):  # type: ignore[arg-type]
        row = await db.fetchrow(
            "SELECT (SELECT count(*) FROM workspace_student) AS students,"
            " (SELECT count(*) FROM workspace_guardian_link) AS links,"
            " (SELECT count(*) FROM workspace_enrolment) AS enrolments,"
            " (SELECT count(*) FROM workspace_class) AS classes,"
            " (SELECT count(*) FROM tenants_membership WHERE role = 'guardian') AS guardians"
        )
    async with db.system():
        users = await db.fetchrow("SELECT count(*) AS n FROM identity_user")
    assert row is not None and users is not None
    return {**{k: int(v) for k, v in row.items()}, "users": int(users["n"])}


async def _run(world: factories.SchoolWorld, path: Path, *, dry_run: bool = False) -> dict:  # type: ignore[type-arg]
    principal = wp.manager(world.school_id, world.user_ids["principal"])
    return await jobs.start_import(
        principal,
        world.school_id,
        content=await asyncio.to_thread(path.read_bytes),
        filename=path.name,
        dry_run=dry_run,
        school_year=YEAR,
    )


async def test_bad_rows_refuse_the_whole_file(app: httpx.AsyncClient, tmp_path: Path) -> None:
    p = await factories.province()
    world = await factories.school(p)
    before = await _counts(world.school_id)
    rows = [
        wp.HEADER,
        wp.roster_row(1),
        (2, "HS-BAD!", "Lê Văn B", "31/02/2014", "Nam", "6A", None, "PH", "Bố", "0912000002", ""),
        wp.roster_row(3),
        (4, "HS00000001", "Trùng Mã", "01/01/2014", "Nữ", "6A", None, None, None, None, None),
        (5, "HS00000005", "", "01/01/2014", "X", "6A", None, "PH", "Bố", "12345", ""),
    ]
    path = wp.write_xlsx(tmp_path / "bad.xlsx", rows)
    job = await _run(world, path)
    assert job["status"] == "rejected" and job["error_code"] == "IMPORT_HAS_ERRORS"
    issues = {(i["line"], i["column"], i["code"]) for i in job["issues"]}
    # Line numbers are physical Excel lines: title (1), header (2), data from line 3.
    assert issues == {
        (4, "Mã học sinh", "BAD_STUDENT_CODE"),
        (4, "Ngày sinh", "BAD_DATE"),
        (6, "Mã học sinh", "DUPLICATE_STUDENT_CODE"),
        (7, "Họ và tên", "MISSING_REQUIRED"),
        (7, "Giới tính", "BAD_GENDER"),
        (7, "SĐT phụ huynh", "BAD_PHONE"),
    }
    assert await _counts(world.school_id) == before  # nothing written, not even row 1


async def test_import_is_idempotent_and_reports_counts(
    app: httpx.AsyncClient, tmp_path: Path
) -> None:
    p = await factories.province()
    world = await factories.school(p)
    before = await _counts(world.school_id)
    rows = [wp.HEADER] + [wp.roster_row(i, klass="6A" if i <= 3 else "7B") for i in range(1, 6)]
    path = wp.write_xlsx(tmp_path / "roster.xlsx", rows)

    first = await _run(world, path)
    assert first["status"] == "succeeded", first
    assert (first["created_count"], first["updated_count"], first["unchanged_count"]) == (5, 0, 0)
    assert first["guardians_created"] == 5
    after_first = await _counts(world.school_id)
    assert after_first["students"] == before["students"] + 5
    assert after_first["users"] == before["users"] + 5
    assert after_first["guardians"] == before["guardians"] + 5
    assert after_first["classes"] == before["classes"] + 1  # 6A (2026-2027) existed; 7B is new

    async with db.tenant(world.school_id):
        await db.execute(
            "UPDATE workspace_guardian_link SET custody_restricted = true WHERE guardian_user_id ="
            " (SELECT id FROM identity_user WHERE phone = '+84900000003')"
        )
    again = await _run(world, path)
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 5)
    assert again["guardians_created"] == 0
    assert await _counts(world.school_id) == after_first

    # A changed name and a class move are updates; the move is kept in the class history.
    rows[1] = wp.roster_row(1, name="Nguyễn Văn Một")
    rows[2] = wp.roster_row(2, klass="7B")
    changed = await _run(world, wp.write_xlsx(tmp_path / "changed.xlsx", rows))
    assert (changed["created_count"], changed["updated_count"], changed["unchanged_count"]) == (
        0,
        2,
        3,
    )
    async with db.tenant(world.school_id):
        moved = await db.fetchrow(
            "SELECT c.name FROM workspace_student s JOIN workspace_class c ON c.id = s.class_id"
            " WHERE s.student_code = 'HS00000002'"
        )
        history = await db.fetch(
            "SELECT e.school_year, c.name FROM workspace_enrolment e"
            " JOIN workspace_class c ON c.id = e.class_id JOIN workspace_student s"
            " ON s.id = e.student_id WHERE s.student_code = 'HS00000002'"
        )
    assert moved is not None and moved["name"] == "7B"
    assert [(h["school_year"], h["name"]) for h in history] == [(YEAR, "7B")]
    async with db.system():
        guardian = await db.fetchrow(
            "SELECT login, password_hash FROM identity_user WHERE phone = '+84900000001'"
        )
    assert guardian == {"login": "84900000001", "password_hash": None}
    async with db.tenant(world.school_id):
        restricted = await db.fetchrow(
            "SELECT custody_restricted FROM workspace_guardian_link WHERE guardian_user_id ="
            " (SELECT id FROM identity_user WHERE phone = '+84900000003')"
        )
    assert restricted == {"custody_restricted": True}  # a re-import never lifts a restriction


async def test_dry_run_counts_without_writing(app: httpx.AsyncClient, tmp_path: Path) -> None:
    p = await factories.province()
    world = await factories.school(p)
    before = await _counts(world.school_id)
    path = wp.write_xlsx(tmp_path / "r.xlsx", [wp.HEADER, wp.roster_row(1), wp.roster_row(2)])
    job = await _run(world, path, dry_run=True)
    assert (job["status"], job["created_count"], job["dry_run"]) == ("succeeded", 2, True)
    assert await _counts(world.school_id) == before


async def test_codes_of_other_schools_are_invisible_and_moves_are_fine(
    app: httpx.AsyncClient, tmp_path: Path
) -> None:
    p = await factories.province()
    a, b = await factories.school(p), await factories.school(p)
    async with db.tenant(b.school_id):
        await ws_repo.insert_student(b.school_id, "HS00000001", "Bên B", None, "male", None)
        b_class = await ws_repo.insert_class(b.school_id, YEAR, "9A", 9, None)
        await db.execute(
            "UPDATE workspace_student SET class_id = $1 WHERE student_code = 'HS00000001'",
            b_class["id"],
        )
    async with db.tenant(a.school_id):
        code = (await db.fetchrow("SELECT student_code FROM workspace_student LIMIT 1") or {})[
            "student_code"
        ]
    path = wp.write_xlsx(
        tmp_path / "r.xlsx",
        [wp.HEADER, wp.roster_row(1), (2, code, "Học sinh 0", "01/01/2014", "Nữ", "8C")],
    )
    job = await _run(a, path)
    assert (job["status"], job["created_count"], job["updated_count"]) == ("succeeded", 1, 1)
    async with db.tenant(b.school_id):
        b_rows = await db.fetch(
            "SELECT full_name, class_id FROM workspace_student WHERE student_code = 'HS00000001'"
        )
    assert b_rows == [{"full_name": "Bên B", "class_id": b_class["id"]}]


async def test_http_upload(app: httpx.AsyncClient, gql: GraphQLClient, tmp_path: Path) -> None:
    p = await factories.province()
    world = await factories.school(p)
    path = wp.write_xlsx(tmp_path / "r.xlsx", [wp.HEADER, wp.roster_row(1)])
    school = ids.encode("School", world.school_id)

    def form(dry: str = "false") -> dict:  # type: ignore[type-arg]
        return {
            "files": {"file": ("r.xlsx", path.read_bytes(), "application/octet-stream")},
            "data": {"schoolId": school, "dryRun": dry},
        }

    anonymous = await app.post("/workspace/imports", **form())
    assert anonymous.status_code == 401
    teacher = await gql.token(world.logins["teacher"])
    denied = await app.post(
        "/workspace/imports", headers={"Authorization": f"Bearer {teacher}"}, **form()
    )
    assert denied.status_code == 403
    token = await gql.token(world.logins["principal"])
    auth = {"Authorization": f"Bearer {token}"}
    dry = await app.post("/workspace/imports", headers=auth, **form("true"))
    assert dry.status_code == 200 and dry.json()["createdCount"] == 1
    real = await app.post("/workspace/imports", headers=auth, **form())
    assert real.status_code == 200, real.text
    assert (real.json()["status"], real.json()["createdCount"]) == ("SUCCEEDED", 1)
    huge = await app.post(
        "/workspace/imports",
        headers=auth,
        files={"file": ("big.csv", b"x" * (jobs.MAX_UPLOAD_BYTES + 100 * 1024), "text/csv")},
        data={"schoolId": school},
    )
    assert huge.status_code == 413


async def test_large_file_runs_in_background_with_progress(
    app: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    p = await factories.province()
    world = await factories.school(p)
    rows = [wp.HEADER[1:]] + [wp.roster_row(i, klass=f"{6 + i % 4}A")[1:] for i in range(1, 701)]
    content = wp.csv_bytes(rows)
    assert len(content) > jobs.INLINE_MAX_BYTES
    token = await gql.token(world.logins["principal"])
    started = await gql.ok(
        'mutation($s: ID!, $c: String!) { importRoster(schoolId: $s, filename: "big.csv",'
        ' contentBase64: $c, schoolYear: "2026-2027") { importJob { id status } errors { code } } }',
        {"s": ids.encode("School", world.school_id), "c": base64.b64encode(content).decode()},
        token,
    )
    job = started["importRoster"]["importJob"]
    assert job["status"] in ("QUEUED", "RUNNING")
    seen = []
    for _ in range(600):
        state = await gql.ok(
            "query($id: ID!) { importJob(id: $id) { status phase processed total createdCount } }",
            {"id": job["id"]},
            token,
        )
        seen.append(state["importJob"])
        if state["importJob"]["status"] not in ("QUEUED", "RUNNING"):
            break
        await asyncio.sleep(0.1)
    final = seen[-1]
    assert final["status"] == "SUCCEEDED", final
    assert (final["createdCount"], final["processed"], final["total"]) == (700, 700, 700)
    assert all(s["processed"] <= s["total"] or s["total"] == 0 for s in seen)
    assert (await _counts(world.school_id))["students"] == 702


async def test_running_job_shows_live_progress_from_redis(
    app: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    """While a job's transaction is open its row cannot show progress; importJob reads Redis."""
    p = await factories.province()
    world = await factories.school(p)
    async with db.tenant(world.school_id):
        job = await db.fetchrow(
            "INSERT INTO workspace_import_job (school_id, school_year, status)"
            " VALUES ($1, $2, 'running') RETURNING id",
            world.school_id,
            YEAR,
        )
    assert job is not None
    await jobs._set_progress(world.school_id, job["id"], 750, 2000, "applying")
    token = await gql.token(world.logins["principal"])
    state = await gql.ok(
        "query($id: ID!) { importJob(id: $id) { status phase processed total } }",
        {"id": ids.encode("ImportJob", job["id"])},
        token,
    )
    assert state["importJob"] == {
        "status": "RUNNING",
        "phase": "applying",
        "processed": 750,
        "total": 2000,
    }


async def test_apply_reports_progress_per_chunk(app: httpx.AsyncClient) -> None:
    from schoolhub.workspace.importing import ImportOptions, parse_roster
    from schoolhub.workspace.people import importer

    p = await factories.province()
    world = await factories.school(p)
    content = wp.csv_bytes([wp.HEADER[1:]] + [wp.roster_row(i)[1:] for i in range(1, 31)])
    result = parse_roster(content, options=ImportOptions(today=date(2026, 9, 1)), filename="r.csv")
    assert result.plan is not None
    calls: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        calls.append((done, total))

    original = importer.CHUNK
    importer.CHUNK = 8
    try:
        async with db.tenant(world.school_id, world.user_ids["principal"]):
            counts = await importer.apply_plan(
                world.school_id, world.user_ids["principal"], result.plan, YEAR, progress=progress
            )
    finally:
        importer.CHUNK = original
    assert calls == [(8, 30), (16, 30), (24, 30), (30, 30)]
    assert counts.created == 30


async def test_graphql_import_returns_coded_issues(
    app: httpx.AsyncClient, gql: GraphQLClient, tmp_path: Path
) -> None:
    p = await factories.province()
    world = await factories.school(p)
    before = await _counts(world.school_id)
    bad = (2, "HS00000002", "Lê Văn B", "01/01/2014", "Nam", "6Z9Q", None, "PH", "Chú", "0912", "")
    path = wp.write_xlsx(tmp_path / "bad.xlsx", [wp.HEADER, wp.roster_row(1), bad])
    token = await gql.token(world.logins["principal"])
    data = await gql.ok(
        'mutation($s: ID!, $c: String!) { importRoster(schoolId: $s, filename: "bad.xlsx",'
        " contentBase64: $c) { importJob { status createdCount issues { line column code } }"
        " errors { code field } } }",
        {
            "s": ids.encode("School", world.school_id),
            "c": base64.b64encode(await asyncio.to_thread(path.read_bytes)).decode(),
        },
        token,
    )
    result = data["importRoster"]
    assert result["errors"] == [{"code": "IMPORT_HAS_ERRORS", "field": "contentBase64"}]
    assert result["importJob"]["status"] == "REJECTED"
    assert result["importJob"]["createdCount"] == 0
    assert {(i["line"], i["column"], i["code"]) for i in result["importJob"]["issues"]} == {
        (4, "Lớp", "BAD_CLASS"),
        (4, "Quan hệ", "BAD_RELATIONSHIP"),
        (4, "SĐT phụ huynh", "BAD_PHONE"),
    }
    assert await _counts(world.school_id) == before
    garbage = await gql.ok(
        'mutation($s: ID!) { importRoster(schoolId: $s, filename: "x.xlsx", contentBase64: "%%%")'
        " { importJob { id } errors { code } } }",
        {"s": ids.encode("School", world.school_id)},
        token,
    )
    assert garbage["importRoster"] == {
        "importJob": None,
        "errors": [{"code": "IMPORT_BAD_CONTENT"}],
    }
