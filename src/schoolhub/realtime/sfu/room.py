"""``SfuRoom``: in-process room of participants forwarding each other's encoded media.

One room lives in one process (one event loop); room placement across processes is the
signaling layer's job. Invariants:

* every published track has exactly one ``TrackForwarder`` draining it until unpublished;
* every (subscriber, other participant's published track) pair has exactly one slot, paused
  unless the subscriber's mode wants it; a slot never carries a track of another codec;
* a publisher that vanishes (RTCP BYE / track end / connection failure) only unpublishes its
  tracks: subscribers get ``TrackUnpublished`` and the room keeps running;
* ``max_participants`` is enforced at ``join``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)

import schoolhub.realtime.sfu.events as ev
from schoolhub.realtime.sfu.aiortc_hooks import (  # (adaptation)
    LinkReport,
    install,
    mark_passthrough,
    upstream_pli,
    watch_link_reports,
)
from schoolhub.realtime.sfu.errors import SfuError, SfuErrorCode
from schoolhub.realtime.sfu.forwarding import (
    DEFAULT_KEYFRAME_INTERVAL,
    DEFAULT_QUEUE_BOUND,
    ForwardedTrack,
    TrackForwarder,
)
from schoolhub.realtime.sfu.media_info import media_direction, negotiated_codec, primary_ssrc
from schoolhub.realtime.sfu.participant import Participant, PublishedTrack, Slot, SubscriptionMode
from schoolhub.realtime.sfu.sdp_policy import check_negotiated_codecs, validate_offer

logger = logging.getLogger(__name__)


class SfuRoom:
    def __init__(
        self,
        room_id: str,
        *,
        max_participants: int = 50,
        queue_bound: int = DEFAULT_QUEUE_BOUND,
        keyframe_interval: float = DEFAULT_KEYFRAME_INTERVAL,
        answer_timeout: float = 10.0,
        rtc_configuration: RTCConfiguration | None = None,
    ) -> None:
        install()
        self.room_id = room_id
        self.max_participants = max_participants
        self.queue_bound = queue_bound
        self.keyframe_interval = keyframe_interval
        self.answer_timeout = answer_timeout
        self._rtc_configuration = rtc_configuration
        self._participants: dict[str, Participant] = {}
        self._presenter_id: str | None = None
        self._gated: dict[str, set[str]] = {}  # (unmute) participant id -> kinds not forwarded
        self._bus = ev.EventBus()
        self._closed = False

    # -- events -----------------------------------------------------------------------------
    def events(self) -> ev.EventSubscription:
        return self._bus.subscribe()

    def add_listener(self, callback: ev.EventCallback) -> Callable[[], None]:
        """Synchronous callback for every event; returns a function that removes it."""
        return self._bus.add_listener(callback)

    # -- queries ----------------------------------------------------------------------------
    @property
    def participants(self) -> Mapping[str, Participant]:
        return dict(self._participants)

    @property
    def presenter_id(self) -> str | None:
        return self._presenter_id

    def published_tracks(self) -> list[PublishedTrack]:
        return [t for p in self._participants.values() for t in p.published.values()]

    def participant(self, participant_id: str) -> Participant:
        participant = self._participants.get(participant_id)
        if participant is None:
            raise SfuError(SfuErrorCode.UNKNOWN_PARTICIPANT, f"no participant {participant_id!r}")
        return participant

    # -- lifecycle ----------------------------------------------------------------------------
    async def join(
        self,
        participant_id: str,
        offer_sdp: str | None = None,
        *,
        mode: SubscriptionMode = SubscriptionMode.ALL,
        sources: Mapping[str, ev.TrackSource] | None = None,
    ) -> str | None:
        """Add a participant; with an offer, publish its tracks and return the SFU's answer.

        Subscriptions to existing tracks follow as an SFU offer (``NegotiationNeeded``).
        """
        if self._closed:
            raise SfuError(SfuErrorCode.ROOM_CLOSED, f"room {self.room_id} is closed")
        if participant_id in self._participants:
            raise SfuError(SfuErrorCode.DUPLICATE_PARTICIPANT, f"{participant_id!r} already in")
        if len(self._participants) >= self.max_participants:
            raise SfuError(SfuErrorCode.ROOM_FULL, f"room is full ({self.max_participants})")
        if offer_sdp is not None:
            validate_offer(offer_sdp)  # before creating anything
        config = self._rtc_configuration or RTCConfiguration(
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        participant = Participant(participant_id, RTCPeerConnection(config), mode=mode)
        self._participants[participant_id] = participant
        self._wire(participant)
        self._bus.emit(ev.ParticipantJoined(self.room_id, participant_id))
        answer = None
        if offer_sdp is not None:
            try:
                answer = await self.publish(participant_id, offer_sdp, sources=sources)
            except BaseException:
                await self.leave(participant_id, reason="rejected")
                raise
        self._schedule_sync(participant)
        return answer

    def _wire(self, participant: Participant) -> None:
        pc = participant.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            for transceiver in pc.getTransceivers():
                if transceiver.receiver.track is track:
                    mark_passthrough(transceiver.receiver)  # before aiortc starts it
                    participant.new_receivers.append(transceiver.receiver)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and not participant.left:
                await self.leave(participant.id, reason=f"connection {pc.connectionState}")

    async def publish(
        self,
        participant_id: str,
        offer_sdp: str,
        *,
        sources: Mapping[str, ev.TrackSource] | None = None,
    ) -> str:
        """Apply a client offer (new/removed published tracks); return the SFU answer."""
        participant = self.participant(participant_id)
        validate_offer(offer_sdp)
        if participant.pending_answer is not None or participant.pc.signalingState != "stable":
            raise SfuError(SfuErrorCode.NEGOTIATION_GLARE, "answer the SFU's pending offer first")
        async with participant.lock:
            pc = participant.pc
            if participant.pending_answer is not None or pc.signalingState != "stable":
                raise SfuError(SfuErrorCode.NEGOTIATION_GLARE, "SFU offer pending")
            participant.new_receivers.clear()
            try:
                await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
                answer = await pc.createAnswer()
                check_negotiated_codecs(answer.sdp)
                await pc.setLocalDescription(answer)
            except Exception:
                # aiortc has no rollback: a half-applied offer would leave undrained receivers
                await self.leave(participant_id, reason="negotiation failed")
                raise
            local_sdp = pc.localDescription.sdp
            for receiver in participant.new_receivers:
                self._add_published(participant, receiver, offer_sdp, local_sdp, sources or {})
            participant.new_receivers.clear()
            for track in list(participant.published.values()):
                if media_direction(offer_sdp, track.mid) in ("recvonly", "inactive"):
                    await self._unpublish(track, reason="unpublished")
        self._schedule_sync_all(exclude=participant_id)
        return local_sdp

    def _add_published(
        self,
        participant: Participant,
        receiver: RTCRtpReceiver,
        offer_sdp: str,
        local_sdp: str,
        sources: Mapping[str, ev.TrackSource],
    ) -> None:
        transceiver = next(t for t in participant.pc.getTransceivers() if t.receiver is receiver)
        mid = transceiver.mid or ""
        codec = negotiated_codec(local_sdp, mid)
        if codec is None or transceiver.receiver.track is None:
            return
        kind = transceiver.kind
        ssrc = primary_ssrc(offer_sdp, mid)
        source = sources.get(mid) or participant.default_source(kind)
        track_id = f"{participant.id}:{mid}"
        rtp_receiver = transceiver.receiver

        def on_keyframe(reason: str, outcome: str) -> None:
            self._bus.emit(ev.KeyframeRequested(self.room_id, track_id, reason, outcome))

        forwarder = TrackForwarder(
            transceiver.receiver.track,
            track_id=track_id,
            codec_name=codec.name,
            upstream_pli=upstream_pli(rtp_receiver, ssrc),
            keyframe_interval=self.keyframe_interval,
            on_keyframe_request=on_keyframe,
            on_ended=lambda fwd: self._on_forwarder_ended(participant, fwd),
        )
        published = PublishedTrack(
            track_id, participant.id, mid, kind, source, codec, rtp_receiver, forwarder
        )
        participant.published[track_id] = published
        forwarder.set_gated(kind in self._gated.get(participant.id, ()))  # (unmute)
        self._bus.emit(
            ev.TrackPublished(self.room_id, participant.id, track_id, kind, source, codec.name)
        )

    def _on_forwarder_ended(self, participant: Participant, forwarder: TrackForwarder) -> None:
        track = participant.published.pop(forwarder.track_id, None)
        if track is None:
            return
        self._bus.emit(ev.TrackUnpublished(self.room_id, participant.id, track.track_id, "ended"))
        self._schedule_sync_all(exclude=participant.id)

    async def unpublish(self, participant_id: str, track_id: str) -> None:
        participant = self.participant(participant_id)
        track = participant.published.get(track_id)
        if track is not None:
            await self._unpublish(track, reason="unpublished")
            self._schedule_sync_all(exclude=participant_id)

    async def _unpublish(self, track: PublishedTrack, *, reason: str) -> None:
        participant = self._participants.get(track.participant_id)
        if participant is None or participant.published.pop(track.track_id, None) is None:
            return
        await track.forwarder.stop()
        self._bus.emit(
            ev.TrackUnpublished(self.room_id, track.participant_id, track.track_id, reason)
        )

    async def accept_answer(self, participant_id: str, answer_sdp: str) -> None:
        """Deliver the client's answer to the SFU offer of the last ``NegotiationNeeded``."""
        participant = self.participant(participant_id)
        future = participant.pending_answer
        if future is None or future.done():
            raise SfuError(SfuErrorCode.NEGOTIATION_FAILED, "no SFU offer is awaiting an answer")
        future.set_result(answer_sdp)

    async def set_mode(self, participant_id: str, mode: SubscriptionMode) -> None:
        participant = self.participant(participant_id)
        participant.mode = SubscriptionMode(mode)
        self._apply_modes(participant)
        if participant.effective_mode is not participant.mode:  # (adaptation) link still caps it
            self._emit_adapted(participant, "link_limited")

    # -- (unmute) begin: host mute / stop video without unpublishing ----------------------------
    def set_muted(self, participant_id: str, kind: str, muted: bool) -> None:
        """Stop (or resume) forwarding ``participant_id``'s tracks of ``kind`` to everyone.

        The tracks stay published (and drained); tracks of that kind published later start
        gated too, until unmuted or the participant leaves.
        """
        participant = self.participant(participant_id)
        kinds = self._gated.setdefault(participant_id, set())
        if muted:
            kinds.add(kind)
        else:
            kinds.discard(kind)
        for track in participant.published.values():
            if track.kind == kind:
                track.forwarder.set_gated(muted)

    def muted_kinds(self, participant_id: str) -> frozenset[str]:
        return frozenset(self._gated.get(participant_id, ()))

    def _wants(self, participant: Participant, track: PublishedTrack) -> bool:
        presenter = self._participants.get(self._presenter_id or "")
        sharing = presenter is not None and any(
            t.source is ev.TrackSource.SCREEN for t in presenter.published.values()
        )
        return participant.wants(track, self._presenter_id, presenter_sharing=sharing)

    # -- (unmute) end ---------------------------------------------------------------------------
    # -- (adaptation) begin: per-subscriber link adaptation, policy in sfu/adaptation.py -------
    def _watch_link(self, participant: Participant, slot: Slot) -> None:
        def on_report(report: LinkReport) -> None:
            self._on_link_report(participant, slot, report)

        watch_link_reports(slot.transceiver.sender, on_report)

    def _on_link_report(self, participant: Participant, slot: Slot, report: LinkReport) -> None:
        if participant.left or self._closed:
            return
        # a paused slot carries nothing, so its "no loss" says nothing about the link
        loss = None if slot.track.paused or slot.published is None else report.fraction_lost
        if loss is None and report.remb_bps is None:
            return
        now = asyncio.get_running_loop().time()
        change = participant.adapter.observe(
            now,
            participant.mode,
            fraction_lost=loss,
            remb_bps=report.remb_bps,
            sending_bps=slot.sending_bps(now) if slot.kind == "video" else None,
        )
        if change is not None:
            self._apply_modes(participant)
            self._emit_adapted(participant, change.reason)

    def _emit_adapted(self, participant: Participant, reason: str) -> None:
        self._bus.emit(
            ev.SubscriptionAdapted(
                self.room_id,
                participant.id,
                participant.effective_mode.value,
                participant.mode.value,
                reason,
                round(participant.adapter.loss or 0.0, 4),
            )
        )

    # -- (adaptation) end -----------------------------------------------------------------------
    def set_presenter(self, participant_id: str | None) -> None:
        if participant_id is not None:
            self.participant(participant_id)
        self._presenter_id = participant_id
        for participant in self._participants.values():
            self._apply_modes(participant)

    def _apply_modes(self, participant: Participant) -> None:
        for slot in participant.slots:
            if slot.published is None:
                continue
            active = self._wants(participant, slot.published)
            if slot.track.paused == active:
                slot.track.set_paused(not active)
                self._route_event(participant, slot)

    async def leave(self, participant_id: str, *, reason: str = "left") -> None:
        participant = self._participants.pop(participant_id, None)
        if participant is None or participant.left:
            return
        participant.left = True
        self._gated.pop(participant_id, None)  # (unmute)
        if self._presenter_id == participant_id:
            self._presenter_id = None
        if participant.pending_answer is not None and not participant.pending_answer.done():
            participant.pending_answer.cancel()
        if (
            participant.sync_task is not None
            and participant.sync_task is not asyncio.current_task()
        ):
            participant.sync_task.cancel()
        for track in list(participant.published.values()):
            await self._unpublish(track, reason="left")
        for slot in participant.slots:
            slot.track.stop()
        await participant.pc.close()
        self._bus.emit(ev.ParticipantLeft(self.room_id, participant_id, reason))
        self._schedule_sync_all(exclude=participant_id)

    async def close(self) -> None:
        self._closed = True
        for participant_id in list(self._participants):
            await self.leave(participant_id, reason="room closed")
        self._bus.close()

    # -- subscription sync --------------------------------------------------------------------
    def _schedule_sync_all(self, *, exclude: str | None = None) -> None:
        for participant in self._participants.values():
            if participant.id != exclude:
                self._schedule_sync(participant)

    def _schedule_sync(self, participant: Participant) -> None:
        participant.sync_dirty = True
        if participant.left or (participant.sync_task and not participant.sync_task.done()):
            return
        participant.sync_task = asyncio.get_running_loop().create_task(
            self._sync_loop(participant), name=f"sfu-sync-{participant.id}"
        )

    async def _sync_loop(self, participant: Participant) -> None:
        while participant.sync_dirty and not participant.left:
            participant.sync_dirty = False
            try:
                await self._sync(participant)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("subscription sync failed for %s", participant.id)

    async def _sync(self, participant: Participant) -> None:
        """Bind every other participant's track to a slot, offering new slots if needed.

        The participant lock is held while the PC is touched, but *not* while waiting for the
        client's answer: a client offer arriving meanwhile fails fast with GLARE.
        """
        wanted = [
            t
            for p in self._participants.values()
            if p is not participant
            for t in p.published.values()
        ]
        async with participant.lock:
            for slot in participant.slots:
                if slot.published is not None and slot.published not in set(wanted):
                    slot.track.detach()
                    slot.published = None
                    self._route_event(participant, slot)
            new_slots: list[Slot] = []
            for track in wanted:
                if participant.slot_for(track) is not None:
                    continue
                free = participant.free_slot(track.kind, track.codec)
                if free is not None:
                    free.published = track
                    continue
                forwarded = ForwardedTrack(track.kind, queue_bound=self.queue_bound)
                transceiver = participant.pc.addTransceiver(forwarded, direction="sendonly")
                transceiver.setCodecPreferences(track.codec.preferences(track.kind))
                slot = Slot(transceiver, forwarded, track.kind, track.codec, published=track)
                participant.slots.append(slot)
                self._watch_link(participant, slot)  # (adaptation)
                new_slots.append(slot)
            future = await self._offer(participant) if new_slots else None
        if future is not None:
            try:
                answer_sdp = await asyncio.wait_for(future, self.answer_timeout)
            except TimeoutError:
                logger.warning("participant %s did not answer the SFU offer", participant.id)
                await self.leave(participant.id, reason="negotiation timeout")
                return
            async with participant.lock:
                participant.pending_answer = None
                await participant.pc.setRemoteDescription(
                    RTCSessionDescription(answer_sdp, "answer")
                )
            for slot in new_slots:
                answered = negotiated_codec(answer_sdp, slot.mid)
                slot.negotiated = answered == slot.codec
                if not slot.negotiated:
                    logger.warning("slot %s of %s answered %s", slot.mid, participant.id, answered)
        for slot in participant.slots:
            if slot.published is None or not slot.negotiated:
                continue
            active = self._wants(participant, slot.published)
            changed = (
                slot.track.source is not slot.published.forwarder or slot.track.paused == active
            )
            slot.track.set_paused(not active)
            slot.track.attach(slot.published.forwarder)
            if changed:
                self._route_event(participant, slot)

    async def _offer(self, participant: Participant) -> asyncio.Future[str]:
        pc = participant.pc
        await pc.setLocalDescription(await pc.createOffer())
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        participant.pending_answer = future
        self._bus.emit(ev.NegotiationNeeded(self.room_id, participant.id, pc.localDescription.sdp))
        return future

    def _route_event(self, participant: Participant, slot: Slot) -> None:
        track_id = slot.published.track_id if slot.published is not None else None
        active = slot.published is not None and not slot.track.paused
        self._bus.emit(ev.TrackRouted(self.room_id, participant.id, slot.mid, track_id, active))
