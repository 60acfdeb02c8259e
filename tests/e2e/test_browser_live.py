"""End to end in real headless Chromium: a teacher (aiortc, through GraphQL) and a student (the
``/live/{roomId}`` page) in one class session.

Chromium is driven over the DevTools protocol (its remote-debugging WebSocket): the test evaluates
``window.liveStats()`` until the browser decoded >= 30 video frames from the teacher, and checks
that the SFU received the browser's video (frames into its forwarder) and the teacher decoded it.
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


async def test_student_in_chromium_sees_the_teacher(gql: GraphQLClient, server: str) -> None:
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
        # The server received the browser's camera: frames into the SFU forwarder, decoded by
        # the teacher on the other side.
        sfu = rt.local_room(room_id)
        assert sfu is not None
        pid = str(ids.decode(stats["participantId"], "LiveParticipant"))
        video = [t for t in sfu.participant(pid).published.values() if t.kind == "video"]
        assert video, "the browser published no video"
        await rt.wait_until(lambda: video[0].forwarder.stats.frames_in >= 30, limit=60)
        await rt.wait_until(lambda: teacher.frames("video") >= 10, limit=60)
    finally:
        print("browser stats:", json.dumps(stats)[:2000])
        await browser.close()
        await teacher.close()
        await rt.close_rooms()
