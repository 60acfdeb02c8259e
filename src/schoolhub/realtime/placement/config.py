"""SFU worker configuration from the environment (names fixed by infra/terraform)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from schoolhub.realtime.placement.registry import HEARTBEAT_SECONDS, LIVENESS_TTL_SECONDS

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    redis_url: str
    processes: int = 1
    drain_seconds: float = 3600.0
    node_name: str = ""
    node_ip: str = ""
    udp_port_range: tuple[int, int] | None = None
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    liveness_ttl_seconds: float = LIVENESS_TTL_SECONDS
    recording_dir: Path = Path("/tmp/schoolhub/recordings")  # noqa: S108 - container scratch

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerConfig:
        env = os.environ if env is None else env
        redis_url = env.get("REDIS_URL", "")
        if not redis_url:
            raise RuntimeError("REDIS_URL is required for the SFU worker")
        port_range = None
        raw_range = env.get("SCHOOLHUB_SFU_UDP_PORT_RANGE", "").strip()
        if raw_range:
            low, _, high = raw_range.replace(":", "-").partition("-")
            port_range = (int(low), int(high))
        return cls(
            redis_url=redis_url,
            processes=int(env.get("SCHOOLHUB_SFU_PROCESSES") or os.cpu_count() or 1),
            drain_seconds=float(env.get("SCHOOLHUB_SFU_DRAIN_SECONDS") or 3600),
            node_name=env.get("SCHOOLHUB_SFU_NODE_NAME") or socket.gethostname(),
            node_ip=env.get("SCHOOLHUB_SFU_NODE_IP", ""),
            udp_port_range=port_range,
            heartbeat_seconds=float(env.get("SCHOOLHUB_SFU_HEARTBEAT_SECONDS") or 2),
            liveness_ttl_seconds=float(env.get("SCHOOLHUB_SFU_LIVENESS_TTL_SECONDS") or 5),
            recording_dir=Path(env.get("SCHOOLHUB_DATA_DIR") or "/tmp/schoolhub")  # noqa: S108
            / "recordings",
        )


def check_port_range(expected: tuple[int, int] | None) -> bool:
    """Warn when the kernel's ephemeral range (what aioice binds) is not the opened range."""
    if expected is None:
        return True
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
    except OSError:
        return True
    low, high = (int(x) for x in text.split())
    if low < expected[0] or high > expected[1]:
        logger.warning(
            "ip_local_port_range %s-%s is outside SCHOOLHUB_SFU_UDP_PORT_RANGE %s-%s: "
            "media ports may be blocked by the security group",
            low,
            high,
            *expected,
        )
        return False
    return True
