"""Benchmark: pass-through SFU vs aiortc MediaRelay (decode + re-encode per subscriber).

Usage (prints a Markdown table; never run as a test)::

    uv run python bench/sfu_forwarding.py                 # 10 s per case, ~3 min on 2 cores
    uv run python bench/sfu_forwarding.py --duration 5 --pass-n 10 20 40 --relay-n 1 5 10

Each case runs the SFU, the publisher and the subscribers in three separate processes on
loopback, so ``SFU CPU`` (core-seconds per second, ``time.process_time()`` of the SFU process:
all its threads) is isolated from the clients. The publisher is a live 640x480/30 fps
synthetic camera encoded by its own aiortc VP8 encoder, with the capture wall-clock time
burnt into the picture; the probe subscriber (sub0) decodes and reads it back →
glass-to-glass latency on one host clock. Other subscribers count received encoded frames
(no decode). ``meeting``: P sites in one client process, each publishing a pre-encoded VP8
loop (640x480 by default, keyframe every second, PLIs ignored) and receiving the P-1 others,
pass-through only. ``machine busy cores`` is the whole 2-core box from /proc/stat (our three
processes plus anything else running): when it nears 2.0 the run is CPU-starved and client
frame rates/latency are no longer a property of the SFU.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HELPER = Path(__file__).with_name("_sfu_proc.py")
LOG_DIR: Path | None = None  # --log-dir: keep each process's stderr for debugging


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[str]
    lines: list[dict[str, Any]] = field(default_factory=list)

    def start_reader(self) -> None:
        def read() -> None:
            assert self.popen.stdout is not None
            for raw in self.popen.stdout:
                try:
                    self.lines.append(json.loads(raw))
                except json.JSONDecodeError:
                    continue

        threading.Thread(target=read, daemon=True).start()

    def at(self, t: float) -> dict[str, Any]:
        """Status line closest to wall time ``t``."""
        timed = [line for line in self.lines if "t" in line]
        return min(timed, key=lambda line: abs(line["t"] - t))

    def rate(self, key: str, t0: float, t1: float) -> float:
        a, b = self.at(t0), self.at(t1)
        return (b[key] - a[key]) / (b["t"] - a["t"]) if b["t"] > a["t"] else 0.0


def busy_cores() -> tuple[float, float]:
    """(wall time, cumulative busy CPU seconds of the whole machine) from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return time.time(), (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(name: str, *args: object) -> Proc:
    stderr: Any = subprocess.DEVNULL
    if LOG_DIR is not None:
        stderr = (LOG_DIR / f"{name}.log").open("a")
    popen = subprocess.Popen(
        [sys.executable, str(HELPER), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    proc = Proc(name, popen)
    proc.start_reader()
    return proc


def wait_for(predicate: Any, limit: float) -> bool:
    deadline = time.time() + limit
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def pct(values: list[int], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def run_case(mode: str, n: int, args: argparse.Namespace, meeting: bool = False) -> dict[str, Any]:
    port = free_port()
    sfu = spawn("sfu", "sfu", port, mode)
    procs = [sfu]
    try:
        if not wait_for(lambda: any(line.get("ready") for line in sfu.lines), 20):
            raise RuntimeError("SFU did not start")
        if meeting:
            width, height = (int(x) for x in args.meeting_size.split("x"))
            clients = spawn("sites", "meeting", port, n, width, height)
            procs.append(clients)
            streams = n * (n - 1)
        else:
            procs.append(spawn("pub", "pub", port, 1, args.width, args.height))
            clients = spawn("subs", "subs", port, n, args.width, args.height)
            procs.append(clients)
            streams = n

        def flowing() -> bool:
            last = clients.lines[-1] if clients.lines else {}
            frames = last.get("frames", [])
            return len(frames) >= streams and all(f > 0 for f in frames)

        if not wait_for(flowing, 90):
            raise RuntimeError(f"{mode} N={n}: media did not flow to all subscribers")
        time.sleep(args.warmup)
        w0, busy0 = busy_cores()
        t0 = time.time()
        time.sleep(args.duration)
        t1 = time.time()
        w1, busy1 = busy_cores()
        time.sleep(1.2)  # let the last status lines arrive
        a, b = clients.at(t0), clients.at(t1)
        wall = b["t"] - a["t"]
        fps = [(y - x) / wall for x, y in zip(a["frames"], b["frames"], strict=False)]
        lat = [x for line in clients.lines if t0 < line.get("t", 0) <= t1 for x in line["lat"]]
        sfu_a, sfu_b = sfu.at(t0), sfu.at(t1)
        return {
            "mode": f"meeting {args.meeting_size} (pass-through)" if meeting else mode,
            "n": f"{n} sites" if meeting else str(n),
            "sfu_cpu": sfu.rate("cpu", t0, t1),
            "client_cpu": sum(p.rate("cpu", t0, t1) for p in procs[1:]),
            "machine": (busy1 - busy0) / (w1 - w0),
            "fps": (min(fps), statistics.mean(fps), max(fps)) if fps else (0, 0, 0),
            "lat": (pct(lat, 0.5), pct(lat, 0.95)) if lat else None,
            "rss": sfu_b["rss"],
            "out_fps": (sfu_b.get("frames_out", 0) - sfu_a.get("frames_out", 0)) / wall,
            "plis": sfu_b.get("plis"),
            "streams": streams,
        }
    finally:
        for proc in procs:
            proc.popen.terminate()
        for proc in procs:
            try:
                proc.popen.wait(5)
            except subprocess.TimeoutExpired:
                proc.popen.kill()


def row(r: dict[str, Any]) -> str:
    per = r["sfu_cpu"] / max(r["streams"], 1)
    lo, mean, hi = r["fps"]
    lat = f"{r['lat'][0]:.0f} / {r['lat'][1]:.0f}" if r["lat"] else "-"
    out = f"{r['out_fps']:.0f}" if r["mode"] != "relay" else "-"
    plis = r["plis"] if r["plis"] is not None else "-"
    return (
        f"| {r['mode']} | {r['n']} | {r['sfu_cpu']:.3f} | {per:.4f} | {r['client_cpu']:.2f} "
        f"| {lo:.1f} / {mean:.1f} / {hi:.1f} | {lat} | {out} | {plis} | {r['rss']:.0f} "
        f"| {r['machine']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per case")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pass-n", type=int, nargs="*", default=[10, 20, 40])
    parser.add_argument("--relay-n", type=int, nargs="*", default=[1, 5, 10])
    parser.add_argument("--meeting-sites", type=int, default=10, help="0 to skip")
    parser.add_argument("--meeting-size", default="640x480", help="WxH of the site streams")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args()
    global LOG_DIR
    LOG_DIR = args.log_dir

    cases = [("pass", n, False) for n in args.pass_n] + [("relay", n, False) for n in args.relay_n]
    if args.meeting_sites:
        cases.append(("pass", args.meeting_sites, True))
    header = (
        "| mode | N | SFU CPU (core-s/s) | SFU CPU per stream out | client procs CPU "
        "| fps at subscribers min / mean / max | probe glass-to-glass ms p50 / p95 "
        "| SFU frames out/s | upstream PLIs | SFU RSS MB | machine busy cores |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for mode, n, meeting in cases:
        print(
            f"running {mode} N={n}{' meeting' if meeting else ''} ...", file=sys.stderr, flush=True
        )
        try:
            rows.append(row(run_case(mode, n, args, meeting)))
        except RuntimeError as exc:
            rows.append(f"| {mode} | {n} | failed: {exc} |")
        print(rows[-1], file=sys.stderr, flush=True)
    print(f"\n{args.width}x{args.height} VP8 30 fps, {args.duration:.0f} s measured per case\n")
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
