"""SchoolHub's selective forwarding unit (SFU) media core, built on aiortc.

Design note — why we forward and never transcode
------------------------------------------------
A live class is one teacher to 30-45 students; a district meeting is ~10 sites that all see
each other. With aiortc's default (``MediaRelay``) every subscriber gets its own encoder: one
640x480 VP8 encode costs ~0.14 core, so a 2-core box saturates at ~10 subscribers and latency
then grows without bound (SFU.md §2.2). Forwarding the publisher's encoded frames costs
~0.0055 core per subscriber (40 µs per RTP packet): N=40 measured at 0.25 core, a 10-site
all-see-all meeting at 0.8 core. Forwarding also keeps the publisher's quality (no generation
loss) and adds no encoder delay. The price, accepted here: the publisher's codec (VP8, H.264 or
Opus) must be used end to end, there is no per-subscriber rate adaptation, no simulcast/SVC, and
we hook private aiortc internals (all listed in :mod:`schoolhub.realtime.sfu.aiortc_hooks`,
checked at install time). Weak mobile links are served by modes (``AUDIO_ONLY`` data saver,
``AUDIO_AND_PRESENTER``), keyframe-gated bounded queues and NACK/RTX per hop.

Layout
------
* :mod:`~schoolhub.realtime.sfu.aiortc_hooks` — pass-through receive + PLI/FIR hook;
* :mod:`~schoolhub.realtime.sfu.forwarding` — ``TrackForwarder`` / ``ForwardedTrack`` fan-out;
* :mod:`~schoolhub.realtime.sfu.room` — ``SfuRoom`` (participants, modes, events);
* :mod:`~schoolhub.realtime.sfu.participant` — the negotiation contract: clients offer what
  they publish, the SFU offers subscriptions (one pinned-codec sendonly slot per remote track,
  paused by mode, reused after unpublish, so mode switches never renegotiate);
* :mod:`~schoolhub.realtime.sfu.keyframes`, :mod:`~schoolhub.realtime.sfu.sdp_policy` — pure
  logic (keyframe detection, PLI coalescing, SDP admission);
* :mod:`~schoolhub.realtime.sfu.loopback` — synthetic camera and in-process client for tests
  and the benchmark.

The hooks are installed on first use (``SfuRoom``/``TrackForwarder``/``mark_passthrough``
call the idempotent :func:`install`); importing this package patches nothing. This package
is domain code: no GraphQL, web framework or database imports.
"""

from schoolhub.realtime.sfu.aiortc_hooks import (
    PassthroughStats,
    check_aiortc_compat,
    install,
    mark_passthrough,
    passthrough_stats,
)
from schoolhub.realtime.sfu.errors import (
    AiortcIncompatibleError,
    SdpRejectedError,
    SfuError,
    SfuErrorCode,
)
from schoolhub.realtime.sfu.events import (
    KeyframeRequested,
    NegotiationNeeded,
    ParticipantJoined,
    ParticipantLeft,
    RoomEvent,
    TrackPublished,
    TrackRouted,
    TrackSource,
    TrackUnpublished,
)
from schoolhub.realtime.sfu.forwarding import ForwardedTrack, TrackForwarder
from schoolhub.realtime.sfu.participant import SubscriptionMode
from schoolhub.realtime.sfu.room import SfuRoom

__all__ = [
    "AiortcIncompatibleError",
    "ForwardedTrack",
    "KeyframeRequested",
    "NegotiationNeeded",
    "ParticipantJoined",
    "ParticipantLeft",
    "PassthroughStats",
    "RoomEvent",
    "SdpRejectedError",
    "SfuError",
    "SfuErrorCode",
    "SfuRoom",
    "SubscriptionMode",
    "TrackForwarder",
    "TrackPublished",
    "TrackRouted",
    "TrackSource",
    "TrackUnpublished",
    "check_aiortc_compat",
    "install",
    "mark_passthrough",
    "passthrough_stats",
]
