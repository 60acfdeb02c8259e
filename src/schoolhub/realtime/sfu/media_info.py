"""Read negotiated codecs, SSRCs and directions out of SDP, via aiortc's public SDP parser."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCRtpSender
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.sdp import MediaDescription, SessionDescription

_AUX = {"rtx", "red", "ulpfec"}


@dataclass(frozen=True, slots=True)
class CodecKey:
    """Identity of a codec for forwarding: both legs must use exactly this codec."""

    mime_type: str  # lower-case, e.g. "video/vp8"
    clock_rate: int
    channels: int | None
    profile_level_id: str | None  # H.264 only

    @property
    def name(self) -> str:
        return self.mime_type.split("/", 1)[1]

    @classmethod
    def from_parameters(cls, codec: RTCRtpCodecParameters) -> CodecKey:
        profile = codec.parameters.get("profile-level-id")
        return cls(
            mime_type=codec.mimeType.lower(),
            clock_rate=codec.clockRate,
            channels=codec.channels,
            profile_level_id=str(profile).lower() if profile is not None else None,
        )

    def preferences(self, kind: str) -> list[RTCRtpCodecCapability]:
        """Capabilities to pass to ``setCodecPreferences`` for an egress transceiver."""
        capabilities = RTCRtpSender.getCapabilities(kind).codecs
        chosen = [c for c in capabilities if self._matches(c)]
        if not chosen:
            raise ValueError(f"aiortc cannot send {self}")
        rtx = [c for c in capabilities if c.mimeType.lower() == f"{kind}/rtx"]
        return chosen[:1] + rtx

    def _matches(self, capability: RTCRtpCodecCapability) -> bool:
        if capability.mimeType.lower() != self.mime_type:
            return False
        if capability.clockRate != self.clock_rate:
            return False
        if self.profile_level_id is None:
            return True
        profile = capability.parameters.get("profile-level-id")
        return str(profile).lower() == self.profile_level_id


def _media(sdp: str, mid: str) -> MediaDescription | None:
    for media in SessionDescription.parse(sdp).media:
        if media.rtp.muxId == mid:
            return media
    return None


def negotiated_codec(sdp: str, mid: str) -> CodecKey | None:
    """First non-auxiliary codec of m-section ``mid`` (the one the sender will use)."""
    media = _media(sdp, mid)
    if media is None:
        return None
    for codec in media.rtp.codecs:
        if codec.name.lower() not in _AUX:
            return CodecKey.from_parameters(codec)
    return None


def primary_ssrc(sdp: str, mid: str) -> int | None:
    """The media (non-RTX) SSRC a remote sender announced for ``mid``.

    RTCP feedback (PLI) is routed by ``media_ssrc`` (SFU.md §1.3), so this must not be RTX.
    """
    media = _media(sdp, mid)
    if media is None:
        return None
    for group in media.ssrc_group:
        if group.semantic == "FID" and group.items:
            return int(group.items[0])
    return media.ssrc[0].ssrc if media.ssrc else None


def media_direction(sdp: str, mid: str) -> str | None:
    """Direction attribute of ``mid`` (``None`` if absent); port 0 reads as ``inactive``."""
    media = _media(sdp, mid)
    if media is None:
        return None
    if media.port == 0:
        return "inactive"
    return media.direction
