"""Command-line start-up: how long `cti --help` and the commands that ask a running
service take, as separate processes. Not collected by pytest.

    .venv/bin/python bench/cli_bench.py [--runs 15]

Starts an embedded PostgreSQL, the PBX simulator and the service (as the
tests do), then runs each command --runs times and prints the median and the
best wall time, next to a bare `python -c pass` for scale (targets: `cti --help`
under 100 ms, the commands that ask the service under 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))
os.environ.setdefault("CTI_AMI_SECRET", "bench-secret-not-used-for-anything")

CTI = [sys.executable, "-m", "cti.cli"] if not (Path(sys.executable).parent / "cti").exists() \
    else [str(Path(sys.executable).parent / "cti")]


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, timeout=30)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, min(times) * 1000


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from service_env import make_config, start_sim

    from cti.app import Service
    from cti.config import load_config
    from cti.store import EmbeddedPostgres

    scratch = Path(tempfile.mkdtemp(prefix="cti-cli-bench-"))
    pg = EmbeddedPostgres(scratch / "pg", durable=False)
    dsn = await asyncio.to_thread(pg.start)
    sim = await start_sim()
    config_dir = make_config(scratch / "config", sim.ami_port)
    service = Service(load_config(config_dir), dsn=dsn)
    await service.start()
    url = f"http://127.0.0.1:{service.http_port}"
    try:
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("cti --help", [*CTI, "--help"]),
            ("cti report --help", [*CTI, "report", "--help"]),
            ("cti status", [*CTI, "status", "--url", url]),
            ("cti queues", [*CTI, "queues", "--url", url]),
            ("cti queue show bookings", [*CTI, "queue", "show", "bookings", "--url", url]),
            ("cti agents", [*CTI, "agents", "--url", url]),
            ("cti watch --once", [*CTI, "watch", "--once", "--url", url]),
        ]
        print(f"{'command':<26} {'median ms':>10} {'best ms':>8}")
        for label, argv in commands:
            median, best = await asyncio.to_thread(timed, argv, args.runs)
            print(f"{label:<26} {median:>10.0f} {best:>8.0f}", flush=True)
    finally:
        await service.stop()
        await sim.stop()
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
