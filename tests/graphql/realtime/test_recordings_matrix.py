"""Authorization matrix of ``startRecording``, ``stopRecording`` and ``roomRecordings`` (a class
session): anonymous, another school, a guardian, a teacher not of the class (and, for the
mutations, a student of the roster) get no data and change nothing; the host records with consent
and the host, the class's students and the principal see the recordings."""

from __future__ import annotations

import json
from typing import Any

from schoolhub.tenants import service as tenants
from tests.graphql.realtime.test_rooms_matrix import snapshot
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes


async def _state(school_id: Any) -> list[Any]:
    return [*await snapshot(school_id), await rt.recording_rows(school_id)]


async def test_recordings_matrix(gql: GraphQLClient) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await rt.enrol_student(a)
    room = await rt.class_session(gql, a)
    host = await gql.token(a.logins["teacher"])
    joined = await gql.ok(rt.JOIN, {"r": room, "o": None}, host)  # the SFU room runs
    assert not joined["joinRoom"]["errors"], joined
    student = await gql.token(a.logins["student"])
    other_teacher = f"gv{factories.n()}"
    uid = await factories.user(other_teacher, "Giáo viên khác")
    await tenants.grant_membership(p.admin, school_id=a.school_id, user_id=uid, role="teacher")
    try:
        # Without consent: refused, nothing written.
        before = await _state(a.school_id)
        data = await gql.ok(rt.START_RECORDING, {"r": room, "c": False}, host)
        assert data["startRecording"]["recording"] is None
        assert [e["code"] for e in data["startRecording"]["errors"]] == [
            "RECORDING_CONSENT_REQUIRED"
        ]
        assert await _state(a.school_id) == before

        denied = {
            b.logins["principal"]: "NOT_FOUND",
            b.logins["district_admin"]: "NOT_FOUND",
            a.logins["guardian"]: "FORBIDDEN",
            other_teacher: "FORBIDDEN",
            a.logins["student"]: "FORBIDDEN",
        }
        for body in [await gql.raw(rt.START_RECORDING, {"r": room, "c": True})]:
            assert error_codes(body) == ["UNAUTHENTICATED"]
            assert (body.get("data") or {}).get("startRecording") is None
        for login, code in denied.items():
            token = await gql.token(login)
            body = await gql.raw(rt.START_RECORDING, {"r": room, "c": True}, token)
            payload = body["data"]["startRecording"]
            assert payload["recording"] is None and [e["code"] for e in payload["errors"]] == [
                code
            ], (login, body)
        assert await _state(a.school_id) == before

        started = await gql.ok(rt.START_RECORDING, {"r": room, "c": True}, host)
        rec = started["startRecording"]["recording"]
        assert rec["status"] == "recording" and rec["consentAt"], started
        running = await _state(a.school_id)

        body = await gql.raw(rt.STOP_RECORDING, {"r": room})
        assert error_codes(body) == ["UNAUTHENTICATED"]
        for login, code in denied.items():
            token = await gql.token(login)
            body = await gql.raw(rt.STOP_RECORDING, {"r": room}, token)
            payload = body["data"]["stopRecording"]
            assert payload["recording"] is None and [e["code"] for e in payload["errors"]] == [
                code
            ], (login, body)
        assert await _state(a.school_id) == running

        stopped = await gql.ok(rt.STOP_RECORDING, {"r": room}, host)
        assert stopped["stopRecording"]["recording"]["status"] == "stored", stopped

        # roomRecordings: anonymous, another school, guardian, other teacher get nothing.
        body = await gql.raw(rt.RECORDINGS, {"r": room})
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert (body.get("data") or {}).get("roomRecordings") is None
        readers_denied = {
            b.logins["principal"]: [],  # another school: null, like a missing room
            b.logins["district_admin"]: [],
            a.logins["guardian"]: ["FORBIDDEN"],
            other_teacher: ["FORBIDDEN"],
        }
        for login, codes in readers_denied.items():
            body = await gql.raw(rt.RECORDINGS, {"r": room}, await gql.token(login))
            assert error_codes(body) == codes, (login, body)
            assert (body.get("data") or {}).get("roomRecordings") is None, (login, body)
            assert rec["id"] not in json.dumps(body), login
        for token in (host, student, await gql.token(a.logins["principal"])):
            data = await gql.ok(rt.RECORDINGS, {"r": room}, token)
            assert [r["id"] for r in data["roomRecordings"]] == [rec["id"]]
    finally:
        await rt.close_rooms()
