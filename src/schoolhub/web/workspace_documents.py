"""HTTP routes of the documents area: file upload and signed, expiring file downloads.

``GET /files/{token}``: the token (see ``platform.storage``) names a key and the school (or office)
it was issued for; the caller must also send a Bearer token and belong to that school (or office).
An office meeting's recording is further limited to the people its recordings are listed to
(``schoolhub.realtime.recordings.may_download``).
Anything forged, expired, or for another school is the same 404, with no hint which it was.

``POST /files?schoolId=<id>`` (or ``orgUnitId``), raw body, ``X-Filename`` header (URL-encoded):
validated (20 MB, pdf/docx/xlsx/jpg/png by content) before anything is written; answers the key to
attach with ``createDocument`` / ``sendOfficeDocument``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Stream

from schoolhub.graphql import ids
from schoolhub.graphql.context import bearer
from schoolhub.identity import service as identity
from schoolhub.platform import storage
from schoolhub.platform.errors import DomainError, NotFound, Unauthenticated
from schoolhub.platform.principal import Principal
from schoolhub.realtime import recordings
from schoolhub.workspace.documents import office
from schoolhub.workspace.documents import service as documents


def _error(exc: DomainError, status: int) -> Response[dict[str, Any]]:
    return Response(
        {"error": {"code": exc.code, "message": exc.message}},
        status_code=status,
        headers={"Cache-Control": "private, no-store"},
    )


def _status(exc: DomainError) -> int:
    return {
        "UNAUTHENTICATED": 401,
        "NOT_FOUND": 404,
        "FORBIDDEN": 403,
        "FILE_TOO_LARGE": 413,
        "FILE_TYPE_NOT_ALLOWED": 415,
    }.get(exc.code, 400)


async def _principal(request: Request[Any, Any, State]) -> Principal:
    token = bearer(request.headers.get("authorization"))
    if not token:
        raise Unauthenticated()
    return await identity.load_principal(token)


async def _allowed(principal: Principal, ref: storage.SignedRef) -> bool:
    kind, owner = storage.stored_key_owner(ref.key)
    if recordings.is_office_recording(ref.key):
        # An office meeting's recording: a link issued for its office, and the caller is one of
        # the people its recordings are shown to (host, co-hosts, the office's admins).
        return ref.org_unit_id == owner and await recordings.may_download(principal, ref.key)
    if ref.school_id is not None:
        # A school's link: its own files, or an office file it received (the signer checked that).
        return principal.is_member(ref.school_id) and (kind == "office" or owner == ref.school_id)
    assert ref.org_unit_id is not None
    return (
        kind == "office"
        and owner == ref.org_unit_id
        and office.can_link_office_file(principal, ref.org_unit_id)
    )


@get("/files/{token:str}", include_in_schema=False)
async def download(request: Request[Any, Any, State], token: str) -> Response[Any]:
    try:
        principal = await _principal(request)
        store = storage.get_storage()
        ref = store.verify(token)
        if not await _allowed(principal, ref) or not await store.exists(ref.key):
            raise NotFound("file")
    except DomainError as exc:
        return _error(exc, _status(exc))
    ext = ref.key.rsplit(".", 1)[-1]

    async def body() -> AsyncIterator[bytes]:
        async for chunk in store.open(ref.key):
            yield chunk

    return Stream(
        body(),
        media_type=storage.CONTENT_TYPES[ext],
        headers={
            "Content-Disposition": f"attachment; filename=file.{ext}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@post("/files", include_in_schema=False, request_max_body_size=None, status_code=201)
async def upload(request: Request[Any, Any, State]) -> Response[dict[str, Any]]:
    try:
        principal = await _principal(request)
        filename = unquote(request.headers.get("x-filename", ""))
        school_raw = request.query_params.get("schoolId")
        office_raw = request.query_params.get("orgUnitId")
        data = bytearray()
        async for chunk in request.stream():
            data.extend(chunk)
            if len(data) > storage.MAX_BYTES:
                raise storage.FileError("file is larger than 20 MB", code="FILE_TOO_LARGE")
        if school_raw:
            school = ids.decode(school_raw, "School", "schoolId")
            stored = await documents.upload_school_file(principal, school, filename, bytes(data))
        elif office_raw:
            unit = ids.decode(office_raw, "OrgUnit", "orgUnitId")
            stored = await documents.upload_office_file(principal, unit, filename, bytes(data))
        else:
            raise NotFound("school")
    except DomainError as exc:
        return _error(exc, _status(exc))
    return Response(
        {
            "key": stored.key,
            "filename": stored.filename,
            "contentType": stored.content_type,
            "size": stored.size,
        },
        status_code=201,
    )


ROUTES: list[Any] = [download, upload]
