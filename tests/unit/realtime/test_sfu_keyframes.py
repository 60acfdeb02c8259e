"""Keyframe detection on VP8/H.264 bytes and upstream keyframe-request coalescing."""

from __future__ import annotations

import pytest

from schoolhub.realtime.sfu.keyframes import (
    CoalesceDecision,
    KeyframeRequestCoalescer,
    frame_is_keyframe,
    h264_frame_is_keyframe,
    h264_payload_is_keyframe,
    vp8_frame_is_keyframe,
    vp8_payload_is_keyframe,
)

# VP8 key frame: frame tag with P=0 (bit 0), show_frame, then start code and 320x240.
VP8_KEY = bytes([0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00]) + b"\x00" * 20
VP8_DELTA = bytes([0x51, 0x42, 0x00]) + b"\x11" * 27


def test_vp8_frame_tag() -> None:
    assert vp8_frame_is_keyframe(VP8_KEY)
    assert not vp8_frame_is_keyframe(VP8_DELTA)
    assert not vp8_frame_is_keyframe(VP8_KEY[:5])  # truncated
    assert not vp8_frame_is_keyframe(bytes([0x50, 0, 0, 1, 2, 3]) + b"\x00" * 10)  # no start code


@pytest.mark.parametrize(
    ("descriptor", "expected"),
    [
        (bytes([0x10]), True),  # S=1, PID=0, no extension
        (bytes([0x90, 0x80, 0x12]), True),  # X, I with 7-bit picture id
        (bytes([0x90, 0x80, 0x81, 0x23]), True),  # X, I with 15-bit picture id (aiortc)
        (bytes([0x90, 0xE0, 0x81, 0x23, 0x05, 0x40]), True),  # I + L + T
        (bytes([0x00]), False),  # continuation packet (S=0)
        (bytes([0x11]), False),  # partition 1
    ],
)
def test_vp8_payload_descriptor(descriptor: bytes, expected: bool) -> None:
    assert vp8_payload_is_keyframe(descriptor + VP8_KEY) is expected
    assert vp8_payload_is_keyframe(descriptor + VP8_DELTA) is False


def nal(nal_type: int, body: bytes = b"\xaa\xbb") -> bytes:
    return bytes([0x60 | nal_type]) + body


def test_h264_annexb_access_units() -> None:
    idr_au = b"\x00\x00\x00\x01" + nal(7) + b"\x00\x00\x00\x01" + nal(8) + b"\x00\x00\x01" + nal(5)
    p_au = b"\x00\x00\x00\x01" + nal(9) + b"\x00\x00\x01" + nal(1)
    assert h264_frame_is_keyframe(idr_au)
    assert h264_frame_is_keyframe(b"\x00\x00\x01" + nal(5))
    assert h264_frame_is_keyframe(b"\x00\x00\x01" + nal(7))  # SPS alone
    assert not h264_frame_is_keyframe(p_au)
    assert not h264_frame_is_keyframe(b"")


def test_h264_rtp_payloads() -> None:
    assert h264_payload_is_keyframe(nal(5))  # single NAL IDR
    assert not h264_payload_is_keyframe(nal(1))
    # FU-A: indicator type 28, header with S bit and original type
    assert h264_payload_is_keyframe(bytes([0x7C, 0x85]) + b"\x00" * 10)
    assert not h264_payload_is_keyframe(bytes([0x7C, 0x05]) + b"\x00" * 10)  # not the start
    assert not h264_payload_is_keyframe(bytes([0x7C, 0x81]) + b"\x00" * 10)  # non-IDR slice
    # STAP-A with SPS + PPS
    sps, pps = nal(7, b"\x42\x00\x1f"), nal(8, b"\xce")
    stap = bytes([0x78]) + len(sps).to_bytes(2, "big") + sps + len(pps).to_bytes(2, "big") + pps
    assert h264_payload_is_keyframe(stap)
    sei = nal(6)
    stap_no_key = bytes([0x78]) + len(sei).to_bytes(2, "big") + sei
    assert not h264_payload_is_keyframe(stap_no_key)
    assert not h264_payload_is_keyframe(bytes([0x78, 0x00, 0x40, 0x67]))  # truncated


def test_dispatch_by_codec_name() -> None:
    assert frame_is_keyframe("VP8", VP8_KEY)
    assert not frame_is_keyframe("vp8", VP8_DELTA)
    assert frame_is_keyframe("H264", b"\x00\x00\x01" + nal(5))
    assert frame_is_keyframe("opus", b"\xfc\xff\xfe")  # every audio frame is independent


def test_coalescer_limits_rate_and_never_loses_a_request() -> None:
    c = KeyframeRequestCoalescer(interval=0.4)
    assert c.request(10.0) == (CoalesceDecision.SEND_NOW, 0.0)
    decision, delay = c.request(10.1)
    assert decision is CoalesceDecision.DEFER
    assert delay == pytest.approx(0.3)
    assert c.request(10.2)[0] is CoalesceDecision.COALESCED
    assert c.request(10.3)[0] is CoalesceDecision.COALESCED
    assert c.fire(10.4) is True  # the deferred request goes out exactly once
    assert c.fire(10.45) is False
    assert c.sent == 2
    assert c.requests == 4
    # within the interval after the deferred send: deferred again
    assert c.request(10.5)[0] is CoalesceDecision.DEFER
    c.keyframe_received()  # a keyframe satisfies the waiting subscriber: cancel
    assert c.fire(10.8) is False
    assert c.request(11.0)[0] is CoalesceDecision.SEND_NOW


def test_coalescer_rejects_negative_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        KeyframeRequestCoalescer(-1)
