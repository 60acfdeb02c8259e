"""Typed SFU errors with stable machine-readable codes for the signaling layer."""

from __future__ import annotations

import enum


class SfuErrorCode(enum.StrEnum):
    """Stable error codes; the GraphQL layer maps them 1:1 onto client-visible codes."""

    UNSUPPORTED_CODEC = "SFU_UNSUPPORTED_CODEC"
    SIMULCAST_NOT_SUPPORTED = "SFU_SIMULCAST_NOT_SUPPORTED"
    INVALID_SDP = "SFU_INVALID_SDP"
    ROOM_FULL = "SFU_ROOM_FULL"
    ROOM_CLOSED = "SFU_ROOM_CLOSED"
    UNKNOWN_PARTICIPANT = "SFU_UNKNOWN_PARTICIPANT"
    DUPLICATE_PARTICIPANT = "SFU_DUPLICATE_PARTICIPANT"
    NEGOTIATION_GLARE = "SFU_NEGOTIATION_GLARE"
    NEGOTIATION_FAILED = "SFU_NEGOTIATION_FAILED"
    AIORTC_INCOMPATIBLE = "SFU_AIORTC_INCOMPATIBLE"
    PASSTHROUGH_TOO_LATE = "SFU_PASSTHROUGH_TOO_LATE"


class SfuError(Exception):
    """Base class: ``code`` is stable, ``message`` is for humans and logs."""

    def __init__(self, code: SfuErrorCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


class SdpRejectedError(SfuError):
    """An SDP offer/answer was refused before it could produce a black screen."""


class AiortcIncompatibleError(SfuError):
    """The installed aiortc no longer has the private names the pass-through hooks need."""

    def __init__(self, message: str) -> None:
        super().__init__(SfuErrorCode.AIORTC_INCOMPATIBLE, message)
