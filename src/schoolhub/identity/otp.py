"""One-time sign-in codes for guardians. Delivery is an interface: SMS/Zalo in production,
the log in development, memory in tests."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("schoolhub.otp")


class OtpSender(Protocol):
    async def send(self, phone: str, code: str) -> None: ...


class ConsoleOtpSender:
    """Development delivery: prints the code (never used in production)."""

    async def send(self, phone: str, code: str) -> None:
        print(f"[schoolhub] one-time code for {phone}: {code}", flush=True)


class MemoryOtpSender:
    """Test delivery: keeps the last code per phone."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    async def send(self, phone: str, code: str) -> None:
        self.sent[phone] = code


class DisabledOtpSender:
    async def send(self, phone: str, code: str) -> None:
        log.error("no OTP delivery channel is configured; code for %s not sent", phone[:5] + "****")


_sender: OtpSender = ConsoleOtpSender()


def set_sender(sender: OtpSender) -> None:
    global _sender
    _sender = sender


def sender() -> OtpSender:
    return _sender
