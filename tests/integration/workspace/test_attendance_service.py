"""Attendance through the service: upsert with history, outbox events in the same transaction,
leave requests turning absences into excused ones, the monthly report and the TT22 flag."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from schoolhub.platform import db, events, pubsub
from schoolhub.platform import redis as redis_mod
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.workspace.attendance import leave as leaves
from schoolhub.workspace.attendance import service
from schoolhub.workspace.attendance.tasks import publish_recorded
from tests.support import factories
from tests.support.workspace_attendance import count_rows, outbox_events, principal_of

TOPIC = service.TOPIC_RECORDED


async def _statuses(school_id: object) -> dict[object, str]:
    async with db.tenant(school_id):  # type: ignore[arg-type]
        rows = await db.fetch("SELECT student_id, status FROM workspace_attendance_record")
    return {r["student_id"]: r["status"] for r in rows}


async def test_take_upserts_keeps_history_and_emits_in_the_same_transaction(
    app: httpx.AsyncClient,
) -> None:
    p = await factories.province()
    w = await factories.school(p)
    assert w.class_id is not None
    teacher = principal_of(w, "teacher")
    s0, s1 = w.student_ids
    today = service.today()

    sheet = await service.take_attendance(
        teacher, w.school_id, w.class_id, today, [service.Entry(s0, "absent_unexcused")]
    )
    assert {r["student_id"]: r["status"] for r in sheet.records} == {
        s0: "absent_unexcused",
        s1: "present",
    }
    first = await outbox_events(w.school_id, TOPIC)
    assert [(e["student_id"], e["status"], e["date"]) for e in first] == [
        (str(s0), "absent_unexcused", today.isoformat())
    ]
    assert first[0]["class_id"] == str(w.class_id)

    # Re-submission by the homeroom teacher's colleague (vice-principal) updates, with history.
    vp = principal_of(w, "vice_principal")
    await service.take_attendance(vp, w.school_id, w.class_id, today, [service.Entry(s0, "late")])
    assert await _statuses(w.school_id) == {s0: "late", s1: "present"}
    async with db.tenant(w.school_id):
        changes = await db.fetch(
            "SELECT changed_by, old_status, new_status FROM workspace_attendance_change"
        )
    assert changes == [
        {
            "changed_by": w.user_ids["vice_principal"],
            "old_status": "absent_unexcused",
            "new_status": "late",
        }
    ]
    assert [e["status"] for e in await outbox_events(w.school_id, TOPIC)] == [
        "absent_unexcused",
        "late",
    ]
    # The same sheet again changes nothing and emits nothing.
    await service.take_attendance(vp, w.school_id, w.class_id, today, [service.Entry(s0, "late")])
    assert len(await outbox_events(w.school_id, TOPIC)) == 2
    assert await count_rows(w.school_id, "workspace_attendance_change") == 1


async def test_rejected_submissions_write_nothing(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    other = await factories.school(p)
    assert w.class_id is not None
    s0 = w.student_ids[0]
    today = service.today()
    cases = [
        (principal_of(w, "guardian"), [service.Entry(s0, "absent_unexcused")], PermissionDenied),
        (principal_of(w, "accountant"), [service.Entry(s0, "late")], PermissionDenied),
        (principal_of(other, "teacher"), [service.Entry(s0, "late")], NotFound),
        (principal_of(w, "teacher"), [service.Entry(other.student_ids[0], "late")], InvalidInput),
    ]
    for principal, entries, error in cases:
        with pytest.raises(error):
            await service.take_attendance(principal, w.school_id, w.class_id, today, entries)
    with pytest.raises(InvalidInput):
        await service.take_attendance(
            principal_of(w, "teacher"), w.school_id, w.class_id, today + timedelta(days=2), []
        )
    assert await count_rows(w.school_id, "workspace_attendance_record") == 0
    assert await outbox_events(w.school_id, TOPIC) == []


async def test_approved_leave_excuses_absences(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    assert w.class_id is not None
    s0 = w.student_ids[0]
    today = service.today()
    teacher = principal_of(w, "teacher")  # the homeroom teacher of the factory class
    await service.take_attendance(
        teacher, w.school_id, w.class_id, today, [service.Entry(s0, "absent_unexcused")]
    )
    leave = await leaves.request_leave(
        principal_of(w, "guardian"), w.school_id, s0, today, today, "Cháu bị sốt"
    )
    assert leave["status"] == "pending"
    with pytest.raises(PermissionDenied):  # a guardian cannot decide
        await leaves.decide_leave(
            principal_of(w, "guardian"), w.school_id, leave["id"], approve=True
        )
    decided = await leaves.decide_leave(teacher, w.school_id, leave["id"], approve=True)
    assert decided["status"] == "approved"
    assert (await _statuses(w.school_id))[s0] == "absent_excused"
    assert [e["status"] for e in await outbox_events(w.school_id, TOPIC)][-1] == "absent_excused"
    # A later roll call of that day marks the absence excused by itself.
    await service.take_attendance(
        teacher, w.school_id, w.class_id, today, [service.Entry(s0, "absent_unexcused")]
    )
    assert (await _statuses(w.school_id))[s0] == "absent_excused"
    with pytest.raises(Exception, match="already decided"):
        await leaves.decide_leave(teacher, w.school_id, leave["id"], approve=False)


async def test_monthly_report_counts_and_flags_45_sessions(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    assert w.class_id is not None
    s0, s1 = w.student_ids
    today = service.today()
    start = service._year_start("2026-2027", today)
    async with db.tenant(w.school_id):
        await db.execute(
            "INSERT INTO workspace_attendance_record (school_id, class_id, student_id, day, status,"
            " recorded_by) SELECT $1, $2, $3, d::date, 'absent_excused', $4"
            " FROM generate_series($5::date, $5::date + 45, '1 day') d",
            w.school_id,
            w.class_id,
            s0,
            w.user_ids["teacher"],
            start,
        )
        await db.execute(
            "INSERT INTO workspace_attendance_record (school_id, class_id, student_id, day, status,"
            " recorded_by) VALUES ($1, $2, $3, $4, 'late', $5)",
            w.school_id,
            w.class_id,
            s1,
            start,
            w.user_ids["teacher"],
        )
    month = start.strftime("%Y-%m")
    report = await service.monthly_report(
        principal_of(w, "principal"), w.school_id, w.class_id, month
    )
    lines = {s.student_id: s for s in report.students}
    assert lines[s0].counts["absent_excused"] == 31  # August
    assert lines[s0].year_sessions_absent == 31 and not lines[s0].exceeds_absence_limit
    assert lines[s1].counts == {"present": 0, "absent_excused": 0, "absent_unexcused": 0, "late": 1}
    later = (start + timedelta(days=45)).strftime("%Y-%m")
    report = await service.monthly_report(
        principal_of(w, "teacher"), w.school_id, w.class_id, later
    )
    lines = {s.student_id: s for s in report.students}
    assert lines[s0].year_sessions_absent == 46 and lines[s0].exceeds_absence_limit
    assert not lines[s1].exceeds_absence_limit
    outsider = principal_of(await factories.school(p), "principal")
    with pytest.raises(NotFound):
        await service.monthly_report(outsider, w.school_id, w.class_id, month)
    with pytest.raises(PermissionDenied):
        await service.monthly_report(principal_of(w, "guardian"), w.school_id, w.class_id, month)


async def test_recorded_handler_publishes_without_student_details(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    assert publish_recorded in events.handlers_for(TOPIC)
    channel = pubsub.school_channel(w.school_id, "events")
    received: list[dict[str, object]] = []

    async def collect() -> None:
        async for message in pubsub.subscribe(channel):
            if message.get("type") != "_tick":
                received.append(message)
                return

    task = asyncio.ensure_future(collect())
    while (await redis_mod.client().pubsub_numsub(channel))[0][1] == 0:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # readiness of the subscriber, not a timed assertion
    payload = {
        "student_id": str(w.student_ids[0]),
        "status": "late",
        "date": "2026-11-02",
        "class_id": str(w.class_id),
        "period": 0,
    }
    async with db.tenant(w.school_id):
        await publish_recorded(events.Event(1, TOPIC, w.school_id, payload))
    await asyncio.wait_for(task, timeout=10)
    assert received == [
        {"type": TOPIC, "class_id": str(w.class_id), "date": "2026-11-02", "period": 0}
    ]
