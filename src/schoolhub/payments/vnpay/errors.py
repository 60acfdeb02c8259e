"""Typed errors of the VNPay protocol layer.

Every failure a caller must react to differently has its own class, so an IPN handler can map
them to VNPay's JSON reply codes (97 for a bad signature, 99 for anything else) and a
reconciliation job can tell "VNPay said no" (a typed result) from "we could not reach VNPay"
(an exception) without parsing messages. Messages never contain the hash secret.
"""

from __future__ import annotations


class VnpayError(Exception):
    """Base class of every error raised by `schoolhub.payments.vnpay`."""


class VnpayValidationError(VnpayError, ValueError):
    """An argument we were about to send to VNPay breaks the protocol's format rules.

    Raised before anything leaves the process (bad amount, TxnRef, IP, date...): sending it
    would only earn a "wrong data format" or "wrong signature" page from VNPay.
    """


class InvalidSignatureError(VnpayError):
    """A callback (Return URL / IPN) is unsigned or its `vnp_SecureHash` does not match.

    Nothing in such a callback may be trusted, not even the TxnRef: the IPN reply is `97`.
    """


class MalformedCallbackError(VnpayError):
    """A correctly signed callback is missing a field or carries an unparsable one.

    The signature was valid, so this is VNPay (or our own configuration, e.g. the wrong
    terminal) misbehaving; the IPN reply is `99` so that VNPay retries later.
    """


class VnpayTransportError(VnpayError):
    """The querydr/refund API could not be reached or did not answer HTTP 200 with JSON."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class VnpayTimeoutError(VnpayTransportError):
    """The querydr/refund API did not answer within our (deliberately short) timeout.

    For a refund this means the outcome is unknown: query it with querydr before retrying,
    never blindly resend the refund.
    """


class MalformedResponseError(VnpayError):
    """The API answered JSON that is not a valid querydr/refund response for our request."""


class ResponseSignatureError(MalformedResponseError):
    """The API response's `vnp_SecureHash` is missing (on success) or does not match."""
