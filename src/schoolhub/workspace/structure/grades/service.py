"""Recording scores and comments; locking a class's grades; corrections after the lock.

Rules:
* Only the teacher assigned to the class x subject x term, or the principal, records its scores and
  comments. A caller outside the school gets ``NotFound``; a member who may not, ``FORBIDDEN``.
* Values are validated by ``workspace.grading`` (range, one decimal place); a bad value is a coded
  error and nothing is written.
* Once the principal locks a class for a term (học bạ pages are issued from locked data), a change
  needs a correction request (reason, old value, new value) that the principal approves; applying
  it is audit-logged with who asked, who approved, when, old and new value and why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.grades import compute
from schoolhub.workspace.structure.grades import repository as repo
from schoolhub.workspace.structure.setup import repository as setup_repo


@dataclass(frozen=True)
class Assessment:
    student_id: UUID
    subject_id: UUID
    term_id: UUID
    kind: str  # TX | GK | CK
    slot: int
    score: Decimal | None
    rating: str | None  # DAT | CHUA_DAT


@dataclass(frozen=True)
class _Context:
    student: dict[str, Any]
    subject: dict[str, Any]
    locked: bool


async def _context(
    principal: Principal,
    school_id: UUID,
    actor: UUID,
    a_student: UUID,
    subject_id: UUID,
    term_id: UUID,
) -> _Context:
    """Load and authorise: the caller must teach this subject to the student's class this term."""
    student = await repo.student(school_id, a_student)
    if student is None or student["class_id"] is None:
        raise NotFound("student")
    subject = await setup_repo.subject(school_id, subject_id)
    if subject is None:
        raise NotFound("subject")
    term = await setup_repo.term(school_id, term_id)
    if term is None or term["school_year"] != student["school_year"]:
        raise NotFound("term")
    teacher = await setup_repo.assignment_teacher(
        school_id, student["class_id"], subject_id, term_id
    )
    if not access.is_principal(principal, school_id) and teacher != actor:
        raise PermissionDenied("only the teacher assigned to this class and subject")
    locked = await repo.is_locked(school_id, student["class_id"], term_id)
    return _Context(student, subject, locked)


async def record_score(principal: Principal, school_id: UUID, a: Assessment) -> dict[str, Any]:
    """Record (or overwrite, before the lock) one assessment of one student."""
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        ctx = await _context(principal, school_id, actor, a.student_id, a.subject_id, a.term_id)
        rules = compute.rules_for(ctx.student["school_year"], ctx.student["grade"])
        score, rating = compute.check_value(ctx.subject, a.kind, a.slot, a.score, a.rating, rules)
        if ctx.locked:
            raise Conflict(
                "grades of this class and term are locked: request a correction",
                code=E.GRADES_LOCKED,
            )
        key = (a.student_id, a.subject_id, a.term_id, a.kind, a.slot)
        return await repo.upsert_score(school_id, key, score, rating, actor)


async def set_comment(
    principal: Principal,
    school_id: UUID,
    *,
    student_id: UUID,
    subject_id: UUID,
    term_id: UUID,
    body: str,
) -> str:
    """The subject teacher's comment on the student's progress for the term (học bạ field)."""
    actor = access.require_member(principal, school_id)
    body = body.strip()
    if not 1 <= len(body) <= 2000:
        raise InvalidInput("comment must be 1-2000 characters", field="body")
    async with db.tenant(school_id, actor):
        ctx = await _context(principal, school_id, actor, student_id, subject_id, term_id)
        if ctx.locked:
            raise Conflict("grades of this class and term are locked", code=E.GRADES_LOCKED)
        await repo.upsert_comment(school_id, student_id, subject_id, term_id, body, actor)
    return body


async def lock_grades(
    principal: Principal, school_id: UUID, *, class_id: UUID, term_id: UUID
) -> dict[str, Any]:
    """The principal locks a class's grades for a term (idempotent); audited."""
    actor = access.require_principal(principal, school_id)
    async with db.tenant(school_id, actor):
        if await setup_repo.school_class(school_id, class_id) is None:
            raise NotFound("class")
        if await setup_repo.term(school_id, term_id) is None:
            raise NotFound("term")
        row = await repo.insert_lock(school_id, class_id, term_id, actor)
        await audit.record_school(
            school_id,
            "grades.locked",
            actor_user_id=actor,
            target_type="class",
            target_id=str(class_id),
            details={"term": str(term_id)},
        )
    return row


async def request_correction(
    principal: Principal, school_id: UUID, a: Assessment, *, reason: str
) -> dict[str, Any]:
    """Ask to change a locked assessment. The old value is captured now, the change waits."""
    actor = access.require_member(principal, school_id)
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= 1000:
        raise InvalidInput("a reason of 5-1000 characters", code=E.INVALID_REASON, field="reason")
    async with db.tenant(school_id, actor):
        ctx = await _context(principal, school_id, actor, a.student_id, a.subject_id, a.term_id)
        rules = compute.rules_for(ctx.student["school_year"], ctx.student["grade"])
        score, rating = compute.check_value(ctx.subject, a.kind, a.slot, a.score, a.rating, rules)
        if not ctx.locked:
            raise Conflict("not locked: record the score directly", code=E.GRADES_NOT_LOCKED)
        old = await repo.score(school_id, a.student_id, a.subject_id, a.term_id, a.kind, a.slot)
        return await repo.insert_correction(
            school_id,
            {
                "student_id": a.student_id,
                "subject_id": a.subject_id,
                "term_id": a.term_id,
                "kind": a.kind,
                "slot": a.slot,
                "old_value": compute.display(old["score"], old["rating"]) if old else None,
                "new_value": compute.display(score, rating),
                "reason": reason,
                "requested_by": actor,
            },
        )


# --- Correction requests, whatever the grading scheme (TT22 here, TT27 in ``grades.primary``). ---

Applier = Callable[[UUID, dict[str, Any], UUID], Awaitable[str | None]]
"""Writes an approved request's ``new_value`` (inside the caller's transaction) and returns the
value it replaced, in the request's display form (None if nothing was recorded)."""


def assessment_label(request: dict[str, Any]) -> str:
    """``CK1`` / ``TX3`` for TT22; ``CN SUBJECT`` / ``CK1 QUALITY CHAM_CHI`` for TT27."""
    if request.get("scheme", "TT22") == "TT22":
        return f"{request['kind']}{request['slot']}"
    item = f" {request['item']}" if request.get("item") else ""
    return f"{request['period']} {request['kind']}{item}"


async def decide(
    principal: Principal,
    school_id: UUID,
    request_id: UUID,
    *,
    approve: bool,
    scheme: str,
    apply: Applier,
) -> dict[str, Any]:
    """The principal approves (``apply`` writes the new value; audited) or rejects a request of
    ``scheme``. A request of another scheme is not found: each API decides its own kind."""
    actor = access.require_principal(principal, school_id)
    async with db.tenant(school_id, actor):
        request = await repo.correction_for_update(school_id, request_id)
        if request is None or request["scheme"] != scheme:
            raise NotFound("correction request")
        if request["status"] != "pending":
            raise Conflict("already decided", code=E.CORRECTION_NOT_PENDING)
        replaced = await apply(school_id, request, actor) if approve else None
        decided = await repo.decide_correction(
            school_id, request_id, "applied" if approve else "rejected", actor
        )
        await audit.record_school(
            school_id,
            "grades.correction_applied" if approve else "grades.correction_rejected",
            actor_user_id=actor,
            target_type="student",
            target_id=str(request["student_id"]),
            details={
                "request": str(request_id),
                "scheme": scheme,
                "subject": str(request["subject_id"]) if request["subject_id"] else None,
                "term": str(request["term_id"]),
                "assessment": assessment_label(request),
                "old_value": replaced if replaced is not None else request["old_value"],
                "new_value": request["new_value"],
                "reason": request["reason"],
                "requested_by": str(request["requested_by"]),
                "requested_at": request["requested_at"].isoformat(),
                "approved_by": str(actor),
            },
        )
    return decided


async def _apply_tt22(school_id: UUID, request: dict[str, Any], actor: UUID) -> str | None:
    key = (
        request["student_id"],
        request["subject_id"],
        request["term_id"],
        request["kind"],
        request["slot"],
    )
    current = await repo.score(school_id, *key)
    new = request["new_value"]
    score, rating = (None, new) if new in compute.RATINGS else (Decimal(new), None)
    await repo.upsert_score(school_id, key, score, rating, actor)
    return compute.display(current["score"], current["rating"]) if current else None


async def decide_correction(
    principal: Principal, school_id: UUID, request_id: UUID, *, approve: bool
) -> dict[str, Any]:
    """The principal approves (the new value is applied and audited) or rejects a request."""
    return await decide(
        principal, school_id, request_id, approve=approve, scheme="TT22", apply=_apply_tt22
    )


async def list_corrections(
    principal: Principal, school_id: UUID, *, status: str | None, scheme: str = "TT22"
) -> list[dict[str, Any]]:
    """The principal sees every request of ``scheme``; a teacher sees their own; others nothing."""
    actor = access.require_staff(principal, school_id)
    if status is not None and status not in ("pending", "applied", "rejected"):
        raise InvalidInput("unknown status", field="status")
    mine_only = None if access.is_manager(principal, school_id) else actor
    async with db.tenant(school_id, actor):
        return await repo.corrections(school_id, status, mine_only, scheme)
