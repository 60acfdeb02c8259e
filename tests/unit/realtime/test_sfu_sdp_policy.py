"""SDP admission: VP8/H.264/Opus only, no simulcast, typed errors."""

from __future__ import annotations

import pytest

from schoolhub.realtime.sfu.errors import SdpRejectedError, SfuErrorCode
from schoolhub.realtime.sfu.sdp_policy import check_negotiated_codecs, validate_offer

HEADER = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"


def video(pts: str, rtpmaps: str, extra: str = "", port: int = 9) -> str:
    return f"m=video {port} UDP/TLS/RTP/SAVPF {pts}\r\na=mid:0\r\n{rtpmaps}{extra}"


def audio(pts: str, rtpmaps: str) -> str:
    return f"m=audio 9 UDP/TLS/RTP/SAVPF {pts}\r\na=mid:1\r\n{rtpmaps}"


VP8 = "a=rtpmap:97 VP8/90000\r\n"
RTX = "a=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n"
OPUS = "a=rtpmap:111 opus/48000/2\r\n"
H264 = "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"


def test_browser_like_offer_with_extra_codecs_is_accepted() -> None:
    vp9 = "a=rtpmap:100 VP9/90000\r\n"
    sections = validate_offer(
        HEADER
        + video("100 97 98", vp9 + VP8 + RTX)
        + audio("111 0", OPUS + "a=rtpmap:0 PCMU/8000\r\n")
    )
    assert [s.kind for s in sections] == ["video", "audio"]
    assert sections[0].codecs == ("vp9", "vp8", "rtx")


def test_h264_only_offer_is_accepted() -> None:
    validate_offer(HEADER + video("102", H264))


@pytest.mark.parametrize("line", ["a=simulcast:send h;l\r\n", "a=rid:h send\r\n"])
def test_simulcast_rejected(line: str) -> None:
    with pytest.raises(SdpRejectedError) as exc:
        validate_offer(HEADER + video("97", VP8, extra=line))
    assert exc.value.code is SfuErrorCode.SIMULCAST_NOT_SUPPORTED


def test_simulcast_in_disabled_section_is_ignored() -> None:
    validate_offer(HEADER + video("97", VP8, extra="a=rid:h send\r\n", port=0) + audio("111", OPUS))


@pytest.mark.parametrize(
    "offer",
    [
        HEADER + video("100", "a=rtpmap:100 VP9/90000\r\n"),
        HEADER + video("45", "a=rtpmap:45 AV1/90000\r\n"),
        HEADER + audio("0 8", "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"),
        HEADER + video("102", "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=0\r\n"),
    ],
)
def test_unsupported_codecs_rejected(offer: str) -> None:
    with pytest.raises(SdpRejectedError) as exc:
        validate_offer(offer)
    assert exc.value.code is SfuErrorCode.UNSUPPORTED_CODEC
    assert exc.value.code.value == "SFU_UNSUPPORTED_CODEC"


def test_garbage_rejected() -> None:
    with pytest.raises(SdpRejectedError) as exc:
        validate_offer("hello")
    assert exc.value.code is SfuErrorCode.INVALID_SDP
    with pytest.raises(SdpRejectedError):
        validate_offer(HEADER + "m=video x\r\n")


def test_answer_must_choose_an_allowed_codec() -> None:
    check_negotiated_codecs(HEADER + video("97 98", VP8 + RTX) + audio("111", OPUS))
    with pytest.raises(SdpRejectedError) as exc:
        check_negotiated_codecs(HEADER + audio("0 111", "a=rtpmap:0 PCMU/8000\r\n" + OPUS))
    assert exc.value.code is SfuErrorCode.UNSUPPORTED_CODEC


def test_offer_whose_first_usable_codec_is_not_allowed_is_rejected_up_front() -> None:
    # aiortc answers in offer order: PCMU first would be chosen over Opus
    pcmu_first = HEADER + audio("0 111", "a=rtpmap:0 PCMU/8000\r\n" + OPUS)
    with pytest.raises(SdpRejectedError) as exc:
        validate_offer(pcmu_first)
    assert exc.value.code is SfuErrorCode.UNSUPPORTED_CODEC
    # codecs aiortc cannot negotiate at all (VP9) may come first: VP8 is chosen
    validate_offer(HEADER + video("100 97", "a=rtpmap:100 VP9/90000\r\n" + VP8))
