"""FastAGI + IVR throughput: N callers at once through the example main flow.

The fake PBX plays Asterisk on 127.0.0.1 (answers at once: no audio time), so
this measures the server and the interpreter, not prompts. Prints calls/s,
AGI commands/s and the time per call.

    .venv/bin/python bench/agi_bench.py [--calls 2000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cti.agi.app import IvrApp
from cti.agi.fake_pbx import FakePbx
from cti.agi.hold import HoldStep
from cti.agi.interpreter import FlowRunner
from cti.agi.loader import load_flows
from cti.agi.memory_host import MemoryHost
from cti.agi.server import AgiServer
from cti.config import load_config

ROOT = Path(__file__).resolve().parents[1]


async def main(calls: int, concurrency: int) -> None:
    config = load_config(ROOT / "config")
    flows = {n: lf.flow for n, lf in load_flows(ROOT / "ivr_flows").items()}
    host = MemoryHost(hours=config.hours)
    tz = ZoneInfo(config.hours.timezone)
    at = datetime(2026, 11, 23, 10, 0, tzinfo=tz)
    app = IvrApp(FlowRunner(flows, host, clock=lambda: at, tz=tz), HoldStep(host))
    server = AgiServer(app.routes(), port=0)
    durations: list[float] = []
    commands = 0
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        nonlocal commands
        async with gate:
            start = time.perf_counter()
            t = await FakePbx(server.port).call(
                "ivr?flow=main", caller=f"6{n:07d}", uniqueid=f"1.{n}",
                digits=[str(1 + n % 4), "1"])
            durations.append(time.perf_counter() - start)
            commands += len(t.commands)

    async with server:
        begin = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(calls)))
        elapsed = time.perf_counter() - begin
    durations.sort()
    print(f"{calls} calls, {concurrency} at once, {commands} AGI commands in {elapsed:.2f} s")
    print(f"  {calls / elapsed:,.0f} calls/s, {commands / elapsed:,.0f} commands/s")
    print(f"  per call: median {statistics.median(durations) * 1000:.1f} ms, "
          f"p99 {durations[int(len(durations) * 0.99) - 1] * 1000:.1f} ms")
    print(f"  server stats: {server.stats}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.concurrency))
