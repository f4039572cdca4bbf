"""End-to-end benchmark: the simulator drives `cti run` through the full IVR.

    python bench/e2e_bench.py [--rate 20] [--seconds 60] [--agents 300]

The service runs as its own process (as in production) against an embedded
PostgreSQL; the simulator runs in this process: Poisson arrivals at --rate
calls a second, each through ivr_flows/main.yaml, agents' phones answering
after 0.5-1.5 s, callers talking 5-15 s. Prints the routing latency (a call
queued while an agent is READY -> the Redirect handed to AMI), calls lost,
records missing, and the service's peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cti.api.auth import read_operator_key  # noqa: E402
from cti.config import load_config  # noqa: E402
from cti.sim.phones import Behaviour  # noqa: E402
from cti.sim.server import SimPbx  # noqa: E402
from cti.store import EmbeddedPostgres, Store  # noqa: E402

PATHS = [["1", "1"], ["2", "1"], ["3"], ["0"]]
SKILLS = ["bookings", "changes", "billing", "complaints"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory: Path, ami_port: int, agi_port: int, http_port: int, dsn: str,
                 agents: int) -> None:
    shutil.copytree(ROOT / "config", directory)
    cti = yaml.safe_load((directory / "cti.yaml").read_text())
    cti["ami"][0].update(port=ami_port, secret="bench")
    cti["agi"]["port"], cti["http"]["port"] = agi_port, http_port
    cti["database"] = {"url": dsn, "max_connections": 10}
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    cti["log"]["level"] = "warning"
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    (directory / "hours.yaml").write_text(yaml.safe_dump(
        {"timezone": "UTC", "weekly": {d: ["00:00-24:00"] for d in days}}))
    queues = yaml.safe_load((directory / "queues.yaml").read_text())
    for q in queues["queues"]:
        q.update(wrapup=1, ring_timeout=10)
    (directory / "queues.yaml").write_text(yaml.safe_dump(queues))
    (directory / "agents.yaml").write_text(yaml.safe_dump({"agents": [
        {"id": f"b{i:04d}", "name": f"Agent {i}", "endpoint": f"PJSIP/{5000 + i}",
         "skills": {s: 5 for s in SKILLS}}
        for i in range(agents)]}))
    (directory / "units.yaml").write_text(yaml.safe_dump({"units": [
        {"id": "agents", "name": "Agents", "kind": "pool",
         "members": [f"b{i:04d}" for i in range(agents)]}]}))


async def http_json(session: aiohttp.ClientSession, method: str, url: str) -> dict:
    async with session.request(method, url) as response:
        return await response.json()


async def until_up(url: str, proc: asyncio.subprocess.Process, config_dir: Path) -> dict[str, str]:
    """Wait for the service's HTTP API; the operator key's header, as `cti` signs in."""
    config = load_config(config_dir)
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if proc.returncode is not None:
                raise SystemExit(f"cti run exited with {proc.returncode}; see above")
            key = read_operator_key(config)
            try:
                await http_json(http, "GET", url + "/api/v1/health")
                if key is not None:
                    break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        else:
            raise SystemExit(f"the service did not come up at {url} with an operator key")
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Bench:
    """The service running as its own process against the simulator and PostgreSQL."""

    work: Path
    pg: EmbeddedPostgres
    dsn: str
    sim: SimPbx
    proc: asyncio.subprocess.Process
    url: str
    headers: dict[str, str]
    rng: random.Random


@contextlib.asynccontextmanager
async def running_service(prefix: str, agents: int, *, durable: bool) -> AsyncIterator[Bench]:
    """PostgreSQL, the simulator with ``agents`` phones, `cti run`, every agent ready."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    pg = EmbeddedPostgres(work / "pgdata", durable=durable)
    dsn = await asyncio.to_thread(pg.start)
    sim = SimPbx(secret="bench")
    await sim.start()
    rng = random.Random(1)
    for i in range(agents):
        sim.add_phone(f"PJSIP/{5000 + i}", Behaviour.answers(rng.uniform(0.5, 1.5)))
    agi_port, http_port = free_port(), free_port()
    write_config(work / "config", sim.ami_port, agi_port, http_port, dsn, agents)
    sim.core.agi_override = ("127.0.0.1", agi_port)
    url = f"http://127.0.0.1:{http_port}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cti.cli", "run", "--config", str(work / "config"), cwd=ROOT)
    try:
        headers = await until_up(url, proc, work / "config")
        async with aiohttp.ClientSession(headers=headers) as http:
            for i in range(agents):
                await http_json(http, "POST", f"{url}/api/v1/agents/b{i:04d}/ready")
        yield Bench(work, pg, dsn, sim, proc, url, headers, rng)
    finally:
        if proc.returncode is None:
            proc.kill()
        await sim.stop()
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(work, ignore_errors=True)


async def main(args: argparse.Namespace) -> None:
    async with running_service("cti-e2e-bench-", args.agents, durable=False) as bench:
        proc, url, rng = bench.proc, bench.url, bench.rng
        calls = []
        async with aiohttp.ClientSession(headers=bench.headers) as http:
            print(f"service up (pid {proc.pid}), {args.agents} agents ready; "
                  f"{args.rate:g} calls/s for {args.seconds:g} s ...", flush=True)
            started = time.monotonic()
            next_report = started + 10
            while time.monotonic() - started < args.seconds:
                await asyncio.sleep(rng.expovariate(args.rate))
                calls.append(bench.sim.place_call(
                    f"6{len(calls):06d}", f"Caller {len(calls)}", "900",
                    digits=rng.choice(PATHS), patience=600, talk_seconds=rng.uniform(5, 15)))
                if time.monotonic() >= next_report:
                    st = await http_json(http, "GET", url + "/api/v1/status")
                    print(f"  t={time.monotonic() - started:4.0f}s placed {len(calls)} "
                          f"calls {st['calls']} p99 {st['routing_latency_ms']['p99']} ms "
                          f"backlog {st['pending_writes']} RSS {memory_kb(proc.pid) / 1024:.0f} MB",
                          flush=True)
                    next_report += 10
            print(f"traffic stopped after {len(calls)} calls; waiting for them to end",
                  flush=True)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not all(c.ended.is_set() for c in calls):
                await asyncio.sleep(0.5)
            status = await http_json(http, "GET", url + "/api/v1/status")
        hwm = memory_kb(proc.pid, "VmHWM")
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 60)
        await report(calls, status, hwm, bench.dsn)


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of /proc/PID/status, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def report(calls: list, status: dict, hwm_kb: int, dsn: str) -> None:
    outcomes = Counter(c.outcome or "unfinished" for c in calls)
    store = await Store.open(dsn)
    try:
        from datetime import UTC, datetime, timedelta

        now = datetime.now(UTC)
        cases = await store.interactions.between(now - timedelta(hours=2), now)
        records = await store.calls.between(now - timedelta(hours=2), now)
        by_id = {str(c.id): c for c in cases}
        missing = 0
        for record in records:
            case = by_id.get(str(record.interaction_id))
            if case is None or case.status != "closed":
                missing += 1
        answered_cases = [c for c in cases if c.outcome == "answered"]
        answered_records = {str(r.interaction_id) for r in records if r.outcome == "answered"}
        missing += sum(1 for c in answered_cases if str(c.id) not in answered_records)
        stream = await store.pool.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seq, min(seq) AS first, "
            "max(seq) AS last FROM events")
    finally:
        await store.close()
    connected = sum(1 for c in calls if c.answered)
    lost = len(calls) - len(cases)
    latency = status["routing_latency_ms"]
    print()
    print(f"calls placed            {len(calls)}")
    print(f"calls answered by agent {connected}  (caller outcomes: {dict(outcomes)})")
    print(f"interactions recorded   {len(cases)}  closed "
          f"{sum(1 for c in cases if c.status == 'closed')}")
    print(f"calls lost              {lost}")
    print(f"records missing         {missing}")
    gaps = (stream["last"] - stream["first"] + 1) - stream["distinct_seq"] if stream["n"] else 0
    print(f"events stored           {stream['n']}  (gaps in the sequence {gaps}, "
          f"duplicates {stream['n'] - stream['distinct_seq']})")
    print(f"routing latency         p50 {latency['p50']} ms  p99 {latency['p99']} ms  "
          f"({latency['count']} calls queued with an agent free)")
    print(f"service peak memory     {hwm_kb / 1024:.0f} MB (VmHWM)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="new calls a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--agents", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
