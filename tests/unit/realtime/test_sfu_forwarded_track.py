"""ForwardedTrack slot logic without any network: keyframe gating, bounds, pts re-basing."""

from __future__ import annotations

import asyncio
from fractions import Fraction

import pytest
from aiortc.mediastreams import MediaStreamError

from schoolhub.realtime.sfu.forwarding import ForwardedFrame, ForwardedTrack

TB = Fraction(1, 90000)


class FakeForwarder:
    kind = "video"

    def __init__(self) -> None:
        self.slots: set[ForwardedTrack] = set()
        self.requests: list[str] = []

    def _attach(self, slot: ForwardedTrack) -> None:
        self.slots.add(slot)

    def _detach(self, slot: ForwardedTrack) -> None:
        self.slots.discard(slot)

    def request_keyframe(self, reason: str) -> None:
        self.requests.append(reason)

    def push(self, pts: int, key: bool = False) -> None:
        for slot in self.slots:
            slot._push(ForwardedFrame(b"x", pts, TB, key))


def make(bound: int = 3) -> tuple[ForwardedTrack, FakeForwarder]:
    slot = ForwardedTrack("video", queue_bound=bound)
    fwd = FakeForwarder()
    slot.attach(fwd)  # type: ignore[arg-type]
    return slot, fwd


async def test_waits_for_keyframe_and_requests_one_on_join() -> None:
    slot, fwd = make()
    assert fwd.requests == ["join"]
    fwd.push(900_000)
    fwd.push(903_000)
    assert slot.queue_length == 0
    assert slot.stats.dropped == 2
    fwd.push(906_000, key=True)
    fwd.push(909_000)
    first, second = await slot.recv(), await slot.recv()
    assert first.is_keyframe
    assert first.pts == 0
    assert second.pts == 3000
    assert not second.is_keyframe
    assert slot.stats.first_frame_keyframe is True


async def test_overflow_drops_until_next_keyframe() -> None:
    slot, fwd = make(bound=3)
    fwd.push(0, key=True)
    assert (await slot.recv()).pts == 0
    for i in range(1, 6):
        fwd.push(i * 3000)
    assert slot.queue_length <= 3
    assert slot.stats.max_queue_len == 3
    assert slot.stats.overflows == 1
    assert fwd.requests == ["join", "overflow"]
    fwd.push(30_000)  # still waiting for a keyframe
    assert slot.queue_length == 0
    fwd.push(33_000, key=True)
    packet = await slot.recv()
    assert packet.is_keyframe
    assert packet.pts == 33_000


async def test_pause_resume_keeps_pts_monotonic_and_requests_keyframe() -> None:
    slot, fwd = make()
    fwd.push(0, key=True)
    assert (await slot.recv()).pts == 0
    slot.set_paused(True)
    fwd.push(3000, key=True)
    assert slot.queue_length == 0
    slot.set_paused(False)
    assert fwd.requests[-1] == "resume"
    fwd.push(6000)
    fwd.push(9000, key=True)
    assert (await slot.recv()).pts == 9000


async def test_source_switch_never_goes_backwards() -> None:
    slot, fwd = make()
    fwd.push(500_000, key=True)
    fwd.push(503_000)
    await slot.recv()
    await slot.recv()
    other = FakeForwarder()
    slot.attach(other)  # type: ignore[arg-type]
    assert not fwd.slots
    assert other.requests == ["join"]
    other.push(10, key=True)
    packet = await slot.recv()
    assert packet.pts > 3000


async def test_recv_blocks_while_detached_and_ends_on_stop() -> None:
    slot, _ = make()
    slot.detach()
    pending = asyncio.ensure_future(slot.recv())
    await asyncio.sleep(0.01)
    assert not pending.done()
    slot.stop()
    with pytest.raises(MediaStreamError):
        await pending


def test_invalid_bound() -> None:
    with pytest.raises(ValueError, match="queue_bound"):
        ForwardedTrack("video", queue_bound=0)
