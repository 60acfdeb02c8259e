"""Every query of the people area. Callers open the transaction (``db.tenant``) with the school."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.workspace.people.access import StudentScope

STUDENT_COLUMNS = (
    "s.id, s.school_id, s.student_code, s.full_name, s.date_of_birth, s.gender, s.class_id,"
    " s.personal_id, s.user_id, s.created_at, s.name_folded,"
    " c.name AS class_name, c.school_year AS class_school_year, c.homeroom_teacher_id"
)
STUDENT_FROM = "workspace_student s LEFT JOIN workspace_class c ON c.school_id = s.school_id AND c.id = s.class_id"
LINK_COLUMNS = (
    "gl.id, gl.school_id, gl.student_id, gl.guardian_user_id, gl.relationship, gl.is_primary,"
    " gl.custody_restricted, gl.contact_phone, gl.contact_email, gl.contact_note, gl.created_at,"
    " u.full_name AS guardian_name, u.phone AS guardian_phone"
)
LINK_FROM = "workspace_guardian_link gl JOIN identity_user u ON u.id = gl.guardian_user_id"


async def students_page(
    scope: StudentScope,
    *,
    class_id: UUID | None,
    after: tuple[str, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Keyset page ordered by (folded name, id) of the students the scope may see."""
    visible, args = scope.sql(5)
    return await db.fetch(
        f"SELECT {STUDENT_COLUMNS} FROM {STUDENT_FROM}"
        " WHERE s.school_id = $1 AND ($2::uuid IS NULL OR s.class_id = $2)"
        "   AND ($3::text IS NULL OR (s.name_folded, s.id) > ($3, $4::uuid))"
        f"  AND {visible} ORDER BY s.name_folded, s.id LIMIT $9",
        scope.school_id,
        class_id,
        after[0] if after else None,
        after[1] if after else None,
        *args,
        limit,
    )


async def students_by_ids(scope: StudentScope, ids: list[UUID]) -> list[dict[str, Any]]:
    visible, args = scope.sql(3)
    return await db.fetch(
        f"SELECT {STUDENT_COLUMNS} FROM {STUDENT_FROM}"
        f" WHERE s.school_id = $1 AND s.id = ANY($2::uuid[]) AND {visible}",
        scope.school_id,
        ids,
        *args,
    )


async def student(student_id: UUID) -> dict[str, Any] | None:
    """Unfiltered (the caller has checked the role): for updates."""
    return await db.fetchrow(
        f"SELECT {STUDENT_COLUMNS} FROM {STUDENT_FROM} WHERE s.id = $1 FOR UPDATE OF s", student_id
    )


async def students_by_codes(school_id: UUID, codes: list[str]) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, student_code, full_name, date_of_birth, gender, class_id, personal_id"
        " FROM workspace_student WHERE school_id = $1 AND student_code = ANY($2::text[])",
        school_id,
        codes,
    )


async def insert_student(
    school_id: UUID,
    *,
    student_code: str,
    full_name: str,
    date_of_birth: date | None,
    gender: str,
    class_id: UUID | None,
    personal_id: str | None,
) -> dict[str, Any] | None:
    """None when the student code is already used in this school."""
    return await db.fetchrow(
        "INSERT INTO workspace_student (school_id, student_code, full_name, date_of_birth, gender,"
        " class_id, personal_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (school_id, student_code) DO NOTHING RETURNING id",
        school_id,
        student_code,
        full_name,
        date_of_birth,
        gender,
        class_id,
        personal_id,
    )


async def update_student(student_id: UUID, changes: dict[str, Any]) -> None:
    allowed = {"full_name", "date_of_birth", "gender", "class_id", "personal_id"}
    assert set(changes) <= allowed
    if not changes:
        return
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(changes))
    await db.execute(
        f"UPDATE workspace_student SET {sets}, updated_at = now() WHERE id = $1",
        student_id,
        *changes.values(),
    )


async def class_row(class_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, school_id, school_year, name, grade, homeroom_teacher_id FROM workspace_class"
        " WHERE id = $1",
        class_id,
    )


async def upsert_enrolment(
    school_id: UUID, student_id: UUID, class_id: UUID, school_year: str
) -> None:
    await db.execute(
        "INSERT INTO workspace_enrolment (school_id, student_id, class_id, school_year)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (school_id, student_id, school_year)"
        " DO UPDATE SET class_id = EXCLUDED.class_id, updated_at = now()"
        " WHERE workspace_enrolment.class_id IS DISTINCT FROM EXCLUDED.class_id",
        school_id,
        student_id,
        class_id,
        school_year,
    )


async def enrolments_of(student_ids: list[UUID]) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT e.id, e.student_id, e.class_id, e.school_year, c.name AS class_name, c.grade"
        " FROM workspace_enrolment e JOIN workspace_class c"
        "   ON c.school_id = e.school_id AND c.id = e.class_id"
        " WHERE e.student_id = ANY($1::uuid[]) ORDER BY e.student_id, e.school_year",
        student_ids,
    )


async def links_of_students(
    student_ids: list[UUID], only_guardian: UUID | None = None
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {LINK_COLUMNS} FROM {LINK_FROM}"
        " WHERE gl.student_id = ANY($1::uuid[]) AND ($2::uuid IS NULL OR gl.guardian_user_id = $2)"
        " ORDER BY gl.student_id, gl.is_primary DESC, gl.created_at",
        student_ids,
        only_guardian,
    )


async def link(link_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {LINK_COLUMNS}, c.homeroom_teacher_id FROM {LINK_FROM}"
        " JOIN workspace_student s ON s.school_id = gl.school_id AND s.id = gl.student_id"
        " LEFT JOIN workspace_class c ON c.school_id = s.school_id AND c.id = s.class_id"
        " WHERE gl.id = $1 FOR UPDATE OF gl",
        link_id,
    )


async def insert_link(
    school_id: UUID,
    student_id: UUID,
    guardian_user_id: UUID,
    *,
    relationship: str,
    is_primary: bool,
    custody_restricted: bool,
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO workspace_guardian_link (school_id, student_id, guardian_user_id,"
        " relationship, is_primary, custody_restricted) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (school_id, student_id, guardian_user_id) DO NOTHING RETURNING id",
        school_id,
        student_id,
        guardian_user_id,
        relationship,
        is_primary,
        custody_restricted,
    )


async def update_link(link_id: UUID, changes: dict[str, Any]) -> None:
    allowed = {
        "relationship",
        "is_primary",
        "custody_restricted",
        "contact_phone",
        "contact_email",
        "contact_note",
    }
    assert set(changes) <= allowed
    if not changes:
        return
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(changes))
    await db.execute(
        f"UPDATE workspace_guardian_link SET {sets}, updated_at = now() WHERE id = $1",
        link_id,
        *changes.values(),
    )


async def demote_other_primaries(student_id: UUID, keep_link_id: UUID) -> None:
    await db.execute(
        "UPDATE workspace_guardian_link SET is_primary = false, updated_at = now()"
        " WHERE student_id = $1 AND id <> $2 AND is_primary",
        student_id,
        keep_link_id,
    )


async def users_by_phones(phones: list[str]) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, login, full_name, phone FROM identity_user WHERE phone = ANY($1::text[])",
        phones,
    )


async def insert_phone_users(rows: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Create sign-in-by-phone accounts (no password) from ``(login, full_name, phone)``; rows
    whose login or phone already exists are skipped (the caller re-reads by phone)."""
    if not rows:
        return []
    return await db.fetch(
        "INSERT INTO identity_user (login, full_name, phone)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
        " ON CONFLICT DO NOTHING RETURNING id, login, full_name, phone",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
    )


async def grant_guardian_memberships(school_id: UUID, user_ids: list[UUID]) -> int:
    if not user_ids:
        return 0
    result = await db.execute(
        "INSERT INTO tenants_membership (school_id, user_id, role)"
        " SELECT $1, u, 'guardian' FROM unnest($2::uuid[]) AS u"
        " ON CONFLICT (school_id, user_id, role) WHERE revoked_at IS NULL DO NOTHING",
        school_id,
        user_ids,
    )
    return int(result.split()[-1])


async def children_of_guardian(school_id: UUID, guardian_id: UUID) -> list[dict[str, Any]]:
    """The guardian's children in the current school, restricted links excluded."""
    return await db.fetch(
        f"SELECT {STUDENT_COLUMNS} FROM {STUDENT_FROM}"
        " JOIN workspace_guardian_link gl ON gl.school_id = s.school_id AND gl.student_id = s.id"
        " WHERE s.school_id = $1 AND gl.guardian_user_id = $2 AND NOT gl.custody_restricted"
        " ORDER BY s.name_folded, s.id",
        school_id,
        guardian_id,
    )


async def links_by_ids(scope: StudentScope, link_ids: list[UUID]) -> list[dict[str, Any]]:
    """Links of students the scope may see; a non-staff caller only gets their own links."""
    visible, args = scope.sql(4)
    return await db.fetch(
        f"SELECT {LINK_COLUMNS} FROM {LINK_FROM}"
        " JOIN workspace_student s ON s.school_id = gl.school_id AND s.id = gl.student_id"
        " LEFT JOIN workspace_class c ON c.school_id = s.school_id AND c.id = s.class_id"
        " WHERE gl.id = ANY($1::uuid[]) AND ($2::boolean OR gl.guardian_user_id = $3)"
        f" AND {visible}",
        link_ids,
        scope.is_staff,
        scope.user_id,
        *args,
    )
