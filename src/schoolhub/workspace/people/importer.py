"""Apply a validated roster ``ImportPlan`` to one school, idempotently, keyed by student code.

Runs inside the caller's tenant transaction: classes, students, enrolments, guardian accounts,
guardian links and guardian memberships are written together or not at all. Re-applying the same
plan changes nothing and reports every student as unchanged. A student code already used by a
student of this school updates that student (a different class is a move, recorded in the class
history); a code used in another school is invisible here (row-level security) and simply creates
this school's own student. Guardians are matched province-wide by phone (``guardians``).

Writes are batched (``unnest``), ``CHUNK`` students at a time, so a 2,000-student file takes a
handful of statements per chunk and reports progress after each chunk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db, outbox
from schoolhub.workspace.importing import ImportPlan, StudentRow
from schoolhub.workspace.people import repository as repo
from schoolhub.workspace.people.guardians import ensure_phone_users

CHUNK = 250
Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    guardians_created: int = 0
    classes_created: int = 0


async def _classes(
    school_id: UUID, plan: ImportPlan, school_year: str
) -> tuple[dict[str, UUID], int]:
    inserted = await db.fetch(
        "INSERT INTO workspace_class (school_id, school_year, name, grade)"
        " SELECT $1, $2, n, g FROM unnest($3::text[], $4::smallint[]) AS v(n, g)"
        " ON CONFLICT (school_id, school_year, name) DO NOTHING RETURNING id",
        school_id,
        school_year,
        [c.name for c in plan.classes],
        [c.grade for c in plan.classes],
    )
    rows = await db.fetch(
        "SELECT id, name FROM workspace_class WHERE school_id = $1 AND school_year = $2"
        " AND name = ANY($3::text[])",
        school_id,
        school_year,
        [c.name for c in plan.classes],
    )
    return {r["name"]: r["id"] for r in rows}, len(inserted)


def _desired(row: StudentRow, class_id: UUID, existing: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "full_name": row.full_name,
        "date_of_birth": row.birth_date,
        "gender": row.gender.value,
        "class_id": class_id,
        # An absent personal id in the file never erases a stored one.
        "personal_id": row.personal_id
        if row.personal_id is not None
        else (existing or {}).get("personal_id"),
    }


async def apply_plan(
    school_id: UUID,
    actor_user_id: UUID | None,
    plan: ImportPlan,
    school_year: str,
    *,
    progress: Progress | None = None,
) -> ImportCounts:
    """Apply ``plan``; must run inside ``db.tenant(school_id, ...)``."""
    counts = ImportCounts()
    # One import at a time per school: two concurrent uploads would race on the same codes.
    await db.execute(
        "SELECT pg_advisory_xact_lock(hashtext('people.import:' || $1::text))", str(school_id)
    )
    class_ids, counts.classes_created = await _classes(school_id, plan, school_year)
    people: dict[str, str] = {}
    for g in plan.guardians:
        people.setdefault(g.phone, g.full_name)
    guardian_ids, counts.guardians_created = await ensure_phone_users(
        people, actor_user_id=actor_user_id
    )
    await repo.grant_guardian_memberships(school_id, sorted(set(guardian_ids.values())))
    links_by_code: dict[str, list[tuple[UUID, str, bool]]] = {}
    for g in plan.guardians:
        wanted = links_by_code.setdefault(g.student_code, [])
        if all(guardian_ids[g.phone] != other for other, _, _ in wanted):  # same phone twice
            wanted.append((guardian_ids[g.phone], g.relationship.value, g.is_primary))
    total = len(plan.students)
    for start in range(0, total, CHUNK):
        chunk = plan.students[start : start + CHUNK]
        await _apply_chunk(school_id, chunk, class_ids, links_by_code, school_year, counts)
        if progress is not None:
            await progress(min(start + CHUNK, total), total)
    await audit.record_school(
        school_id,
        "roster.imported",
        actor_user_id=actor_user_id,
        target_type="school",
        target_id=str(school_id),
        details={
            "school_year": school_year,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "guardians_created": counts.guardians_created,
        },
    )
    if counts.created or counts.updated:
        await outbox.emit(
            "workspace.roster_imported",
            {"created": counts.created, "updated": counts.updated, "school_year": school_year},
            school_id,
        )
    return counts


async def _apply_chunk(
    school_id: UUID,
    chunk: tuple[StudentRow, ...],
    class_ids: dict[str, UUID],
    links_by_code: dict[str, list[tuple[UUID, str, bool]]],
    school_year: str,
    counts: ImportCounts,
) -> None:
    existing = {
        r["student_code"]: r
        for r in await repo.students_by_codes(school_id, [s.student_code for s in chunk])
    }
    new_rows: list[StudentRow] = []
    updates: list[tuple[UUID, dict[str, Any]]] = []
    touched: set[str] = set()
    for row in chunk:
        current = existing.get(row.student_code)
        want = _desired(row, class_ids[row.class_name], current)
        if current is None:
            new_rows.append(row)
        elif any(current[k] != v for k, v in want.items()):
            updates.append((current["id"], want))
            touched.add(row.student_code)
    ids = {code: r["id"] for code, r in existing.items()}
    if new_rows:
        inserted = await db.fetch(
            "INSERT INTO workspace_student (school_id, student_code, full_name, date_of_birth,"
            " gender, class_id, personal_id)"
            " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::date[], $5::text[], $6::uuid[],"
            " $7::text[]) RETURNING id, student_code",
            school_id,
            [r.student_code for r in new_rows],
            [r.full_name for r in new_rows],
            [r.birth_date for r in new_rows],
            [r.gender.value for r in new_rows],
            [class_ids[r.class_name] for r in new_rows],
            [r.personal_id for r in new_rows],
        )
        ids.update({r["student_code"]: r["id"] for r in inserted})
    if updates:
        await db.execute(
            "UPDATE workspace_student s SET full_name = v.n, date_of_birth = v.d, gender = v.g,"
            " class_id = v.c, personal_id = v.p, updated_at = now()"
            " FROM unnest($1::uuid[], $2::text[], $3::date[], $4::text[], $5::uuid[], $6::text[])"
            " AS v(id, n, d, g, c, p) WHERE s.id = v.id",
            [u[0] for u in updates],
            [u[1]["full_name"] for u in updates],
            [u[1]["date_of_birth"] for u in updates],
            [u[1]["gender"] for u in updates],
            [u[1]["class_id"] for u in updates],
            [u[1]["personal_id"] for u in updates],
        )
    # Class history: one enrolment per student and school year.
    enrolled = await db.fetch(
        "INSERT INTO workspace_enrolment (school_id, student_id, class_id, school_year)"
        " SELECT $1, s, c, $4 FROM unnest($2::uuid[], $3::uuid[]) AS v(s, c)"
        " ON CONFLICT (school_id, student_id, school_year) DO UPDATE"
        " SET class_id = EXCLUDED.class_id, updated_at = now()"
        " WHERE workspace_enrolment.class_id IS DISTINCT FROM EXCLUDED.class_id"
        " RETURNING student_id",
        school_id,
        [ids[r.student_code] for r in chunk],
        [class_ids[r.class_name] for r in chunk],
        school_year,
    )
    changed_students = {r["student_id"] for r in enrolled}
    changed_students |= await _apply_links(school_id, chunk, ids, links_by_code)
    new_codes = {r.student_code for r in new_rows}
    for row in chunk:
        if row.student_code in new_codes:
            counts.created += 1
        elif row.student_code in touched or ids[row.student_code] in changed_students:
            counts.updated += 1
        else:
            counts.unchanged += 1


async def _apply_links(
    school_id: UUID,
    chunk: tuple[StudentRow, ...],
    ids: dict[str, UUID],
    links_by_code: dict[str, list[tuple[UUID, str, bool]]],
) -> set[UUID]:
    """Insert/update the file's guardian links; demote other primaries. Returns students touched."""
    student_ids = [ids[r.student_code] for r in chunk]
    current: dict[tuple[UUID, UUID], dict[str, Any]] = {
        (r["student_id"], r["guardian_user_id"]): r
        for r in await db.fetch(
            "SELECT id, student_id, guardian_user_id, relationship, is_primary"
            " FROM workspace_guardian_link WHERE student_id = ANY($1::uuid[])",
            student_ids,
        )
    }
    inserts: list[tuple[UUID, UUID, str, bool]] = []
    updates: list[tuple[UUID, str, bool]] = []
    demote: list[UUID] = []
    touched: set[UUID] = set()
    for row in chunk:
        sid = ids[row.student_code]
        wanted = links_by_code.get(row.student_code, [])
        wanted_guardians = {g for g, _, _ in wanted}
        for guardian, relationship, primary in wanted:
            link = current.get((sid, guardian))
            if link is None:
                inserts.append((sid, guardian, relationship, primary))
                touched.add(sid)
            elif (link["relationship"], link["is_primary"]) != (relationship, primary):
                updates.append((link["id"], relationship, primary))
                touched.add(sid)
        if any(primary for _, _, primary in wanted):
            for (other_sid, guardian), link in current.items():
                if other_sid == sid and guardian not in wanted_guardians and link["is_primary"]:
                    demote.append(link["id"])
                    touched.add(sid)
    if demote:
        await db.execute(
            "UPDATE workspace_guardian_link SET is_primary = false, updated_at = now()"
            " WHERE id = ANY($1::uuid[])",
            demote,
        )
    if updates:
        await db.execute(
            "UPDATE workspace_guardian_link gl SET relationship = v.r, is_primary = v.p,"
            " updated_at = now() FROM unnest($1::uuid[], $2::text[], $3::boolean[]) AS v(id, r, p)"
            " WHERE gl.id = v.id",
            [u[0] for u in updates],
            [u[1] for u in updates],
            [u[2] for u in updates],
        )
    if inserts:
        await db.execute(
            "INSERT INTO workspace_guardian_link (school_id, student_id, guardian_user_id,"
            " relationship, is_primary) SELECT $1, * FROM unnest($2::uuid[], $3::uuid[],"
            " $4::text[], $5::boolean[])",
            school_id,
            [i[0] for i in inserts],
            [i[1] for i in inserts],
            [i[2] for i in inserts],
            [i[3] for i in inserts],
        )
    return touched
