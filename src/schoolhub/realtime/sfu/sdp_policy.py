"""SDP admission policy: only VP8, H.264 and Opus, and no simulcast.

Why reject instead of negotiating "something": aiortc would happily answer an m-section with
a codec we cannot forward (or bind every simulcast layer of a browser into one receiver, see
SFU.md §1.7) and the user would see a black screen with no error. We fail the offer with a
typed :class:`~schoolhub.realtime.sfu.errors.SdpRejectedError` instead.

Rules, per audio/video m-section that is not disabled (port 0):

* ``a=simulcast`` or ``a=rid`` anywhere → ``SFU_SIMULCAST_NOT_SUPPORTED``;
* video must offer VP8 or H.264 (packetization-mode=1), audio must offer Opus; other codecs
  may be listed alongside (browsers always list VP9/AV1/red...) as long as the codec aiortc
  would pick (the first one it supports, in offer order) is allowed — e.g. PCMU listed before
  Opus is rejected up front. :func:`check_negotiated_codecs` re-checks our actual *answer*.
"""

from __future__ import annotations

from dataclasses import dataclass

from schoolhub.realtime.sfu.errors import SdpRejectedError, SfuErrorCode

ALLOWED_CODECS: dict[str, frozenset[str]] = {
    "video": frozenset({"vp8", "h264"}),
    "audio": frozenset({"opus"}),
}
#: Helper codecs that may accompany an allowed codec (never chosen as the media codec).
AUXILIARY_CODECS = frozenset({"rtx", "red", "ulpfec", "flexfec-03", "telephone-event", "cn"})
#: Media codecs aiortc 1.16 can negotiate (``aiortc.codecs.CODECS``). aiortc answers with the
#: *offer's* order, so the first of these in the offer is the codec that will be chosen.
AIORTC_MEDIA_CODECS = frozenset({"vp8", "h264", "opus", "pcmu", "pcma", "g722"})


@dataclass(frozen=True, slots=True)
class MediaSection:
    """The parts of one m-section the policy looks at."""

    index: int
    kind: str
    port: int
    mid: str | None
    codecs: tuple[str, ...]  # lower-cased encoding names in offer order
    h264_packetization_modes: tuple[str, ...]
    has_simulcast: bool


def parse_media_sections(sdp: str) -> list[MediaSection]:
    """Minimal line parser (no dependency on aiortc's parser so errors stay ours)."""
    sections: list[MediaSection] = []
    current: dict[str, object] | None = None
    rtpmap: dict[str, str] = {}
    fmtp: dict[str, str] = {}

    def close() -> None:
        if current is None:
            return
        pts = current["pts"]
        assert isinstance(pts, list)
        names = tuple(rtpmap[pt] for pt in pts if pt in rtpmap)
        modes = tuple(
            _fmtp_param(fmtp.get(pt, ""), "packetization-mode") or "0"
            for pt in pts
            if rtpmap.get(pt) == "h264"
        )
        sections.append(
            MediaSection(
                index=len(sections),
                kind=str(current["kind"]),
                port=int(str(current["port"])),
                mid=current["mid"] if isinstance(current["mid"], str) else None,
                codecs=names,
                h264_packetization_modes=modes,
                has_simulcast=bool(current["simulcast"]),
            )
        )

    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            close()
            parts = line[2:].split()
            if len(parts) < 3 or not parts[1].split("/")[0].isdigit():
                raise SdpRejectedError(SfuErrorCode.INVALID_SDP, f"malformed m-line: {line!r}")
            current = {
                "kind": parts[0],
                "port": parts[1].split("/")[0],
                "pts": parts[3:],
                "mid": None,
                "simulcast": False,
            }
            rtpmap, fmtp = {}, {}
        elif current is None:
            continue
        elif line.startswith("a=rtpmap:"):
            pt, _, rest = line[len("a=rtpmap:") :].partition(" ")
            rtpmap[pt] = rest.split("/")[0].lower()
        elif line.startswith("a=fmtp:"):
            pt, _, rest = line[len("a=fmtp:") :].partition(" ")
            fmtp[pt] = rest
        elif line.startswith("a=mid:"):
            current["mid"] = line[len("a=mid:") :]
        elif line.startswith(("a=simulcast", "a=rid")):
            current["simulcast"] = True
    close()
    return sections


def _fmtp_param(fmtp: str, name: str) -> str | None:
    for item in fmtp.split(";"):
        key, _, value = item.strip().partition("=")
        if key == name:
            return value
    return None


def validate_offer(sdp: str) -> list[MediaSection]:
    """Raise :class:`SdpRejectedError` if the offer cannot be forwarded as-is."""
    sections = parse_media_sections(sdp)
    if not sections:
        raise SdpRejectedError(SfuErrorCode.INVALID_SDP, "offer has no m-sections")
    for section in sections:
        if section.kind not in ALLOWED_CODECS or section.port == 0:
            continue
        where = f"m-section #{section.index} ({section.kind}, mid={section.mid})"
        if section.has_simulcast:
            raise SdpRejectedError(
                SfuErrorCode.SIMULCAST_NOT_SUPPORTED,
                f"{where} uses simulcast (a=simulcast/a=rid); publish a single encoding",
            )
        allowed = [c for c in section.codecs if c in ALLOWED_CODECS[section.kind]]
        h264_only = section.kind == "video" and "h264" in allowed and "vp8" not in allowed
        if h264_only and "1" not in section.h264_packetization_modes:
            raise SdpRejectedError(
                SfuErrorCode.UNSUPPORTED_CODEC,
                f"{where}: H.264 needs packetization-mode=1",
            )
        wanted = "/".join(sorted(ALLOWED_CODECS[section.kind]))
        if not allowed:
            raise SdpRejectedError(
                SfuErrorCode.UNSUPPORTED_CODEC,
                f"{where} offers {list(section.codecs)}; only {wanted} can be forwarded",
            )
        chosen = next((c for c in section.codecs if c in AIORTC_MEDIA_CODECS), None)
        if chosen not in ALLOWED_CODECS[section.kind]:
            raise SdpRejectedError(
                SfuErrorCode.UNSUPPORTED_CODEC,
                f"{where} would negotiate {chosen!r}; list {wanted} first",
            )
    return sections


def check_negotiated_codecs(answer_sdp: str) -> None:
    """Raise if our answer selected a codec we cannot forward (e.g. PCMU listed first)."""
    for section in parse_media_sections(answer_sdp):
        if section.kind not in ALLOWED_CODECS or section.port == 0 or not section.codecs:
            continue
        chosen = next((c for c in section.codecs if c not in AUXILIARY_CODECS), None)
        if chosen not in ALLOWED_CODECS[section.kind]:
            raise SdpRejectedError(
                SfuErrorCode.UNSUPPORTED_CODEC,
                f"m-section #{section.index} ({section.kind}) would negotiate {chosen!r}; "
                "list an allowed codec first",
            )
