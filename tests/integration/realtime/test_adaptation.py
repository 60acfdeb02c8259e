"""Per-subscriber adaptation end to end with real aiortc peers over loopback.

The student's *client* is made to report loss in its RTCP receiver reports (its own
``RTCRtpReceiver._send_rtcp`` rewrites the fraction-lost field of the reports it sends): a fake
bad network on the client side only. The SFU code runs unchanged: it reads those reports in
its ``RTCRtpSender``\\ s, steps the student down (everything -> audio + presenter -> audio only),
emits ``SubscriptionAdapted`` on the room's event stream, and steps back up once the reports
are clean again. The teacher's own subscription is not touched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiortc.mediastreams import AudioStreamTrack
from aiortc.rtp import RtcpRrPacket

from schoolhub.realtime.placement import from_dict, to_dict
from schoolhub.realtime.sfu import SfuRoom, SubscriptionMode
from schoolhub.realtime.sfu.adaptation import AdaptationConfig
from schoolhub.realtime.sfu.events import RoomEvent, SubscriptionAdapted
from schoolhub.realtime.sfu.loopback import LoopbackClient, SyntheticVideoTrack

pytestmark = [pytest.mark.timeout(90)]

FAST = AdaptationConfig(smoothing=0.6, degrade_after=1.0, recover_after=2.0, hold_after_change=1.0)


async def wait_until(predicate: Callable[[], Any], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


class LossyReports:
    """Client-side fake: while ``lossy``, every receiver report the client sends claims
    ``fraction`` of the packets were lost."""

    def __init__(self, client: LoopbackClient, fraction: float) -> None:
        self.client = client
        self.fraction = fraction
        self.lossy = False
        self.rewritten = 0
        self._hooked: set[int] = set()

    def hook(self) -> None:
        for transceiver in self.client.pc.getTransceivers():
            receiver = transceiver.receiver
            if id(receiver) in self._hooked:
                continue
            self._hooked.add(id(receiver))
            original = receiver._send_rtcp

            async def send(packet: Any, original: Any = original) -> None:
                if self.lossy and isinstance(packet, RtcpRrPacket):
                    for report in packet.reports:
                        report.fraction_lost = int(self.fraction * 256)
                    self.rewritten += 1
                await original(packet)

            receiver._send_rtcp = send  # type: ignore[method-assign]


@pytest.fixture
async def room() -> AsyncIterator[SfuRoom]:
    sfu = SfuRoom("class-adapt", max_participants=4)
    yield sfu
    await sfu.close()


async def test_a_lossy_subscriber_is_stepped_down_and_back_up(room: SfuRoom) -> None:
    events: list[RoomEvent] = []
    room.add_listener(events.append)
    teacher = LoopbackClient(room, "teacher")
    student = LoopbackClient(room, "student")
    try:
        await teacher.join([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        await student.join()
        await wait_until(lambda: student.frames("video") >= 10 and student.packets("audio") >= 10)
        room.participant("student").adapter.config = FAST
        room.participant("teacher").adapter.config = FAST
        fake = LossyReports(student, 0.3)
        fake.hook()

        def adapted() -> list[SubscriptionAdapted]:
            return [e for e in events if isinstance(e, SubscriptionAdapted)]

        def video_slots_paused() -> bool:
            slots = [s for s in room.participant("student").slots if s.kind == "video"]
            return bool(slots) and all(s.track.paused for s in slots)

        # clean reports: nothing happens
        await wait_until(lambda: room.participant("student").adapter.loss is not None)
        assert adapted() == []

        fake.lossy = True
        await wait_until(lambda: len(adapted()) >= 2)
        down = adapted()
        assert [(e.participant_id, e.mode, e.reason) for e in down] == [
            ("student", "AUDIO_AND_PRESENTER", "packet_loss"),
            ("student", "AUDIO_ONLY", "packet_loss"),
        ]
        assert all(e.chosen_mode == "ALL" and e.loss >= FAST.bad_loss for e in down)
        assert room.participant("student").effective_mode is SubscriptionMode.AUDIO_ONLY
        assert room.participant("student").mode is SubscriptionMode.ALL  # the choice is kept
        assert video_slots_paused()
        audio_before = student.packets("audio")
        await wait_until(lambda: student.packets("audio") > audio_before + 10)  # audio still on
        # the event goes over the backends' wire format unchanged
        assert from_dict(to_dict(down[-1])) == down[-1]

        fake.lossy = False
        await wait_until(lambda: len(adapted()) >= 4)
        up = adapted()[2:]
        assert [(e.mode, e.reason) for e in up] == [
            ("AUDIO_AND_PRESENTER", "recovered"),
            ("ALL", "recovered"),
        ]
        assert not video_slots_paused()
        video_before = student.frames("video")
        await wait_until(lambda: student.frames("video") > video_before + 10)  # video is back
        assert fake.rewritten > 0
        assert all(e.participant_id == "student" for e in adapted())  # teacher untouched
        assert room.participant("teacher").effective_mode is SubscriptionMode.ALL
    finally:
        await teacher.close()
        await student.close()


async def test_a_chosen_mode_caps_adaptation(room: SfuRoom) -> None:
    """A subscriber that chose audio + presenter is never given more than that."""
    events: list[RoomEvent] = []
    room.add_listener(events.append)
    teacher = LoopbackClient(room, "teacher")
    student = LoopbackClient(room, "student")
    try:
        await teacher.join([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        room.set_presenter("teacher")
        await student.join(mode=SubscriptionMode.AUDIO_AND_PRESENTER)
        await wait_until(lambda: student.frames("video") >= 5)
        room.participant("student").adapter.config = FAST
        fake = LossyReports(student, 0.4)
        fake.hook()
        fake.lossy = True

        def adapted() -> list[SubscriptionAdapted]:
            return [e for e in events if isinstance(e, SubscriptionAdapted)]

        await wait_until(lambda: len(adapted()) >= 1)
        assert (adapted()[0].mode, adapted()[0].chosen_mode) == (
            "AUDIO_ONLY",
            "AUDIO_AND_PRESENTER",
        )
        # choosing ALL while the link is still bad: the link limit stays, and the student is told
        await room.set_mode("student", SubscriptionMode.ALL)
        assert room.participant("student").effective_mode is not SubscriptionMode.ALL
        assert adapted()[-1].reason == "link_limited"
        fake.lossy = False
        await wait_until(lambda: room.participant("student").effective_mode is SubscriptionMode.ALL)
        assert adapted()[-1].mode == "ALL"
    finally:
        await teacher.close()
        await student.close()
