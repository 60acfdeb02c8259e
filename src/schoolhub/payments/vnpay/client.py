"""VNPay client for one merchant: payment URLs, callback verification, querydr and refund.

The client holds no state besides its configuration, so one instance per school can be
built on demand from the (decrypted) credentials. HTTP goes through `httpx.AsyncClient`
with explicit short timeouts: a reconciliation job must fail fast and retry later rather
than hang on VNPay. A timed-out refund has an unknown outcome; query before retrying.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal

import httpx

from schoolhub.payments.vnpay.callbacks import verify_callback
from schoolhub.payments.vnpay.codes import (
    TRANSACTION_TYPE_FULL_REFUND,
    TRANSACTION_TYPE_PARTIAL_REFUND,
)
from schoolhub.payments.vnpay.encoding import (
    SECURE_HASH,
    format_vnp_date,
    now_gmt7,
    safe_order_info,
    sign_params,
    to_vnp_amount,
)
from schoolhub.payments.vnpay.errors import (
    MalformedResponseError,
    VnpayTimeoutError,
    VnpayTransportError,
    VnpayValidationError,
)
from schoolhub.payments.vnpay.models import (
    PaymentUrl,
    QueryDrResult,
    RefundResult,
    VerifiedCallback,
    VnpayMerchant,
)
from schoolhub.payments.vnpay.transaction_api import (
    QUERYDR_REQUEST_FIELDS,
    REFUND_REQUEST_FIELDS,
    fields_checksum,
    parse_querydr_response,
    parse_refund_response,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "PAYMENT_PATH",
    "SANDBOX_BASE_URL",
    "TRANSACTION_API_PATH",
    "VnpayClient",
    "new_request_id",
]

SANDBOX_BASE_URL = "https://sandbox.vnpayment.vn"
PAYMENT_PATH = "/paymentv2/vpcpay.html"
TRANSACTION_API_PATH = "/merchant_webapi/api/transaction"
VERSION = "2.1.0"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
"""Short on purpose: httpx's default is 5 s per phase, but we want the bound explicit."""

_TXN_REF_RE = re.compile(r"[A-Za-z0-9]{1,100}")
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")
_ORDER_TYPE_RE = re.compile(r"[A-Za-z0-9]{1,100}")
_BANK_CODE_RE = re.compile(r"[A-Za-z0-9]{3,20}")
_DATE_RE = re.compile(r"[0-9]{14}")
_CREATE_BY_MAX = 255


def new_request_id() -> str:
    """A fresh `vnp_RequestId`: 32 hex characters (Alphanumeric <= 32, unique per request)."""
    return uuid.uuid4().hex


def _check_txn_ref(txn_ref: str) -> str:
    if not isinstance(txn_ref, str) or _TXN_REF_RE.fullmatch(txn_ref) is None:
        raise VnpayValidationError("vnp_TxnRef must be Alphanumeric[1,100]")
    return txn_ref


def _check_ip(ip_addr: str) -> str:
    try:
        return str(ipaddress.ip_address(ip_addr))
    except ValueError:
        raise VnpayValidationError("vnp_IpAddr must be an IPv4 or IPv6 address") from None


def _transaction_date(value: str | datetime) -> str:
    """The original payment's `vnp_CreateDate`, as stored string or aware datetime."""
    if isinstance(value, datetime):
        return format_vnp_date(value)
    if _DATE_RE.fullmatch(value) is None:
        raise VnpayValidationError("vnp_TransactionDate must be yyyyMMddHHmmss (GMT+7)")
    return value


class VnpayClient:
    """Protocol client bound to one `VnpayMerchant`.

    `clock` and `request_id_factory` exist for deterministic tests; production uses the
    defaults. If `http_client` is given, the caller owns (and closes) it.
    """

    def __init__(
        self,
        merchant: VnpayMerchant,
        *,
        base_url: str = SANDBOX_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = now_gmt7,
        request_id_factory: Callable[[], str] = new_request_id,
    ) -> None:
        self.merchant = merchant
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._clock = clock
        self._request_id_factory = request_id_factory
        self._owns_http = http_client is None
        # Created lazily: a client used only to sign URLs / verify callbacks opens nothing.
        self._http = http_client

    def __repr__(self) -> str:
        return f"VnpayClient(merchant={self.merchant!r}, base_url={self.base_url!r})"

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> VnpayClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def payment_endpoint(self) -> str:
        return f"{self.base_url}{PAYMENT_PATH}"

    @property
    def transaction_endpoint(self) -> str:
        return f"{self.base_url}{TRANSACTION_API_PATH}"

    def build_payment_url(
        self,
        *,
        txn_ref: str,
        amount_vnd: int,
        order_info: str,
        return_url: str,
        ip_addr: str,
        locale: Literal["vn", "en"] = "vn",
        order_type: str = "other",
        bank_code: str | None = None,
        created_at: datetime | None = None,
        expires_in: timedelta = timedelta(minutes=15),
    ) -> PaymentUrl:
        """Build the signed `vnp_Command=pay` URL (§2).

        `order_info` is folded by `safe_order_info` (Vietnamese text is fine to pass);
        `ip_addr` is the customer's IP; `txn_ref` must be unique per terminal and day, which
        only the caller's database can guarantee. `vnp_SecureHashType` is never sent (2.1.0).
        """
        created = created_at if created_at is not None else self._clock()
        if expires_in <= timedelta(0):
            raise VnpayValidationError("expires_in must be positive")
        if locale not in ("vn", "en"):
            raise VnpayValidationError("vnp_Locale must be 'vn' or 'en'")
        if _ORDER_TYPE_RE.fullmatch(order_type) is None:
            raise VnpayValidationError("vnp_OrderType must be a category code")
        if bank_code is not None and _BANK_CODE_RE.fullmatch(bank_code) is None:
            raise VnpayValidationError("vnp_BankCode must be Alphanumeric[3,20]")
        if not (10 <= len(return_url) <= 255) or not return_url.startswith(("https://", "http://")):
            raise VnpayValidationError("vnp_ReturnUrl must be an http(s) URL of 10-255 chars")
        create_date = format_vnp_date(created)
        expire_date = format_vnp_date(created + expires_in)
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.merchant.tmn_code,
            "vnp_Amount": to_vnp_amount(amount_vnd),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": _check_txn_ref(txn_ref),
            "vnp_OrderInfo": safe_order_info(order_info),
            "vnp_OrderType": order_type,
            "vnp_Locale": locale,
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": _check_ip(ip_addr),
            "vnp_CreateDate": create_date,
            "vnp_ExpireDate": expire_date,
        }
        if bank_code is not None:
            params["vnp_BankCode"] = bank_code
        signed = sign_params(params, self.merchant.hash_secret)
        return PaymentUrl(
            url=f"{self.payment_endpoint}?{signed.url_query}",
            txn_ref=txn_ref,
            amount_vnd=amount_vnd,
            create_date=create_date,
            expire_date=expire_date,
            params={**params, SECURE_HASH: signed.secure_hash},
        )

    def verify_callback(self, query: Mapping[str, str]) -> VerifiedCallback:
        """Verify a Return URL / IPN query for this merchant (see `callbacks.verify_callback`)."""
        return verify_callback(query, self.merchant)

    def _request_id(self) -> str:
        request_id = self._request_id_factory()
        if _REQUEST_ID_RE.fullmatch(request_id) is None:
            raise VnpayValidationError("vnp_RequestId must be Alphanumeric[1,32]")
        return request_id

    async def query_dr(
        self,
        *,
        txn_ref: str,
        transaction_date: str | datetime,
        ip_addr: str,
        order_info: str | None = None,
        transaction_no: str | None = None,
    ) -> QueryDrResult:
        """Ask VNPay for a payment's status (§4). `ip_addr` is OUR server's IP.

        A `91` (not found) is a result, not an error; transport failures and bad checksums
        raise.
        """
        body = {
            "vnp_RequestId": self._request_id(),
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.merchant.tmn_code,
            "vnp_TxnRef": _check_txn_ref(txn_ref),
            "vnp_TransactionDate": _transaction_date(transaction_date),
            "vnp_CreateDate": format_vnp_date(self._clock()),
            "vnp_IpAddr": _check_ip(ip_addr),
            "vnp_OrderInfo": safe_order_info(order_info or f"Truy van GD {txn_ref}"),
        }
        if transaction_no is not None:
            body["vnp_TransactionNo"] = transaction_no  # not part of the checksum (§4)
        body[SECURE_HASH] = fields_checksum(body, QUERYDR_REQUEST_FIELDS, self.merchant.hash_secret)
        return parse_querydr_response(await self._post(body), self.merchant, txn_ref)

    async def refund(
        self,
        *,
        txn_ref: str,
        amount_vnd: int,
        transaction_date: str | datetime,
        full: bool,
        created_by: str,
        ip_addr: str,
        transaction_no: str | None = None,
        order_info: str | None = None,
    ) -> RefundResult:
        """Request a full (`02`) or partial (`03`) refund of a successful payment (§5).

        `transaction_no` is VNPay's number of the original payment; `"0"` when unknown (sent
        in both the body and the checksum, unlike npm `vnpay`).
        """
        if not created_by or len(created_by) > _CREATE_BY_MAX:
            raise VnpayValidationError("vnp_CreateBy must be 1-255 characters")
        body = {
            "vnp_RequestId": self._request_id(),
            "vnp_Version": VERSION,
            "vnp_Command": "refund",
            "vnp_TmnCode": self.merchant.tmn_code,
            "vnp_TransactionType": (
                TRANSACTION_TYPE_FULL_REFUND if full else TRANSACTION_TYPE_PARTIAL_REFUND
            ),
            "vnp_TxnRef": _check_txn_ref(txn_ref),
            "vnp_Amount": to_vnp_amount(amount_vnd),
            "vnp_TransactionNo": transaction_no or "0",
            "vnp_TransactionDate": _transaction_date(transaction_date),
            "vnp_CreateBy": created_by,
            "vnp_CreateDate": format_vnp_date(self._clock()),
            "vnp_IpAddr": _check_ip(ip_addr),
            "vnp_OrderInfo": safe_order_info(order_info or f"Hoan tien GD {txn_ref}"),
        }
        body[SECURE_HASH] = fields_checksum(body, REFUND_REQUEST_FIELDS, self.merchant.hash_secret)
        return parse_refund_response(await self._post(body), self.merchant, txn_ref)

    async def _post(self, body: Mapping[str, str]) -> object:
        if self._http is None:
            self._http = httpx.AsyncClient()
        try:
            response = await self._http.post(
                self.transaction_endpoint, json=dict(body), timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise VnpayTimeoutError(f"VNPay API timed out: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise VnpayTransportError(f"VNPay API unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise VnpayTransportError(
                f"VNPay API answered HTTP {response.status_code}",
                status_code=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise MalformedResponseError("VNPay API answered non-JSON") from None
