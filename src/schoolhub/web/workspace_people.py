"""HTTP routes of the workspace people area: spreadsheet upload for roster imports.

``POST /workspace/imports`` (multipart/form-data): ``file`` (CSV or XLSX), ``schoolId`` (global
id), optional ``dryRun`` ("true"/"1") and ``schoolYear`` ("2026-2027"). Bearer token required.
Bodies above ``MAX_BODY_BYTES`` are refused with 413 before they are read whole. Answers the
import job as JSON: 200 when it already finished (small files), 202 when it runs in the
background (poll the GraphQL ``importJob(id)`` or ``node(id)``). Errors: ``{"errors": [{"code",
"message", "field"}]}`` with 400 (bad input), 401, 403 or 404 (school not visible).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from schoolhub.graphql import ids
from schoolhub.graphql.context import bearer
from schoolhub.identity import service as identity
from schoolhub.platform.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from schoolhub.workspace.people import jobs

MAX_BODY_BYTES = jobs.MAX_UPLOAD_BYTES + 64 * 1024  # the file plus the form's other parts


def _error(exc: DomainError) -> Response[dict[str, Any]]:
    status = 400
    if isinstance(exc, Unauthenticated):
        status = 401
    elif isinstance(exc, PermissionDenied):
        status = 403
    elif isinstance(exc, NotFound):
        status = 404
    return Response(
        {"errors": [{"code": exc.code, "message": exc.message, "field": exc.field}]},
        status_code=status,
    )


def job_json(row: dict[str, Any]) -> dict[str, Any]:
    issues = row.get("issues") or []
    return {
        "id": ids.encode("ImportJob", row["id"]),
        "status": row["status"].upper(),
        "dryRun": row["dry_run"],
        "schoolYear": row["school_year"],
        "processed": row["processed"],
        "total": row["total"],
        "createdCount": row["created_count"],
        "updatedCount": row["updated_count"],
        "unchangedCount": row["unchanged_count"],
        "guardiansCreated": row["guardians_created"],
        "errorCode": row["error_code"],
        "issues": [
            {
                "line": i["line"],
                "column": i["column"],
                "code": i["code"],
                "value": i["value"],
                "relatedLine": i["related_line"],
            }
            for i in issues
            if not i.get("warning")
        ],
    }


@post("/workspace/imports", request_max_body_size=MAX_BODY_BYTES, status_code=200)
async def upload_roster(
    request: Request[Any, Any, Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[dict[str, Any]]:
    try:
        token = bearer(request.headers.get("authorization"))
        if not token:
            raise Unauthenticated()
        principal = await identity.load_principal(token)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("a file is required", code="BAD_USER_INPUT", field="file")
        school_id = ids.decode(str(data.get("schoolId") or ""), "School", "schoolId")
        dry_run = str(data.get("dryRun", "")).strip().lower() in ("1", "true", "yes")
        school_year = str(data.get("schoolYear") or "").strip() or None
        content = await upload.read()
        row = await jobs.start_import(
            principal,
            school_id,
            content=content,
            filename=upload.filename or "",
            dry_run=dry_run,
            school_year=school_year,
        )
    except DomainError as exc:
        return _error(exc)
    finished = row["status"] not in ("queued", "running")
    return Response(job_json(row), status_code=200 if finished else 202)


ROUTES: list[Any] = [upload_roster]
