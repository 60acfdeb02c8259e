"""Cold and warm start of `schoolhub serve` with embedded PostgreSQL and Redis.

Cold: empty data directory (initdb, first migration). Warm: the same directory again.
Measured until GET /health/ready returns 200 (database and Redis reachable, migrations applied).

    uv run python bench/cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _server import free_port, start, stop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env_base = {"DATABASE_URL": "", "REDIS_URL": ""}
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**env_base, "SCHOOLHUB_DATA_DIR": str(Path(tmp) / "data")}
            proc, seconds = start(env, free_port())
            cold.append(seconds)
            stop(proc)
            proc, seconds = start(env, free_port())
            warm.append(seconds)
            stop(proc)
    print(
        f"serve cold start (embedded PG + Redis, empty .data): "
        f"median {statistics.median(cold):.2f}s  min {min(cold):.2f}s  max {max(cold):.2f}s  (n={len(cold)})"
    )
    print(
        f"serve warm start (existing .data):                    "
        f"median {statistics.median(warm):.2f}s  min {min(warm):.2f}s  max {max(warm):.2f}s  (n={len(warm)})"
    )


if __name__ == "__main__":
    main()
