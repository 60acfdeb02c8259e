"""VNPay 2.1.0 protocol layer (VNPAY.md): pure, typed, free of database and web-framework code.

Public API:
- `VnpayMerchant`, `VnpayClient` (`build_payment_url`, `verify_callback`, `query_dr`, `refund`)
- `ipn_reply` and the code tables
- encoding helpers (`sign_params`, `verify_params`, `safe_order_info`, dates, amounts)
- typed results and errors.
"""

from schoolhub.payments.vnpay.callbacks import untrusted_callback_keys, verify_callback
from schoolhub.payments.vnpay.client import (
    DEFAULT_TIMEOUT,
    PAYMENT_PATH,
    SANDBOX_BASE_URL,
    TRANSACTION_API_PATH,
    VnpayClient,
    new_request_id,
)
from schoolhub.payments.vnpay.codes import (
    IPN_REPLY_MESSAGES,
    QUERYDR_RESPONSE_MESSAGES,
    REFUND_RESPONSE_MESSAGES,
    RESPONSE_CODE_MESSAGES,
    TRANSACTION_STATUS_MESSAGES,
    ipn_reply,
)
from schoolhub.payments.vnpay.encoding import (
    GMT7,
    SignedParams,
    build_signing_string,
    encode_component,
    format_vnp_date,
    now_gmt7,
    parse_vnp_amount,
    parse_vnp_date,
    pipe_checksum,
    safe_order_info,
    sign_params,
    to_vnp_amount,
    validate_amount_vnd,
    verify_params,
)
from schoolhub.payments.vnpay.errors import (
    InvalidSignatureError,
    MalformedCallbackError,
    MalformedResponseError,
    ResponseSignatureError,
    VnpayError,
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

__all__ = [
    "DEFAULT_TIMEOUT",
    "GMT7",
    "IPN_REPLY_MESSAGES",
    "PAYMENT_PATH",
    "QUERYDR_RESPONSE_MESSAGES",
    "REFUND_RESPONSE_MESSAGES",
    "RESPONSE_CODE_MESSAGES",
    "SANDBOX_BASE_URL",
    "TRANSACTION_API_PATH",
    "TRANSACTION_STATUS_MESSAGES",
    "InvalidSignatureError",
    "MalformedCallbackError",
    "MalformedResponseError",
    "PaymentUrl",
    "QueryDrResult",
    "RefundResult",
    "ResponseSignatureError",
    "SignedParams",
    "VerifiedCallback",
    "VnpayClient",
    "VnpayError",
    "VnpayMerchant",
    "VnpayTimeoutError",
    "VnpayTransportError",
    "VnpayValidationError",
    "build_signing_string",
    "encode_component",
    "format_vnp_date",
    "ipn_reply",
    "new_request_id",
    "now_gmt7",
    "parse_vnp_amount",
    "parse_vnp_date",
    "pipe_checksum",
    "safe_order_info",
    "sign_params",
    "to_vnp_amount",
    "untrusted_callback_keys",
    "validate_amount_vnd",
    "verify_callback",
    "verify_params",
]
