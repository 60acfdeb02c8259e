"""Reading codecs/SSRCs from SDP and pinning the egress codec to the publisher's."""

from __future__ import annotations

from schoolhub.realtime.sfu.media_info import (
    CodecKey,
    media_direction,
    negotiated_codec,
    primary_ssrc,
)

SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42E01F\r\n"
    "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
    "a=ssrc-group:FID 1111 2222\r\na=ssrc:1111 cname:x\r\na=ssrc:2222 cname:x\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=ssrc:3333 cname:x\r\n"
)


def test_negotiated_codec_and_ssrcs() -> None:
    codec = negotiated_codec(SDP, "0")
    assert codec is not None
    assert codec.name == "h264"
    assert codec.profile_level_id == "42e01f"
    assert primary_ssrc(SDP, "0") == 1111  # media SSRC, not the RTX one
    assert primary_ssrc(SDP, "1") == 3333
    assert media_direction(SDP, "0") == "sendonly"
    assert media_direction(SDP, "1") == "inactive"  # port 0
    assert negotiated_codec(SDP, "9") is None


def test_egress_preferences_pin_the_exact_codec() -> None:
    h264 = negotiated_codec(SDP, "0")
    assert h264 is not None
    prefs = h264.preferences("video")
    assert prefs[0].mimeType == "video/H264"
    assert prefs[0].parameters["profile-level-id"] == "42e01f"
    assert {p.mimeType for p in prefs[1:]} == {"video/rtx"}
    vp8 = CodecKey("video/vp8", 90000, None, None).preferences("video")
    assert vp8[0].mimeType == "video/VP8"
    opus = CodecKey("audio/opus", 48000, 2, None).preferences("audio")
    assert [p.mimeType for p in opus] == ["audio/opus"]
