"""Byte-exact encoding, signing and value formats of VNPay 2.1.0 (VNPAY.md §2.2, §2.3, §3.2).

Design note. VNPay signs the *URL-encoded* query string, so the encoder is part of the
signature: one character encoded differently is a "wrong signature" (code 70). We reproduce
npm `vnpay` / WHATWG `URLSearchParams` exactly (space -> `+`, `*` bare, `~` -> `%7E`,
`! ' ( )` percent-encoded, UTF-8 with upper-case hex), and normalise text to NFC first because
NFD and NFC spell the same word with different bytes. Order info is additionally folded to the
characters every official encoder agrees on (§2.3 [inference]), so the exact encoder only
matters for values we do not control (return URLs, callbacks).

Everything here is pure: no I/O, no clock except `now_gmt7()`, no dependency on the process
time zone (GMT+7 is a fixed offset; Vietnam has no DST).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

from schoolhub.payments.vnpay.errors import VnpayValidationError

__all__ = [
    "GMT7",
    "MAX_AMOUNT_VND",
    "SECURE_HASH",
    "SECURE_HASH_TYPE",
    "SignedParams",
    "build_signing_string",
    "encode_component",
    "format_vnp_date",
    "hmac_sha512_hex",
    "now_gmt7",
    "parse_vnp_amount",
    "parse_vnp_date",
    "pipe_checksum",
    "safe_order_info",
    "sign_params",
    "to_vnp_amount",
    "validate_amount_vnd",
    "verify_params",
]

GMT7 = timezone(timedelta(hours=7), "GMT+7")
"""Vietnam's offset. Fixed on purpose: never the process TZ (VNPAY.md §2.3, the npm bug)."""

SECURE_HASH = "vnp_SecureHash"
SECURE_HASH_TYPE = "vnp_SecureHashType"
_UNSIGNED_KEYS = frozenset({SECURE_HASH, SECURE_HASH_TYPE})

MAX_AMOUNT_VND = 9_999_999_999
"""`vnp_Amount` is Numeric[1,12] and carries VND x 100, so at most 12 digits after x100."""

_DATE_FORMAT = "%Y%m%d%H%M%S"
_DATE_RE = re.compile(r"[0-9]{14}")
_AMOUNT_RE = re.compile(r"[0-9]{1,18}")
_ORDER_INFO_MAX = 255
_ORDER_INFO_DISALLOWED = re.compile(r"[^A-Za-z0-9 .,:\-]+")
_SPACES = re.compile(r" {2,}")
# NFD does not decompose these (they are letters of their own, not letter + mark): map by hand.
_HAND_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def encode_component(value: str) -> str:
    """Encode one key or value exactly like WHATWG `URLSearchParams` (npm `vnpay`).

    `quote_plus(safe='*')` differs from URLSearchParams only on `~`, which Python leaves
    bare; the text is NFC-normalised first so that NFD input hashes like NFC input.
    """
    nfc = unicodedata.normalize("NFC", value)
    return quote_plus(nfc, safe="*", encoding="utf-8", errors="strict").replace("~", "%7E")


def build_signing_string(params: Mapping[str, str]) -> str:
    """The exact string that is HMAC-ed and sent as the query (§2.2 steps 1-4).

    Drops `vnp_SecureHash`/`vnp_SecureHashType` and empty values (the sent query must hold
    the same parameters as the signed one), sorts keys by code point (all keys are ASCII, so
    Python `sorted` equals JS/PHP/Java ordinal sort) and joins encoded `key=value` with `&`.
    """
    items = sorted(
        (key, value) for key, value in params.items() if key not in _UNSIGNED_KEYS and value != ""
    )
    return "&".join(f"{encode_component(key)}={encode_component(value)}" for key, value in items)


def hmac_sha512_hex(secret: str, message: str) -> str:
    """Lower-case hex HMAC-SHA512 of `message` keyed by `secret`, both as UTF-8."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha512).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedParams:
    """A signed query: `query` is the signed string itself, `secure_hash` its HMAC."""

    query: str
    secure_hash: str

    @property
    def url_query(self) -> str:
        """The query to put after `?`: the signed string, then the (unsigned) hash last."""
        return f"{self.query}&{SECURE_HASH}={self.secure_hash}"


def sign_params(params: Mapping[str, str], secret: str) -> SignedParams:
    """Sign request parameters as VNPay 2.1.0 expects (HMAC-SHA512 over the encoded query)."""
    query = build_signing_string(params)
    return SignedParams(query=query, secure_hash=hmac_sha512_hex(secret, query))


def verify_params(params: Mapping[str, str], secret: str) -> bool:
    """True iff the decoded callback parameters carry a valid `vnp_SecureHash`.

    Only `vnp_` keys are signed by VNPay: anything else (e.g. `?school=abc` already present in
    our return URL) is ignored, unlike npm `vnpay` which then fails. The received hex is
    compared case-insensitively (as .NET's sample does) in constant time.
    """
    received = params.get(SECURE_HASH)
    if not isinstance(received, str) or not received:
        return False
    signed = {key: value for key, value in params.items() if key.startswith("vnp_")}
    try:
        expected = hmac_sha512_hex(secret, build_signing_string(signed))
    except UnicodeEncodeError:  # e.g. a lone surrogate smuggled in: cannot be VNPay's
        return False
    # compare_digest needs ASCII str; a non-ASCII "hash" is simply wrong.
    if not received.isascii():
        return False
    return hmac.compare_digest(expected, received.lower())


def pipe_checksum(values: Iterable[str], secret: str) -> str:
    """Checksum of the querydr/refund API: raw (not URL-encoded) values joined with `|`."""
    return hmac_sha512_hex(secret, "|".join(values))


def safe_order_info(text: str) -> str:
    """Fold free text into the safe `vnp_OrderInfo` alphabet: `A-Z a-z 0-9`, space, `. , : -`.

    VNPay asks for "Vietnamese without diacritics and without special characters"; the
    characters kept are the ones every official encoder encodes identically (§2.3), so the
    signature cannot depend on which encoder VNPay's server uses. Diacritics are stripped
    (NFD + drop combining marks, `đ/Đ` mapped by hand), every other run of characters becomes
    one space, spaces are collapsed, and the result is cut to 255 characters.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_HAND_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _SPACES.sub(" ", _ORDER_INFO_DISALLOWED.sub(" ", stripped)).strip()
    result = folded[:_ORDER_INFO_MAX].rstrip()
    if not result:
        raise VnpayValidationError("order info is empty after removing unsafe characters")
    return result


def now_gmt7() -> datetime:
    """The current time as an aware datetime in GMT+7."""
    return datetime.now(GMT7)


def format_vnp_date(moment: datetime) -> str:
    """`yyyyMMddHHmmss` in GMT+7. Naive datetimes are refused: their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise VnpayValidationError("VNPay dates need an aware datetime (got a naive one)")
    return moment.astimezone(GMT7).strftime(_DATE_FORMAT)


def parse_vnp_date(value: str) -> datetime:
    """Parse a `yyyyMMddHHmmss` GMT+7 value into an aware datetime."""
    if not isinstance(value, str) or _DATE_RE.fullmatch(value) is None:
        raise VnpayValidationError(f"not a VNPay date (yyyyMMddHHmmss): {value!r}")
    try:
        return datetime.strptime(value, _DATE_FORMAT).replace(tzinfo=GMT7)
    except ValueError as exc:
        raise VnpayValidationError(f"not a valid VNPay date: {value!r}") from exc


def validate_amount_vnd(amount_vnd: object) -> int:
    """Return the amount if it is a positive `int` of VND that fits `vnp_Amount`.

    `bool` is an `int` subclass and floats would leak `110.00000000000001` into the URL
    (the npm bug in §2.3), so both are refused along with zero and negatives.
    """
    if type(amount_vnd) is not int:
        raise VnpayValidationError(f"amount must be an int of VND, got {type(amount_vnd).__name__}")
    if amount_vnd <= 0:
        raise VnpayValidationError("amount must be positive")
    if amount_vnd > MAX_AMOUNT_VND:
        raise VnpayValidationError("amount exceeds vnp_Amount's 12 digits")
    return amount_vnd


def to_vnp_amount(amount_vnd: int) -> str:
    """`vnp_Amount` for an amount of VND: the integer x 100, as digits only."""
    return str(validate_amount_vnd(amount_vnd) * 100)


def parse_vnp_amount(value: str) -> int:
    """Parse a received `vnp_Amount` (VND x 100) back to whole VND.

    Strict: ASCII digits only (no sign, spaces, separators or Unicode digits) and a multiple
    of 100, because VND has no minor unit and anything else means tampering or a bug.
    """
    if not isinstance(value, str) or _AMOUNT_RE.fullmatch(value) is None:
        raise VnpayValidationError(f"vnp_Amount is not a digit string: {value!r}")
    cents = int(value)
    if cents % 100 != 0:
        raise VnpayValidationError(f"vnp_Amount is not a whole number of VND: {value!r}")
    return cents // 100
