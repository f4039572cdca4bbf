"""Database outage benchmark: calls go on while PostgreSQL is down, nothing is lost.

    python bench/outage_bench.py [--rate 100] [--before 30] [--down 600] [--after 180]
                                 [--agents 1500]

`cti run` as its own process against an embedded PostgreSQL, the simulator in
this process placing calls at --rate a second through the full IVR. After
--before seconds the database is stopped for --down seconds, then started
again; traffic goes on for --after seconds more. Prints every 10 s the calls,
the backlog (events not yet stored), the journal's size and the service's
memory (and the catch-up worker's, while it stores the backlog: a process of
its own); then the peak memory, the journal bytes per call during the outage,
how long the backlog took to drain once the database was back, and whether
every call, record and event was stored exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_bench import (
    PATHS,
    http_json,
    memory_kb,
    report,
    running_service,
)


def worker_kb(service_pid: int) -> int:
    """The catch-up worker's resident memory (cti/catchup.py, the service's child), or 0."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if f"\nPPid:\t{service_pid}\n" in text and \
                    b"cti.catchup" in (status.parent / "cmdline").read_bytes():
                return memory_kb(int(status.parent.name))
        except OSError:
            continue
    return 0


async def main(args: argparse.Namespace) -> None:
    async with running_service("cti-outage-bench-", args.agents, durable=True) as bench:
        pg, sim, proc, url, rng = bench.pg, bench.sim, bench.proc, bench.url, bench.rng
        calls: list = []
        down_at = up_at = drained_at = None
        peak_rss, peak_journal, calls_at_down, calls_at_up, peak_worker = 0, 0, 0, 0, 0
        async with aiohttp.ClientSession(headers=bench.headers) as http:
            total = args.before + args.down + args.after
            print(f"{args.agents} agents ready; {args.rate:g} calls/s for {total:g} s, the "
                  f"database down from {args.before:g} s for {args.down:g} s", flush=True)
            started = time.monotonic()
            next_report = started
            while (elapsed := time.monotonic() - started) < total:
                await asyncio.sleep(rng.expovariate(args.rate))
                calls.append(sim.place_call(
                    f"6{len(calls):08d}", "", "900", digits=rng.choice(PATHS), patience=600,
                    talk_seconds=rng.uniform(5, 15)))
                if down_at is None and elapsed >= args.before:
                    await asyncio.to_thread(pg.stop)
                    down_at, calls_at_down = time.monotonic(), len(calls)
                    print(f"  t={elapsed:4.0f}s database stopped", flush=True)
                elif up_at is None and down_at is not None \
                        and elapsed >= args.before + args.down:
                    await asyncio.to_thread(pg.start)
                    up_at, calls_at_up = time.monotonic(), len(calls)
                    print(f"  t={elapsed:4.0f}s database started again", flush=True)
                if time.monotonic() >= next_report:
                    st = await http_json(http, "GET", url + "/api/v1/status")
                    rss, worker = memory_kb(proc.pid), worker_kb(proc.pid)
                    peak_worker = max(peak_worker, worker)
                    journal = (st.get("journal") or {}).get("bytes", 0)
                    peak_rss, peak_journal = max(peak_rss, rss), max(peak_journal, journal)
                    backlog = st["pending_writes"]
                    if up_at is not None and drained_at is None and backlog < 2 * args.rate * 20:
                        drained_at = time.monotonic()
                    print(f"  t={elapsed:4.0f}s calls {len(calls)} database {st['database']} "
                          f"backlog {backlog} journal {journal / 1e6:.1f} MB "
                          f"RSS {rss / 1024:.0f} MB"
                          + (f" (worker {worker / 1024:.0f} MB)" if worker else ""), flush=True)
                    next_report += 10
            print("traffic stopped; waiting for the calls to end", flush=True)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not all(c.ended.is_set() for c in calls):
                await asyncio.sleep(0.5)
            while time.monotonic() < deadline:
                status = await http_json(http, "GET", url + "/api/v1/status")
                if status["pending_writes"] == 0:
                    break
                await asyncio.sleep(0.5)
            if drained_at is None:
                drained_at = time.monotonic()
        hwm = memory_kb(proc.pid, "VmHWM")
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 120)
        await report(calls, status, hwm, bench.dsn)
        outage_calls = max(calls_at_up - calls_at_down, 1)
        print(f"service peak RSS        {max(peak_rss, 0) / 1024:.0f} MB during the run")
        if peak_worker:
            print(f"catch-up worker peak    {peak_worker / 1024:.0f} MB (its own process)")
        print(f"journal at its largest  {peak_journal / 1e6:.1f} MB: "
              f"{peak_journal / outage_calls:.0f} bytes a call placed during the outage")
        if up_at is not None:
            print(f"backlog drained         {drained_at - up_at:.0f} s after the database "
                  "came back (calls going on)")



if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="new calls a second")
    parser.add_argument("--before", type=float, default=30.0)
    parser.add_argument("--down", type=float, default=600.0)
    parser.add_argument("--after", type=float, default=180.0)
    parser.add_argument("--agents", type=int, default=1500)
    asyncio.run(main(parser.parse_args()))
