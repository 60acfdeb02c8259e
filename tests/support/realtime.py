"""Live-room test helpers: GraphQL documents, a class session factory, an aiortc client that
signals through the GraphQL API (joinRoom + roomEvents subscription + answerRoomOffer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import websockets
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)

from schoolhub.graphql import ids
from schoolhub.realtime.backend import LocalSfuBackend, get_backend
from schoolhub.realtime.sfu import SfuRoom
from schoolhub.realtime.sfu.loopback import LoopbackClient
from tests.support import factories
from tests.support.gql import GraphQLClient

CREATE = (
    "mutation($c: ID!, $t: String!, $m: Int! = 50) { createClassSession(classId: $c, title: $t,"
    " maxParticipants: $m) { room { id title status } errors { code } } }"
)
JOIN = (
    "mutation($r: ID!, $o: String, $s: [TrackSourceInput!], $m: LiveSubscriptionMode! = ALL) {"
    " joinRoom(roomId: $r, offer: $o, sources: $s, mode: $m) { waitingInLobby answerSdp"
    " bundlePolicy joinToken joinTokenExpiresAt iceServers { urls username credential }"
    " participant { id role state } room { id } errors { code message } } }"
)
ANSWER = "mutation($r: ID!, $a: String!) { answerRoomOffer(roomId: $r, answer: $a) { ok errors { code } } }"
EVENTS = (
    "subscription($r: ID!, $t: String!) { roomEvents(roomId: $r, joinToken: $t) {"
    " type participantId sdp payload } }"
)


async def class_session(gql: GraphQLClient, world: factories.SchoolWorld, size: int = 50) -> str:
    token = await gql.token(world.logins["teacher"])
    assert world.class_id is not None
    data = await gql.ok(
        CREATE, {"c": ids.encode("SchoolClass", world.class_id), "t": "Toán 6A", "m": size}, token
    )
    assert not data["createClassSession"]["errors"], data
    room_id: str = data["createClassSession"]["room"]["id"]
    return room_id


async def enrol_student(world: factories.SchoolWorld) -> None:
    """Link the world's ``student`` login to the class's first student (the roster)."""
    from schoolhub.platform import db

    async with db.tenant(world.school_id):
        await db.execute(
            "UPDATE workspace_student SET user_id = $1 WHERE id = $2",
            world.user_ids["student"],
            world.student_ids[0],
        )


async def other_class_student(p: factories.Province, world: factories.SchoolWorld) -> str:
    """A student member of the school who is not in the world's class."""
    from schoolhub.tenants import service as tenants

    login = f"hs{factories.n()}"
    uid = await factories.user(login, "Học sinh lớp khác")
    await tenants.grant_membership(p.admin, school_id=world.school_id, user_id=uid, role="student")
    return login


def local_room(room_gid: str) -> SfuRoom | None:
    backend = get_backend()
    assert isinstance(backend, LocalSfuBackend)
    for key in list(backend._rooms):
        if key.endswith(":" + str(ids.decode(room_gid, "LiveRoom"))):
            return backend.running(key)
    return None


async def close_rooms() -> None:
    """Close every in-process SFU room (end of a media test)."""
    backend = get_backend()
    if isinstance(backend, LocalSfuBackend):
        for key in list(backend._rooms):
            await backend.call(key, "close", {})


async def wait_until(predicate: Callable[[], bool], limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


class _NoRoom:
    def add_listener(self, callback: Any) -> Callable[[], None]:
        return lambda: None


class GqlLiveClient(LoopbackClient):
    """An aiortc participant whose signaling is the GraphQL API (as a mobile app would do)."""

    def __init__(self, gql: GraphQLClient, server: str, access_token: str, room_id: str) -> None:
        super().__init__(_NoRoom(), "gql")  # type: ignore[arg-type]
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pc.on("track", self._on_track)
        self.gql, self.server, self.access, self.room_id = gql, server, access_token, room_id
        self.events: list[dict[str, Any]] = []
        self.join_result: dict[str, Any] = {}
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None

    async def join_room(self, tracks: list[MediaStreamTrack], mode: str = "ALL") -> dict[str, Any]:
        async with self._lock:
            for track in tracks:
                self.pc.addTransceiver(track, direction="sendonly")
            offer = None
            if tracks:
                await self.pc.setLocalDescription(await self.pc.createOffer())
                offer = self.pc.localDescription.sdp
            data = await self.gql.ok(JOIN, {"r": self.room_id, "o": offer, "m": mode}, self.access)
            result: dict[str, Any] = data["joinRoom"]
            self.join_result = result
            if result["answerSdp"]:
                await self.pc.setRemoteDescription(
                    RTCSessionDescription(result["answerSdp"], "answer")
                )
        if result["joinToken"] and not result["errors"]:
            await self.subscribe(result["joinToken"])
        return result

    async def subscribe(self, join_token: str) -> None:
        self.ws = await websockets.connect(
            self.server.replace("http", "ws") + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        )
        await self.ws.send(
            json.dumps({"type": "connection_init", "payload": {"token": self.access}})
        )
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": EVENTS, "variables": {"r": self.room_id, "t": join_token}},
                }
            )
        )
        self.reader = asyncio.create_task(self._read())
        await wait_until(lambda: bool(self.events))  # "subscribed" (or an error)

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") != "next":
                    self.events.append({"type": "_" + str(message.get("type")), "raw": message})
                    continue
                if message["payload"].get("errors"):
                    self.events.append({"type": "_error", "raw": message["payload"]["errors"]})
                    continue
                event = message["payload"]["data"]["roomEvents"]
                self.events.append(event)
                if event["type"] == "NegotiationNeeded" and event["sdp"]:
                    self._spawn(self._answer_gql(event["sdp"]))

    async def _answer_gql(self, offer_sdp: str) -> None:
        async with self._lock:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self.negotiations += 1
            data = await self.gql.ok(
                ANSWER, {"r": self.room_id, "a": self.pc.localDescription.sdp}, self.access
            )
            assert data["answerRoomOffer"]["ok"], data

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()
        await super().close()


START_RECORDING = (
    "mutation($r: ID!, $c: Boolean!) { startRecording(roomId: $r, consent: $c) {"
    " recording { id status consentGivenById consentAt } errors { code field } } }"
)
STOP_RECORDING = (
    "mutation($r: ID!) { stopRecording(roomId: $r) { recording { id status stoppedAt"
    " files { url size contentType } } errors { code } } }"
)
RECORDINGS = (
    "query($r: ID!) { roomRecordings(roomId: $r) { id status consentGivenById"
    " files { url size contentType } } }"
)


async def recording_rows(school_id: Any) -> list[dict[str, Any]]:
    from schoolhub.platform import db

    async with db.tenant(school_id):
        return await db.fetch("SELECT * FROM realtime_recording ORDER BY started_at, id")
