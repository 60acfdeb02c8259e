"""Guardians sign in by phone: one-time code, or a Firebase ID token verified by firebase-admin."""

from __future__ import annotations

import pytest

from schoolhub.identity import otp
from tests.support import factories
from tests.support.firebase_fake import FirebaseCerts
from tests.support.gql import GraphQLClient

REQUEST = "mutation($p: String!) { requestPhoneCode(phone: $p) { ok errors { code } } }"
VERIFY = (
    "mutation($p: String!, $c: String!) { loginWithPhoneCode(phone: $p, code: $c)"
    " { accessToken errors { code } user { login } } }"
)
FIREBASE = (
    "mutation($t: String!) { loginWithFirebase(idToken: $t) { accessToken errors { code }"
    " user { login } } }"
)


@pytest.fixture
def sent() -> otp.MemoryOtpSender:
    sender = otp.MemoryOtpSender()
    otp.set_sender(sender)
    return sender


async def test_phone_code_signs_in(gql: GraphQLClient, sent: otp.MemoryOtpSender) -> None:
    await factories.user("me.lan", "Trần Thị Lan", phone="+84905123456")
    result = (await gql.ok(REQUEST, {"p": "0905 123 456"}))["requestPhoneCode"]
    assert result == {"ok": True, "errors": []}
    code = sent.sent["+84905123456"]
    wrong = await gql.ok(
        VERIFY, {"p": "+84905123456", "c": "000000" if code != "000000" else "111111"}
    )
    assert wrong["loginWithPhoneCode"]["errors"] == [{"code": "INVALID_OTP"}]
    ok = (await gql.ok(VERIFY, {"p": "84905123456", "c": code}))["loginWithPhoneCode"]
    assert ok["errors"] == [] and ok["accessToken"] and ok["user"] == {"login": "me.lan"}
    # A code works once.
    again = (await gql.ok(VERIFY, {"p": "0905123456", "c": code}))["loginWithPhoneCode"]
    assert again["errors"] == [{"code": "OTP_EXPIRED"}]


async def test_unknown_number_gets_the_same_answer_and_no_code(
    gql: GraphQLClient, sent: otp.MemoryOtpSender
) -> None:
    result = (await gql.ok(REQUEST, {"p": "0912000111"}))["requestPhoneCode"]
    assert result == {"ok": True, "errors": []}
    assert sent.sent == {}
    bad = (await gql.ok(REQUEST, {"p": "12345"}))["requestPhoneCode"]
    assert bad["errors"] == [{"code": "INVALID_PHONE"}]


async def test_too_many_wrong_codes_burn_the_code(
    gql: GraphQLClient, sent: otp.MemoryOtpSender
) -> None:
    await factories.user("me.hong", "Lê Thị Hồng", phone="+84905000777")
    await gql.ok(REQUEST, {"p": "0905000777"})
    code = sent.sent["+84905000777"]
    wrong = "000000" if code != "000000" else "111111"
    codes = [
        (await gql.ok(VERIFY, {"p": "0905000777", "c": wrong}))["loginWithPhoneCode"]["errors"][0][
            "code"
        ]
        for _ in range(6)
    ]
    assert codes[:5] == ["INVALID_OTP"] * 5 and codes[5] == "RATE_LIMITED"
    late = (await gql.ok(VERIFY, {"p": "0905000777", "c": code}))["loginWithPhoneCode"]
    assert late["accessToken"] is None


async def test_firebase_id_token_signs_in_and_links(
    gql: GraphQLClient, firebase_certs: FirebaseCerts
) -> None:
    await factories.user("me.mai", "Phạm Thị Mai", phone="+84912345678")
    token = firebase_certs.id_token("schoolhub-test", "fb-uid-1", "+84912345678")
    ok = (await gql.ok(FIREBASE, {"t": token}))["loginWithFirebase"]
    assert ok["errors"] == [] and ok["user"] == {"login": "me.mai"}
    # Linked by uid from now on.
    again = await gql.ok(
        FIREBASE, {"t": firebase_certs.id_token("schoolhub-test", "fb-uid-1", None)}
    )
    assert again["loginWithFirebase"]["user"] == {"login": "me.mai"}


@pytest.mark.parametrize("case", ["expired", "wrong_audience", "unknown_phone", "garbage"])
async def test_bad_firebase_tokens_are_refused(
    gql: GraphQLClient, firebase_certs: FirebaseCerts, case: str
) -> None:
    token = {
        "expired": firebase_certs.id_token("schoolhub-test", "u2", "+84912000000", expired=True),
        "wrong_audience": firebase_certs.id_token(
            "schoolhub-test", "u3", "+84912000000", audience="another-project"
        ),
        "unknown_phone": firebase_certs.id_token("schoolhub-test", "u4", "+84999999999"),
        "garbage": "not.a.token",
    }[case]
    result = (await gql.ok(FIREBASE, {"t": token}))["loginWithFirebase"]
    expected = "UNKNOWN_ACCOUNT" if case == "unknown_phone" else "INVALID_TOKEN"
    assert result == {"accessToken": None, "errors": [{"code": expected}], "user": None}
