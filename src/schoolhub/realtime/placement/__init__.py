"""SFU rooms placed across processes and nodes through Redis (LiveKit-style, SFU.md §3.1).

* :mod:`~schoolhub.realtime.placement.protocol` — the ``SfuBackend`` protocol
  (``call(room_id, op, args)`` / ``events(room_id)``), :func:`to_dict` of SFU events, channel
  names, typed ``PlacementError``;
* :mod:`~schoolhub.realtime.placement.registry` — worker registry, room -> worker map,
  least-loaded choice, re-placement of a dead worker's rooms (``reconnect_required``);
* :mod:`~schoolhub.realtime.placement.backend` — ``RedisSfuBackend`` for API processes;
* :mod:`~schoolhub.realtime.placement.worker` — the ``schoolhub sfu-worker`` processes
  (:func:`~schoolhub.realtime.placement.worker.run_sfu_workers`), configured from the
  environment by :mod:`~schoolhub.realtime.placement.config`.

Domain code: no web framework, GraphQL or database imports.
"""

from schoolhub.realtime.placement.backend import RedisSfuBackend, RoomEventStream
from schoolhub.realtime.placement.protocol import (
    RECONNECT_REQUIRED,
    PlacementError,
    PlacementErrorCode,
    SfuBackend,
    apply_op,
    events_channel,
    from_dict,
    rpc_channel,
    to_dict,
    worker_channel,
)
from schoolhub.realtime.placement.registry import Placement, WorkerStats, choose_worker

__all__ = [
    "RECONNECT_REQUIRED",
    "Placement",
    "PlacementError",
    "PlacementErrorCode",
    "RedisSfuBackend",
    "RoomEventStream",
    "SfuBackend",
    "WorkerStats",
    "apply_op",
    "choose_worker",
    "events_channel",
    "from_dict",
    "rpc_channel",
    "to_dict",
    "worker_channel",
]
