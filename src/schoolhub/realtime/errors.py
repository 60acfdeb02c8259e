"""Stable error codes of rooms, join tokens and signaling."""

from __future__ import annotations

from enum import StrEnum


class RealtimeErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""

    JOIN_TOKEN_INVALID = "JOIN_TOKEN_INVALID"
    JOIN_TOKEN_EXPIRED = "JOIN_TOKEN_EXPIRED"
    JOIN_TOKEN_REVOKED = "JOIN_TOKEN_REVOKED"
    ROOM_ENDED = "ROOM_ENDED"
    ROOM_LOCKED = "ROOM_LOCKED"
    ROOM_FULL = "ROOM_FULL"
    REMOVED_FROM_ROOM = "REMOVED_FROM_ROOM"
    LOBBY_DENIED = "LOBBY_DENIED"
    NOT_IN_ROOM = "NOT_IN_ROOM"
    # The host turned off "participants may unmute themselves" / "... start their video": raise
    # your hand; a host's askToUnmute lets you do it (hosts never unmute anyone directly).
    SELF_UNMUTE_DISALLOWED = "SELF_UNMUTE_DISALLOWED"
    SELF_VIDEO_DISALLOWED = "SELF_VIDEO_DISALLOWED"
    RECORDING_CONSENT_REQUIRED = "RECORDING_CONSENT_REQUIRED"
    RECORDING_ALREADY_RUNNING = "RECORDING_ALREADY_RUNNING"
    RECORDING_NOT_RUNNING = "RECORDING_NOT_RUNNING"
    RECORDING_NOT_SUPPORTED = "RECORDING_NOT_SUPPORTED"  # no longer raised; kept: contract
    # The SFU's typed codes, surfaced 1:1 (schoolhub.realtime.sfu.errors.SfuErrorCode).
    SFU_UNSUPPORTED_CODEC = "SFU_UNSUPPORTED_CODEC"
    SFU_SIMULCAST_NOT_SUPPORTED = "SFU_SIMULCAST_NOT_SUPPORTED"
    SFU_INVALID_SDP = "SFU_INVALID_SDP"
    SFU_ROOM_FULL = "SFU_ROOM_FULL"
    SFU_ROOM_CLOSED = "SFU_ROOM_CLOSED"
    SFU_UNKNOWN_PARTICIPANT = "SFU_UNKNOWN_PARTICIPANT"
    SFU_DUPLICATE_PARTICIPANT = "SFU_DUPLICATE_PARTICIPANT"
    SFU_NEGOTIATION_GLARE = "SFU_NEGOTIATION_GLARE"
    SFU_NEGOTIATION_FAILED = "SFU_NEGOTIATION_FAILED"
    SFU_UNAVAILABLE = "SFU_UNAVAILABLE"
