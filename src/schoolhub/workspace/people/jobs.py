"""Import jobs: the lifecycle of one roster upload, with live progress.

``start_import`` records a job row (``queued``) and then either runs it at once (small files: the
caller gets the finished job back) or hands it to an asyncio task in this API process (large files:
the caller gets the queued job and polls ``importJob(id)``). A job:

1. parses and validates the file in a worker thread (``parse_roster``; progress = rows read);
2. rejects the whole file with every row issue (line, column, code) if any row is bad, writing
   nothing else;
3. otherwise applies the plan in ONE tenant transaction (``importer.apply_plan``; progress =
   students applied). A dry run applies it the same way and rolls back, so the reported
   created/updated/unchanged counts are exact;
4. records the outcome on the job row.

Live progress is in Redis (``school:{<school>}:import:<job>``, 1 day), because the job's own
transaction is invisible to readers until it commits. Why not the outbox + SAQ: the file would
have to be stored first (no object storage in this area yet) and SAQ workers are a separate process
in production. Known limit: a job running in an API process that dies stays ``running``; its
writes roll back with the transaction, so re-uploading the file is safe (imports are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform import redis as redis_mod
from schoolhub.platform.errors import DomainError, InvalidInput, NotFound
from schoolhub.platform.principal import MANAGEMENT_ROLES, Principal
from schoolhub.workspace.importing import (
    ImportFileError,
    ImportLimits,
    ImportOptions,
    ImportResult,
    parse_roster,
)
from schoolhub.workspace.people import access, importer
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E
from schoolhub.workspace.people.service import current_school_year

log = logging.getLogger(__name__)

LIMITS = ImportLimits()
MAX_UPLOAD_BYTES = LIMITS.max_bytes
INLINE_MAX_BYTES = 48_000  # above this (roughly 400 XLSX rows) the job runs in the background
PROGRESS_TTL_S = 86_400
JOB_COLUMNS = (
    "id, school_id, created_by, filename, school_year, dry_run, status, total, processed,"
    " created_count, updated_count, unchanged_count, guardians_created, issues, error_code,"
    " created_at, finished_at"
)
_FILE_ERROR_CODES = {
    "FILE_TOO_LARGE": E.IMPORT_FILE_TOO_LARGE,
    "TOO_MANY_ROWS": E.IMPORT_TOO_MANY_ROWS,
    "UNSUPPORTED_FORMAT": E.IMPORT_UNSUPPORTED_FORMAT,
    "BAD_ENCODING": E.IMPORT_BAD_ENCODING,
    "EMPTY_FILE": E.IMPORT_EMPTY_FILE,
    "MISSING_COLUMNS": E.IMPORT_MISSING_COLUMNS,
    "DUPLICATE_COLUMN": E.IMPORT_DUPLICATE_COLUMN,
}
_tasks: set[asyncio.Task[None]] = set()
_YEAR_RE = re.compile(r"^[0-9]{4}-[0-9]{4}$")


class _DryRun(Exception):
    """Raised to roll back a dry run after its counts are known."""


def progress_key(school_id: UUID, job_id: UUID) -> str:
    return f"school:{{{school_id}}}:import:{job_id}"


async def _set_progress(
    school_id: UUID, job_id: UUID, processed: int, total: int, phase: str
) -> None:
    with contextlib.suppress(Exception):  # progress is best effort; the job row is the truth
        client = redis_mod.client()
        key = progress_key(school_id, job_id)
        await client.hset(key, mapping={"processed": processed, "total": total, "phase": phase})
        await client.expire(key, PROGRESS_TTL_S)


async def _finish(school_id: UUID, job_id: UUID, **fields: Any) -> None:
    if "issues" in fields:
        fields["issues"] = json.dumps(fields["issues"])
    sets = ", ".join(
        f"{k} = ${i + 2}{'::jsonb' if k == 'issues' else ''}" for i, k in enumerate(fields)
    )
    async with db.tenant(school_id):
        await db.execute(
            f"UPDATE workspace_import_job SET {sets} WHERE id = $1",  # noqa: S608 (constant SQL)
            job_id,
            *fields.values(),
        )


def _issues(result: ImportResult) -> list[dict[str, Any]]:
    found = [(i, False) for i in result.issues]
    if result.plan is not None:
        found += [(w, True) for w in result.plan.warnings]
    return [
        {
            "line": i.line,
            "column": i.column,
            "code": i.code.value,
            "value": i.value,
            "related_line": i.related_line,
            "warning": warning,
        }
        for i, warning in found
    ]


async def start_import(
    principal: Principal,
    school_id: UUID,
    *,
    content: bytes,
    filename: str,
    dry_run: bool,
    school_year: str | None = None,
    background: bool | None = None,
) -> dict[str, Any]:
    """Record an import job and run it (inline when small, else in the background)."""
    actor = access.require_management(principal, school_id)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput("file too large", code=E.IMPORT_FILE_TOO_LARGE, field="file")
    year = school_year or current_school_year(date.today())
    if not _YEAR_RE.match(year) or int(year[5:]) != int(year[:4]) + 1:
        raise InvalidInput(
            "school year is YYYY-YYYY", code=E.INVALID_SCHOOL_YEAR, field="schoolYear"
        )
    async with db.tenant(school_id, actor):
        job = await db.fetchrow(
            "INSERT INTO workspace_import_job (school_id, created_by, filename, school_year,"  # noqa: S608
            " dry_run)"
            f" VALUES ($1, $2, $3, $4, $5) RETURNING {JOB_COLUMNS}",
            school_id,
            actor,
            filename[-200:],
            year,
            dry_run,
        )
    assert job is not None
    await _set_progress(school_id, job["id"], 0, 0, "queued")
    run = run_job(actor, school_id, job["id"], content, filename, dry_run, year)
    if background if background is not None else len(content) > INLINE_MAX_BYTES:
        _spawn(run)
        return _present(job)
    await run
    return await _job_row(school_id, job["id"])


async def run_job(
    actor: UUID,
    school_id: UUID,
    job_id: UUID,
    content: bytes,
    filename: str,
    dry_run: bool,
    school_year: str,
) -> None:
    """Run one job to its end; never raises (the outcome is on the job row)."""
    loop = asyncio.get_running_loop()

    def on_parse(done: int, total: int | None) -> None:  # called from the parser's thread
        loop.call_soon_threadsafe(
            _spawn, _set_progress(school_id, job_id, done, total or 0, "parsing")
        )

    try:
        await _finish(school_id, job_id, status="running")
        try:
            result = await asyncio.to_thread(
                parse_roster,
                content,
                options=ImportOptions(today=date.today()),
                filename=filename,
                limits=LIMITS,
                progress=on_parse,
            )
        except ImportFileError as exc:
            code = _FILE_ERROR_CODES.get(exc.code, E.IMPORT_BAD_CONTENT)
            await _finish(school_id, job_id, status="rejected", error_code=code, finished_at=_now())
            return
        if result.plan is None:
            await _finish(
                school_id,
                job_id,
                status="rejected",
                error_code=E.IMPORT_HAS_ERRORS,
                total=result.rows_read,
                issues=_issues(result),
                finished_at=_now(),
            )
            return
        plan = result.plan

        async def on_apply(done: int, total: int) -> None:
            await _set_progress(school_id, job_id, done, total, "applying")

        counts = importer.ImportCounts()
        try:
            async with db.tenant(school_id, actor):
                counts = await importer.apply_plan(
                    school_id, actor, plan, school_year, progress=on_apply
                )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        await _finish(
            school_id,
            job_id,
            status="succeeded",
            total=result.rows_read,
            processed=len(plan.students),
            created_count=counts.created,
            updated_count=counts.updated,
            unchanged_count=counts.unchanged,
            guardians_created=counts.guardians_created,
            issues=_issues(result),
            finished_at=_now(),
        )
    except DomainError as exc:
        await _finish(school_id, job_id, status="rejected", error_code=exc.code, finished_at=_now())
    except Exception:
        log.exception("import job %s failed", job_id)
        with contextlib.suppress(Exception):
            await _finish(
                school_id, job_id, status="failed", error_code=E.IMPORT_FAILED, finished_at=_now()
            )
    finally:
        with contextlib.suppress(Exception):
            await redis_mod.client().delete(progress_key(school_id, job_id))


def _spawn(coro: Any) -> None:
    task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _present(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    if isinstance(row["issues"], str):
        row["issues"] = json.loads(row["issues"])
    row["phase"] = row["status"]
    return row


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _job_row(school_id: UUID, job_id: UUID) -> dict[str, Any]:
    async with db.tenant(school_id):
        row = await db.fetchrow(
            f"SELECT {JOB_COLUMNS} FROM workspace_import_job WHERE id = $1",  # noqa: S608 (constant SQL)
            job_id,
        )
    if row is None:
        raise NotFound("import job")
    return _present(row)


async def get_jobs(principal: Principal, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Jobs by id in schools where the caller is principal or vice-principal, with live progress
    from Redis while they run."""
    user_id = principal.require_user()
    found: dict[UUID, dict[str, Any]] = {}
    for school_id in principal.school_ids:
        if not principal.has_school_role(school_id, MANAGEMENT_ROLES):
            continue
        remaining = [i for i in ids if i not in found]
        if not remaining:
            break
        async with db.tenant(school_id, user_id):
            rows = await db.fetch(
                f"SELECT {JOB_COLUMNS} FROM workspace_import_job WHERE id = ANY($1::uuid[])",  # noqa: S608
                remaining,
            )
        for raw in rows:
            row = _present(raw)
            if row["status"] in ("queued", "running"):
                live = await _live(school_id, row["id"])
                if live:
                    row.update(live)
            found[row["id"]] = row
    return found


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _live(school_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    with contextlib.suppress(Exception):
        raw = await redis_mod.client().hgetall(progress_key(school_id, job_id))
        if raw:
            data = {_text(k): _text(v) for k, v in raw.items()}
            return {
                "processed": int(data.get("processed", 0)),
                "total": int(data.get("total", 0)),
                "phase": data.get("phase", "running"),
            }
    return None
