"""End to end in real headless Chromium: a teacher (aiortc, through GraphQL) and a student (the
``/live/{roomId}`` page) in one class session.

Chromium is driven over the DevTools protocol (its remote-debugging WebSocket): the test evaluates
``window.liveStats()`` until the browser decoded >= 30 video frames from the teacher, and checks
that the SFU received the browser's video (frames into its forwarder) and the teacher decoded it.

TURN: the server hands out coturn shared-secret credentials for a TURN "server" that is a UDP
socket of the test; the page must give them to its RTCPeerConnection before ICE gathering starts,
so Chromium's first gathering already sends STUN/TURN requests to that socket (no ICE restart
happens in this test). Host controls: mute / ask to unmute / lower hand reach the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.graphql import ids
from schoolhub.realtime import turn
from schoolhub.realtime.sfu.loopback import SyntheticVideoTrack
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(150),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian chromium is not installed (apt-get install -y --no-install-recommends"
        " chromium; .ci/run installs it)",
    ),
]
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--remote-debugging-port=0",
]


class Browser:
    def __init__(self, url: str) -> None:
        self.url = url
        self.profile = tempfile.mkdtemp(prefix="schoolhub-chromium-")
        self.proc: asyncio.subprocess.Process | None = None
        self.ws: Any = None
        self._id = 0

    async def start(self) -> None:
        assert CHROMIUM is not None
        self.proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            self.url,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError("chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        page = None
        async with httpx.AsyncClient() as client:
            while page is None:
                targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
                page = next((t for t in targets if t.get("type") == "page"), None)
                if page is None:
                    await asyncio.sleep(0.1)
        self.ws = await websockets.connect(page["webSocketDebuggerUrl"], max_size=None)

    async def evaluate(self, expression: str) -> Any:
        self._id += 1
        await self.ws.send(
            json.dumps(
                {
                    "id": self._id,
                    "method": "Runtime.evaluate",
                    "params": {
                        "expression": expression,
                        "awaitPromise": True,
                        "returnByValue": True,
                    },
                }
            )
        )
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
            if message.get("id") == self._id:
                return message.get("result", {}).get("result", {}).get("value")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 10)
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class FakeTurn(asyncio.DatagramProtocol):
    """Records the STUN/TURN requests it gets (answers nothing)."""

    def __init__(self) -> None:
        self.message_types: list[int] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) >= 20 and data[4:8] == b"\x21\x12\xa4\x42":  # STUN magic cookie
            self.message_types.append(int.from_bytes(data[:2], "big"))


STUN_REQUESTS = {0x0001, 0x0003}  # binding request, TURN allocate request
MUTE = (
    "mutation($r: ID!, $p: ID!) { muteParticipant(roomId: $r, participantId: $p)"
    " { ok errors { code } } }"
)
ASK = (
    "mutation($r: ID!, $p: ID!) { askToUnmute(roomId: $r, participantId: $p)"
    " { participant { id } errors { code } } }"
)
LOWER = (
    "mutation($r: ID!, $p: ID!) { lowerHand(roomId: $r, participantId: $p)"
    " { participant { handRaised } errors { code } } }"
)
CONTROLS = (
    "mutation($r: ID!) { setRoomControls(roomId: $r, participantsMayUnmute: false)"
    " { room { id } errors { code } } }"
)


async def _until(browser: Browser, expression: str, limit: float = 30) -> Any:
    deadline = time.monotonic() + limit
    while True:
        value = await browser.evaluate(expression)
        if value:
            return value
        assert time.monotonic() < deadline, f"page never reached: {expression}"
        await asyncio.sleep(0.3)


async def test_student_in_chromium_sees_the_teacher(
    gql: GraphQLClient, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    fake_turn = FakeTurn()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: fake_turn, local_addr=("127.0.0.1", 0)
    )
    turn_port = transport.get_extra_info("sockname")[1]
    turn_url = f"turn:127.0.0.1:{turn_port}?transport=udp"
    monkeypatch.setenv("SCHOOLHUB_TURN_URLS", turn_url)
    monkeypatch.setenv("SCHOOLHUB_TURN_SECRET", "e2e-turn-secret")
    p = await factories.province()
    world = await factories.school(p)
    await rt.enrol_student(world)
    room_id = await rt.class_session(gql, world)
    teacher = rt.GqlLiveClient(gql, server, await gql.token(world.logins["teacher"]), room_id)
    student_token = await gql.token(world.logins["student"])
    browser = Browser(f"{server}/live/{room_id}?token={student_token}")
    stats: dict[str, Any] = {}
    try:
        joined = await teacher.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not joined["errors"], joined
        await browser.start()
        deadline = time.monotonic() + 90
        while True:
            stats = await browser.evaluate("window.liveStats ? window.liveStats() : null") or {}
            video_in = [s for s in stats.get("inbound", []) if s["kind"] == "video"]
            if video_in and max(s["framesDecoded"] for s in video_in) >= 30:
                break
            assert not stats.get("errors"), stats
            assert time.monotonic() < deadline, f"browser decoded too few frames: {stats}"
            await asyncio.sleep(0.5)
        assert stats["joined"] and stats["role"] == "PARTICIPANT"
        # The TURN server of joinRoom is on the RTCPeerConnection, with its REST credentials ...
        [ice] = stats["iceServers"]
        assert ice["urls"] in (turn_url, [turn_url]), ice
        expiry, user = ice["username"].split(":")
        assert user == str(world.user_ids["student"]) and int(expiry) > time.time()
        assert ice["credential"] == turn.turn_credential("e2e-turn-secret", ice["username"])
        # ... and was used by the first ICE gathering (no restart happened).
        assert stats["iceRestarts"] == 0 and stats["rejoins"] == 0
        # (Chromium sends STUN binding and TURN allocate requests there; either proves it.)
        await rt.wait_until(lambda: bool(STUN_REQUESTS & set(fake_turn.message_types)), limit=30)
        # The server received the browser's camera: frames into the SFU forwarder, decoded by
        # the teacher on the other side.
        sfu = rt.local_room(room_id)
        assert sfu is not None
        pid = str(ids.decode(stats["participantId"], "LiveParticipant"))
        video = [t for t in sfu.participant(pid).published.values() if t.kind == "video"]
        assert video, "the browser published no video"
        await rt.wait_until(lambda: video[0].forwarder.stats.frames_in >= 30, limit=60)
        await rt.wait_until(lambda: teacher.frames("video") >= 10, limit=60)

        # Host controls reach the page: mute (self-unmute off) -> the page shows it muted, its
        # own unmute is refused with a hint, "ask to unmute" shows the prompt, accepting it
        # unmutes through the student's own setMyMicrophone.
        host = teacher.access
        student_pid = stats["participantId"]
        await gql.ok(CONTROLS, {"r": room_id}, host)
        muted = await gql.ok(MUTE, {"r": room_id, "p": student_pid}, host)
        assert muted["muteParticipant"]["ok"], muted
        await _until(browser, "window.liveStats().then((s) => s.audioMuted)")
        audio = next(t for t in sfu.participant(pid).published.values() if t.kind == "audio")
        assert audio.forwarder.gated
        await browser.evaluate("document.getElementById('btn-mic').click()")
        await _until(
            browser,
            "window.liveStats().then((s) => s.notices.some((n) => n.includes('giơ tay')))",
        )
        assert audio.forwarder.gated
        asked = await gql.ok(ASK, {"r": room_id, "p": student_pid}, host)
        assert not asked["askToUnmute"]["errors"], asked
        await _until(browser, "!document.getElementById('ask').hidden")
        await browser.evaluate("document.getElementById('ask-yes').click()")
        await _until(browser, "window.liveStats().then((s) => !s.audioMuted)")
        await rt.wait_until(lambda: not audio.forwarder.gated)

        # Raise a hand on the page; the host lowers it; the page shows it lowered.
        await browser.evaluate("document.getElementById('btn-hand').click()")
        await _until(browser, "window.liveStats().then((s) => s.handRaised)")
        lowered = await gql.ok(LOWER, {"r": room_id, "p": student_pid}, host)
        assert lowered["lowerHand"]["participant"] == {"handRaised": False}, lowered
        await _until(browser, "window.liveStats().then((s) => !s.handRaised)")
        stats = await browser.evaluate("window.liveStats()")
        assert not stats["errors"], stats
    finally:
        transport.close()
        print("browser stats:", json.dumps(stats)[:2000])
        await browser.close()
        await teacher.close()
        await rt.close_rooms()
