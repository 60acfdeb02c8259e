"""Pure placement logic: worker choice, event serialisation, wire errors, channel names."""

from __future__ import annotations

import dataclasses

import pytest

import schoolhub.realtime.sfu.events as ev
from schoolhub.realtime.placement import (
    PlacementError,
    PlacementErrorCode,
    WorkerStats,
    choose_worker,
    events_channel,
    from_dict,
    rpc_channel,
    to_dict,
    worker_channel,
)
from schoolhub.realtime.placement.protocol import error_from_dict, error_to_dict
from schoolhub.realtime.placement.worker import WorkerConfig
from schoolhub.realtime.sfu import SfuError, SfuErrorCode


def w(worker_id: str, **kw: object) -> WorkerStats:
    return WorkerStats(worker_id=worker_id, **kw)  # type: ignore[arg-type]


def test_no_worker_means_none() -> None:
    assert choose_worker([]) is None
    assert choose_worker([w("a", state="draining")]) is None


def test_fewest_rooms_then_participants_then_cpu() -> None:
    assert choose_worker([w("a", rooms=2), w("b", rooms=1)]).worker_id == "b"  # type: ignore[union-attr]
    pick = choose_worker([w("a", rooms=1, participants=40), w("b", rooms=1, participants=3)])
    assert pick is not None and pick.worker_id == "b"
    pick = choose_worker([w("a", cpu=0.5), w("b", cpu=0.2)])
    assert pick is not None and pick.worker_id == "b"
    pick = choose_worker([w("b"), w("a")])  # deterministic tie-break
    assert pick is not None and pick.worker_id == "a"


def test_fresh_room_map_counts_beat_lagging_reports() -> None:
    workers = [w("a", rooms=0), w("b", rooms=0)]
    pick = choose_worker(workers, {"a": 2})
    assert pick is not None and pick.worker_id == "b"
    # a report newer than the map (rooms opened, map not yet read) also counts
    pick = choose_worker([w("a", rooms=3), w("b", rooms=0)], {"a": 0, "b": 1})
    assert pick is not None and pick.worker_id == "b"


def test_draining_workers_get_no_new_rooms() -> None:
    pick = choose_worker([w("a", state="draining"), w("b", rooms=9, participants=200)])
    assert pick is not None and pick.worker_id == "b"


def test_overloaded_cpu_is_avoided_unless_every_worker_is() -> None:
    pick = choose_worker([w("a", cpu=0.95), w("b", rooms=5, cpu=0.6)])
    assert pick is not None and pick.worker_id == "b"
    pick = choose_worker([w("a", cpu=0.95, rooms=3), w("b", rooms=5, cpu=0.97)])
    assert pick is not None and pick.worker_id == "a"


def test_stats_json_round_trip_ignores_unknown_fields() -> None:
    stats = w("a", node="sfu-1", rooms=2, participants=7, cpu=0.3, updated_at=1.0)
    assert WorkerStats.from_json(stats.to_json()) == stats
    assert WorkerStats.from_json('{"worker_id": "x", "future": 1}') == w("x")


EVENTS: list[ev.RoomEvent] = [
    ev.ParticipantJoined("r", "p"),
    ev.ParticipantLeft("r", "p", "left"),
    ev.TrackPublished("r", "p", "p:0", "video", ev.TrackSource.SCREEN, "vp8"),
    ev.TrackUnpublished("r", "p", "p:0", "ended"),
    ev.KeyframeRequested("r", "p:0", "join", "sent"),
    ev.NegotiationNeeded("r", "p", "v=0\r\n"),
    ev.TrackRouted("r", "p", "1", None, False),
    ev.SubscriptionAdapted("r", "p", "AUDIO_ONLY", "ALL", "packet_loss", 0.31),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_serialises_and_round_trips(event: ev.RoomEvent) -> None:
    data = to_dict(event)
    assert isinstance(data["type"], str)
    assert set(data) == {"type", *(f.name for f in dataclasses.fields(event))}
    assert all(not isinstance(v, ev.TrackSource) for v in data.values())  # JSON-plain
    assert from_dict(data) == event


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_same_dicts_as_the_local_backend(event: ev.RoomEvent) -> None:
    from schoolhub.realtime.backend import event_to_dict

    assert to_dict(event) == event_to_dict(event)


def test_every_event_class_is_covered() -> None:
    assert {type(e) for e in EVENTS} == set(ev.RoomEvent.__args__)  # type: ignore[attr-defined]
    assert to_dict(EVENTS[2])["source"] == "screen"
    assert from_dict({"type": "reconnect_required", "room_id": "r"}) is None
    with pytest.raises(TypeError):
        to_dict("nope")  # type: ignore[arg-type]


def test_errors_cross_the_wire_typed() -> None:
    sfu = error_from_dict(error_to_dict(SfuError(SfuErrorCode.ROOM_FULL, "full")))
    assert isinstance(sfu, SfuError) and sfu.code is SfuErrorCode.ROOM_FULL
    placement = error_from_dict(error_to_dict(KeyError("participant_id")))
    assert isinstance(placement, PlacementError)
    assert placement.code is PlacementErrorCode.BAD_REQUEST
    internal = error_from_dict(error_to_dict(RuntimeError("boom")))
    assert isinstance(internal, PlacementError) and internal.code is PlacementErrorCode.INTERNAL


def test_channels_are_hash_tagged_per_room() -> None:
    assert rpc_channel("c7") == "sfu:{c7}:rpc"
    assert events_channel("c7") == "sfu:{c7}:events"
    assert worker_channel("w1") == "sfu:worker:w1"


def test_worker_config_from_env() -> None:
    config = WorkerConfig.from_env(
        {
            "REDIS_URL": "redis://r:6379/0",
            "SCHOOLHUB_SFU_PROCESSES": "3",
            "SCHOOLHUB_SFU_DRAIN_SECONDS": "60",
            "SCHOOLHUB_SFU_UDP_PORT_RANGE": "40000-49999",
            "SCHOOLHUB_SFU_NODE_NAME": "sfu-a",
            "SCHOOLHUB_SFU_NODE_IP": "203.0.113.7",
        }
    )
    assert (config.processes, config.drain_seconds) == (3, 60.0)
    assert config.udp_port_range == (40000, 49999)
    assert (config.node_name, config.node_ip) == ("sfu-a", "203.0.113.7")
    with pytest.raises(RuntimeError):
        WorkerConfig.from_env({})
