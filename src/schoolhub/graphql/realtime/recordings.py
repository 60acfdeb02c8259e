"""Recording of live class sessions and office meetings (both are ``LiveRoom`` ids):
``startRecording``, ``stopRecording``, ``roomRecordings``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.platform.errors import DomainError, NotFound
from schoolhub.realtime import recordings


@strawberry.type(description="One closed segment of a recording (WebM or Matroska, stream copy).")
class LiveRecordingFile:
    content_type: str
    size: int = strawberry.field(description="Bytes.")
    url: str = strawberry.field(
        description="Signed /files/<token> link, expires after 15 minutes; needs a Bearer token"
        " of a member of the school (an office meeting's: of its host, a co-host or an admin of"
        " the owning office)."
    )


@strawberry.type(description="A recording of a live class session or an office meeting.")
class LiveRecording:
    id: strawberry.ID
    room_id: strawberry.ID
    status: str = strawberry.field(description="recording | stored | failed")
    started_by_id: strawberry.ID
    consent_given_by_id: strawberry.ID | None
    consent_at: datetime | None
    started_at: datetime
    stopped_at: datetime | None
    files: list[LiveRecordingFile]

    @classmethod
    def from_row(
        cls, row: dict[str, Any], files: list[recordings.RecordingFile] | None = None
    ) -> LiveRecording:
        consent_by = row["consent_given_by"]
        return cls(
            id=strawberry.ID(ids.encode("LiveRecording", row["id"])),
            room_id=strawberry.ID(ids.encode("LiveRoom", row["room_id"])),
            status=str(row["status"]),
            started_by_id=strawberry.ID(ids.encode("User", row["started_by"])),
            consent_given_by_id=strawberry.ID(ids.encode("User", consent_by))
            if consent_by
            else None,
            consent_at=row["consent_at"],
            started_at=row["started_at"],
            stopped_at=row["stopped_at"],
            files=[
                LiveRecordingFile(content_type=f.content_type, size=f.size, url=f.url)
                for f in files or []
            ],
        )


@strawberry.type
class LiveRecordingPayload:
    recording: LiveRecording | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RealtimeRecordingMutations:
    @strawberry.mutation(
        description="Host/co-host: start recording the room (a class session or an office"
        " meeting). Both need consent: true (stored with who and when), else"
        " RECORDING_CONSENT_REQUIRED. Everyone in the room gets a recording.started event."
    )
    async def start_recording(
        self, info: Info, room_id: strawberry.ID, consent: bool
    ) -> LiveRecordingPayload:
        principal = info.context.require_principal()
        try:
            row = await recordings.start_recording(
                principal, ids.decode(room_id, "LiveRoom", "roomId"), consent
            )
        except DomainError as exc:
            return LiveRecordingPayload(errors=[UserError.of(exc)])
        return LiveRecordingPayload(recording=LiveRecording.from_row(row))

    @strawberry.mutation(
        description="Host/co-host: stop recording; the closed files are stored for the school"
        " (an office meeting: for the owning office)."
    )
    async def stop_recording(self, info: Info, room_id: strawberry.ID) -> LiveRecordingPayload:
        principal = info.context.require_principal()
        try:
            row = await recordings.stop_recording(
                principal, ids.decode(room_id, "LiveRoom", "roomId")
            )
        except DomainError as exc:
            return LiveRecordingPayload(errors=[UserError.of(exc)])
        return LiveRecordingPayload(recording=LiveRecording.from_row(row))


@strawberry.type
class RealtimeRecordingQueries:
    @strawberry.field(
        description="Recordings of a class session with signed playback links: the host,"
        " co-hosts, the class's students, its homeroom teacher and the school's principal; of an"
        " office meeting: its host, co-hosts and the owning office's admins. Null when the room"
        " is not visible."
    )
    async def room_recordings(
        self, info: Info, room_id: strawberry.ID
    ) -> list[LiveRecording] | None:
        principal = info.context.require_principal()
        try:
            result = await recordings.room_recordings(
                principal, ids.decode(room_id, "LiveRoom", "roomId")
            )
        except NotFound:
            return None
        return [LiveRecording.from_row(r.row, r.files) for r in result]
