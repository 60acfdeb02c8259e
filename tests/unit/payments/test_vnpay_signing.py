"""VNPAY.md §2-§5 pinned byte for byte: worked examples, encoding pitfalls, verification,
dates, amounts. No I/O."""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote_plus

import pytest

from schoolhub.payments.vnpay import (
    GMT7,
    InvalidSignatureError,
    MalformedCallbackError,
    VnpayClient,
    VnpayMerchant,
    VnpayValidationError,
    build_signing_string,
    encode_component,
    format_vnp_date,
    ipn_reply,
    now_gmt7,
    parse_vnp_amount,
    parse_vnp_date,
    safe_order_info,
    sign_params,
    to_vnp_amount,
    validate_amount_vnd,
    verify_callback,
    verify_params,
)
from schoolhub.payments.vnpay.transaction_api import (
    QUERYDR_REQUEST_FIELDS,
    REFUND_REQUEST_FIELDS,
    fields_checksum,
    fields_signing_string,
)

SECRET = "SECRETKEYDEMO1234567890ABCDEFGH"
MERCHANT = VnpayMerchant("DEMOV210", SECRET)
EXAMPLE = {
    "vnp_Amount": "15000000",
    "vnp_Command": "pay",
    "vnp_CreateDate": "20240905093000",
    "vnp_CurrCode": "VND",
    "vnp_ExpireDate": "20240905094500",
    "vnp_IpAddr": "203.0.113.10",
    "vnp_Locale": "vn",
    "vnp_OrderInfo": "Hoc phi thang 9 - lop 6A",
    "vnp_OrderType": "other",
    "vnp_ReturnUrl": "https://school.example.vn/vnpay/return",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "HP2024090001",
    "vnp_Version": "2.1.0",
}
EXAMPLE_STRING = (
    "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20240905093000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20240905094500&vnp_IpAddr=203.0.113.10&vnp_Locale=vn"
    "&vnp_OrderInfo=Hoc+phi+thang+9+-+lop+6A&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fschool.example.vn%2Fvnpay%2Freturn&vnp_TmnCode=DEMOV210"
    "&vnp_TxnRef=HP2024090001&vnp_Version=2.1.0"
)
EXAMPLE_HASH = (
    "2660ca7c1aa0f85f5ece8837b87036587d59e2981ce690d7610e5cfd1f49be7e"
    "5184f3a02befe5b093d07bf9d4277fb4e30f6eb5cf5239fe8aa031bcc74ca9cd"
)


# --- §2.2 worked examples -------------------------------------------------------------------


def test_worked_example_signed_string_and_hash() -> None:
    signed = sign_params(EXAMPLE, SECRET)
    assert signed.query == EXAMPLE_STRING
    assert signed.secure_hash == EXAMPLE_HASH
    assert signed.url_query == f"{EXAMPLE_STRING}&vnp_SecureHash={EXAMPLE_HASH}"


def test_client_builds_the_worked_example_url_exactly() -> None:
    client = VnpayClient(MERCHANT)
    payment = client.build_payment_url(
        txn_ref="HP2024090001",
        amount_vnd=150_000,
        order_info="Hoc phi thang 9 - lop 6A",
        return_url="https://school.example.vn/vnpay/return",
        ip_addr="203.0.113.10",
        created_at=datetime(2024, 9, 5, 2, 30, tzinfo=UTC),  # = 09:30 GMT+7
    )
    assert payment.url == (
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?"
        f"{EXAMPLE_STRING}&vnp_SecureHash={EXAMPLE_HASH}"
    )
    assert (payment.create_date, payment.expire_date) == ("20240905093000", "20240905094500")
    assert "vnp_SecureHashType" not in payment.url


def test_diacritics_example_encoded_form() -> None:
    signed = build_signing_string({**EXAMPLE, "vnp_OrderInfo": "Học phí tháng 9"})
    assert "&vnp_OrderInfo=H%E1%BB%8Dc+ph%C3%AD+th%C3%A1ng+9&" in signed


def test_querydr_request_hash_worked_example() -> None:
    request = {
        "vnp_RequestId": "QDR20240905100000001",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TxnRef": "HP2024090001",
        "vnp_TransactionDate": "20240905093000",
        "vnp_CreateDate": "20240905100000",
        "vnp_IpAddr": "203.0.113.10",
        "vnp_OrderInfo": "Truy van GD HP2024090001",
        "vnp_TransactionNo": "14226112",  # sent, but not part of the checksum
    }
    assert fields_signing_string(request, QUERYDR_REQUEST_FIELDS) == (
        "QDR20240905100000001|2.1.0|querydr|DEMOV210|HP2024090001|20240905093000"
        "|20240905100000|203.0.113.10|Truy van GD HP2024090001"
    )
    digest = fields_checksum(request, QUERYDR_REQUEST_FIELDS, SECRET)
    assert digest.startswith("ee054151")
    assert digest.endswith("fac67c1")
    assert len(digest) == 128


def test_refund_request_hash_worked_example() -> None:
    request = {
        "vnp_RequestId": "RF20240906080000001",
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TransactionType": "02",
        "vnp_TxnRef": "HP2024090002",
        "vnp_Amount": "250000000",
        "vnp_TransactionNo": "14226113",
        "vnp_TransactionDate": "20240905093000",
        "vnp_CreateBy": "ketoan01",
        "vnp_CreateDate": "20240906080000",
        "vnp_IpAddr": "203.0.113.10",
        "vnp_OrderInfo": "Hoan tien GD HP2024090002",
    }
    digest = fields_checksum(request, REFUND_REQUEST_FIELDS, SECRET)
    assert digest.startswith("4f91aa1b")
    assert digest.endswith("491ef36")


# --- §2.3 encoding pitfalls -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (" ", "+"),
        ("*", "*"),
        ("~", "%7E"),
        ("!", "%21"),
        ("'", "%27"),
        ("(", "%28"),
        (")", "%29"),
        (":", "%3A"),
        ("/", "%2F"),
        (",", "%2C"),
        ("&", "%26"),
        ("=", "%3D"),
        ("+", "%2B"),
        ("%", "%25"),
        ("#", "%23"),
        ("?", "%3F"),
        ("@", "%40"),
        (";", "%3B"),
        ("-_.", "-_."),
        ("AZaz09", "AZaz09"),
        ("ọ", "%E1%BB%8D"),
        ("đ", "%C4%91"),
    ],
)
def test_encoder_matches_urlsearchparams(raw: str, encoded: str) -> None:
    assert encode_component(raw) == encoded


def test_special_character_vector_of_section_2_3() -> None:
    raw = "HP (HK1) * ~ ! ' : / , & = + % # 6A"
    assert encode_component(raw) == (
        "HP+%28HK1%29+*+%7E+%21+%27+%3A+%2F+%2C+%26+%3D+%2B+%25+%23+6A"
    )
    # ...which is exactly where plain quote_plus goes wrong:
    assert quote_plus(raw) != encode_component(raw)


def test_return_url_is_encoded_like_any_value() -> None:
    url = "https://school.example.vn/r?src=app&x=1"
    assert encode_component(url) == "https%3A%2F%2Fschool.example.vn%2Fr%3Fsrc%3Dapp%26x%3D1"


def test_nfd_input_is_normalised_to_nfc() -> None:
    nfc = "Học phí tháng 9"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert quote_plus(nfd).startswith("Ho%CC%A3c")  # what an unnormalised encoder sends
    assert encode_component(nfd) == encode_component(nfc) == "H%E1%BB%8Dc+ph%C3%AD+th%C3%A1ng+9"
    nfd_params = {**EXAMPLE, "vnp_OrderInfo": nfd}
    nfc_params = {**EXAMPLE, "vnp_OrderInfo": nfc}
    assert sign_params(nfd_params, SECRET) == sign_params(nfc_params, SECRET)


def test_empty_values_are_dropped_from_signature_and_query() -> None:
    with_empty = {**EXAMPLE, "vnp_Bill_Mobile": "", "vnp_BankCode": ""}
    assert sign_params(with_empty, SECRET) == sign_params(EXAMPLE, SECRET)
    assert "vnp_Bill_Mobile" not in build_signing_string(with_empty)


def test_hash_fields_are_never_signed() -> None:
    extra = {**EXAMPLE, "vnp_SecureHash": "abc", "vnp_SecureHashType": "HmacSHA512"}
    assert sign_params(extra, SECRET).secure_hash == EXAMPLE_HASH


def test_sort_is_ordinal() -> None:
    assert build_signing_string({"vnp_b": "1", "vnp_C": "2", "vnp_a": "3"}) == (
        "vnp_C=2&vnp_a=3&vnp_b=1"
    )


# --- §3.2 verification ----------------------------------------------------------------------


def signed_callback(**overrides: str) -> dict[str, str]:
    params = {
        "vnp_Amount": "15000000",
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Hoc phi thang 9 - lop 6A",
        "vnp_PayDate": "20240905093512",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": "HP2024090001",
        **overrides,
    }
    params["vnp_SecureHash"] = sign_params(params, SECRET).secure_hash
    return params


def test_valid_callback_verifies_and_parses() -> None:
    callback = verify_callback(signed_callback(), MERCHANT)
    assert callback.succeeded
    assert callback.amount_vnd == 150_000
    assert (callback.transaction_no, callback.bank_code) == ("14226112", "NCB")
    assert callback.pay_date == datetime(2024, 9, 5, 9, 35, 12, tzinfo=GMT7)


def test_tampered_amount_fails() -> None:
    params = {**signed_callback(), "vnp_Amount": "15000100"}
    assert not verify_params(params, SECRET)
    with pytest.raises(InvalidSignatureError):
        verify_callback(params, MERCHANT)


def test_missing_or_garbage_hash_fails() -> None:
    params = signed_callback()
    del params["vnp_SecureHash"]
    assert not verify_params(params, SECRET)
    assert not verify_params({**params, "vnp_SecureHash": "ạ" * 128}, SECRET)


def test_order_insensitive() -> None:
    params = signed_callback()
    assert verify_params(dict(reversed(list(params.items()))), SECRET)


def test_percent_20_and_plus_decode_to_the_same_params() -> None:
    query = sign_params(
        {k: v for k, v in signed_callback().items() if k != "vnp_SecureHash"}, SECRET
    )
    with_20 = query.url_query.replace("+", "%20")
    assert with_20 != query.url_query
    assert verify_params(dict(parse_qsl(with_20)), SECRET)
    assert verify_params(dict(parse_qsl(query.url_query)), SECRET)


def test_upper_case_hex_is_accepted() -> None:
    params = signed_callback()
    params["vnp_SecureHash"] = params["vnp_SecureHash"].upper()
    assert verify_callback(params, MERCHANT).succeeded


def test_extra_non_vnp_params_ignored_but_extra_vnp_params_fail() -> None:
    params = signed_callback()
    assert verify_params({**params, "school": "abc", "utm_source": "x"}, SECRET)
    assert not verify_params({**params, "vnp_Injected": "1"}, SECRET)
    assert verify_params({**params, "vnp_SecureHashType": "HmacSHA512"}, SECRET)


@pytest.mark.parametrize("amount", ["15000050", "1.5E7", "-15000000", " 15000000", "١٥٠٠٠٠٠٠"])
def test_bad_amount_is_a_typed_error(amount: str) -> None:
    with pytest.raises(MalformedCallbackError):
        verify_callback(signed_callback(vnp_Amount=amount), MERCHANT)


def test_missing_field_other_terminal_and_bad_date_are_typed_errors() -> None:
    no_status = signed_callback()
    del no_status["vnp_TransactionStatus"]
    no_status["vnp_SecureHash"] = sign_params(no_status, SECRET).secure_hash
    with pytest.raises(MalformedCallbackError):
        verify_callback(no_status, MERCHANT)
    with pytest.raises(MalformedCallbackError):
        verify_callback(signed_callback(vnp_TmnCode="OTHER001"), MERCHANT)
    with pytest.raises(MalformedCallbackError):
        verify_callback(signed_callback(vnp_PayDate="2024-09-05"), MERCHANT)


@pytest.mark.parametrize(
    ("response_code", "status", "succeeded"),
    [("00", "00", True), ("00", "02", False), ("24", "00", False), ("24", "02", False)],
)
def test_success_needs_both_codes(response_code: str, status: str, succeeded: bool) -> None:
    params = signed_callback(vnp_ResponseCode=response_code, vnp_TransactionStatus=status)
    assert verify_callback(params, MERCHANT).succeeded is succeeded


# --- dates ----------------------------------------------------------------------------------


@pytest.fixture
def foreign_tz() -> Iterator[None]:
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time.tzset()


@pytest.mark.usefixtures("foreign_tz")
def test_dates_are_gmt7_whatever_the_process_tz() -> None:
    assert time.localtime().tm_gmtoff != 7 * 3600
    assert format_vnp_date(datetime(2024, 9, 5, 2, 30, tzinfo=UTC)) == "20240905093000"
    la = timezone(timedelta(hours=-7))
    assert format_vnp_date(datetime(2024, 9, 4, 19, 30, tzinfo=la)) == "20240905093000"
    assert now_gmt7().utcoffset() == timedelta(hours=7)
    assert abs(now_gmt7() - datetime.now(UTC)) < timedelta(seconds=5)
    assert parse_vnp_date("20240905093000") == datetime(2024, 9, 5, 2, 30, tzinfo=UTC)


def test_naive_and_malformed_dates_are_refused() -> None:
    with pytest.raises(VnpayValidationError):
        format_vnp_date(datetime(2024, 9, 5, 9, 30))  # naive
    for bad in ("2024090509300", "20241305093000", "2024-09-05T09"):
        with pytest.raises(VnpayValidationError):
            parse_vnp_date(bad)


# --- amounts --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [True, False, 1.0, 1.1, 0, -1, "100", None, 10_000_000_000])
def test_amount_validation_refuses_non_int_vnd(bad: object) -> None:
    with pytest.raises(VnpayValidationError):
        validate_amount_vnd(bad)


def test_amount_is_multiplied_by_100() -> None:
    assert to_vnp_amount(150_000) == "15000000"
    assert to_vnp_amount(9_999_999_999) == "999999999900"
    assert parse_vnp_amount("15000000") == 150_000
    for bad in ("", "150000.00", "+100", "1e4", "150", "0x64"):
        with pytest.raises(VnpayValidationError):
            parse_vnp_amount(bad)


# --- order info, merchant, IPN reply --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Học phí tháng 9 - lớp 6A", "Hoc phi thang 9 - lop 6A"),
        ("Đóng tiền đồng phục", "Dong tien dong phuc"),
        ("HP (HK1) * ~ ! ' #5", "HP HK1 5"),
        ("So tien 100,000 VND. Ngay: 05-09", "So tien 100,000 VND. Ngay: 05-09"),
        (unicodedata.normalize("NFD", "Học phí"), "Hoc phi"),
        ("  nhiều   khoảng  trắng ", "nhieu khoang trang"),
    ],
)
def test_safe_order_info(raw: str, safe: str) -> None:
    assert safe_order_info(raw) == safe


def test_safe_order_info_limits() -> None:
    assert len(safe_order_info("a" * 300)) == 255
    with pytest.raises(VnpayValidationError):
        safe_order_info("*** !!!")


def test_secret_never_in_repr() -> None:
    assert SECRET not in repr(MERCHANT)
    assert SECRET not in str(MERCHANT)
    assert SECRET not in repr(VnpayClient(MERCHANT))
    with pytest.raises(VnpayValidationError):
        VnpayMerchant("SHORT", SECRET)


def test_ipn_replies() -> None:
    assert ipn_reply("00") == {"RspCode": "00", "Message": "Confirm Success"}
    assert ipn_reply("01") == {"RspCode": "01", "Message": "Order not found"}
    assert ipn_reply("02") == {"RspCode": "02", "Message": "Order already confirmed"}
    assert ipn_reply("04")["Message"] == "invalid amount"
    assert ipn_reply("97")["Message"] == "Invalid signature"
    assert ipn_reply("99")["Message"] == "Unknow error"
    with pytest.raises(ValueError, match="not an IPN reply code"):
        ipn_reply("03")
