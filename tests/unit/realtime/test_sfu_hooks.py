"""The aiortc hooks install idempotently and fail loudly if aiortc's private names change."""

from __future__ import annotations

import aiortc.rtcrtpreceiver
import pytest
from aiortc import RTCRtpReceiver, RTCRtpSender

from schoolhub.realtime.sfu import aiortc_hooks
from schoolhub.realtime.sfu.errors import AiortcIncompatibleError, SfuErrorCode


def test_install_is_idempotent() -> None:
    aiortc_hooks.install()
    worker = aiortc.rtcrtpreceiver.decoder_worker
    send_keyframe = RTCRtpSender._send_keyframe
    aiortc_hooks.install()
    assert aiortc.rtcrtpreceiver.decoder_worker is worker is aiortc_hooks.sfu_decoder_worker
    assert RTCRtpSender._send_keyframe is send_keyframe
    assert aiortc_hooks.is_installed()


def test_compat_check_passes_on_installed_aiortc() -> None:
    aiortc_hooks.check_aiortc_compat()


def test_compat_check_fails_loudly_when_pli_api_disappears(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_pli")
    with pytest.raises(AiortcIncompatibleError) as exc:
        aiortc_hooks.check_aiortc_compat()
    assert exc.value.code is SfuErrorCode.AIORTC_INCOMPATIBLE
    assert "_send_rtcp_pli" in str(exc.value)


def test_compat_check_fails_when_worker_signature_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    def changed_worker(loop: object, input_q: object, output_q: object) -> None:
        return None

    monkeypatch.setattr(aiortc_hooks._STATE, "original_worker", changed_worker)
    with pytest.raises(AiortcIncompatibleError, match="signature"):
        aiortc_hooks.check_aiortc_compat()


def test_non_forwarded_sender_keeps_aiortc_keyframe_behaviour() -> None:
    class Plain:
        track = None

    calls: list[object] = []
    original = aiortc_hooks._STATE.original_send_keyframe
    aiortc_hooks._STATE.original_send_keyframe = calls.append  # type: ignore[assignment]
    try:
        aiortc_hooks._sfu_send_keyframe(Plain())  # type: ignore[arg-type]
    finally:
        aiortc_hooks._STATE.original_send_keyframe = original
    assert len(calls) == 1


def test_forwarded_track_receives_subscriber_keyframe_requests() -> None:
    class Track:
        requests = 0

        def on_subscriber_keyframe_request(self) -> None:
            self.requests += 1

    class Sender:
        track = Track()

    aiortc_hooks._sfu_send_keyframe(Sender())  # type: ignore[arg-type]
    assert Sender.track.requests == 1
