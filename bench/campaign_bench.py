"""Service-level run of a predictive campaign: the simulator, `cti run`, PostgreSQL.

    python bench/campaign_bench.py [--minutes 3] [--agents 20] [--speed 1]
                                   [--history 1000] [--contacts 5000] [--seed 1]

The service runs as its own process (as in production) against an embedded
PostgreSQL; the simulator runs in this process with --agents agent phones
(answering their line in 0.5 s) and a trunk whose customers are drawn from an
outbound profile: 35 % answer after 3 to 15 s (15 % of those are answering
machines: AMD() decides in about 1.5 s, people in about 1.8 s), 5 % are busy, the
rest ring out; people talk about 20 s (lognormal). The campaign is created,
its list imported and started through the REST API, like `cti campaign`.
``--history`` connected calls are written into the last hour first, so the
legal window has abandons in hand and the pacer can dial ahead of free agents
(a campaign that has been running for a while); 0 starts from a fresh window.

Prints the campaign panel every 15 s, then, from PostgreSQL: the time from the
end of the greeting (AMD's decision) to the agent (p50, p99, max), the abandon
rate over the run, and the outcomes. ``--speed`` makes the simulator's ringing,
AMD and talk faster; the service's clock (the 2 s rule) is not scaled.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from e2e_bench import until_up  # noqa: E402

from cti.numbers import NumberRefused, parse  # noqa: E402
from cti.sim.customers import OutboundProfile  # noqa: E402
from cti.sim.phones import Behaviour  # noqa: E402
from cti.sim.server import SimPbx  # noqa: E402
from cti.store import EmbeddedPostgres, Store  # noqa: E402


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
    cti["outbound"] = {"rules": "US"}
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    (directory / "hours.yaml").write_text(yaml.safe_dump(
        {"timezone": "UTC", "weekly": {d: ["00:00-24:00"] for d in days}}))
    queues = yaml.safe_load((directory / "queues.yaml").read_text())
    queues["queues"].append({"name": "outbound", "skills": {"outbound": 1},
                             "ring_timeout": 10, "wrapup": 2})
    (directory / "queues.yaml").write_text(yaml.safe_dump(queues))
    (directory / "agents.yaml").write_text(yaml.safe_dump({"agents": [
        {"id": f"b{i:04d}", "name": f"Agent {i}", "endpoint": f"PJSIP/{5000 + i}",
         "skills": {"outbound": 5}, "queues": ["outbound"]} for i in range(agents)]}))
    (directory / "units.yaml").write_text(yaml.safe_dump({"units": [
        {"id": "agents", "name": "Agents", "kind": "pool",
         "members": [f"b{i:04d}" for i in range(agents)]}]}))


def numbers(count: int) -> list[str]:
    out: list[str] = []
    n = 612000000
    while len(out) < count:
        n += 7
        try:
            out.append(parse(str(n), "ES").e164)
        except NumberRefused:
            continue
    return out


async def call(http: aiohttp.ClientSession, method: str, url: str, **kwargs: object) -> object:
    async with http.request(method, url, **kwargs) as response:
        body = await response.json()
        if response.status >= 400:
            raise SystemExit(f"{method} {url}: {response.status} {body}")
        return body


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="cti-campaign-bench-"))
    pg = EmbeddedPostgres(work / "pgdata", durable=False)
    dsn = await asyncio.to_thread(pg.start)
    sim = SimPbx(secret="bench", speed=args.speed)
    await sim.start()
    for i in range(args.agents):
        sim.add_phone(f"PJSIP/{5000 + i}", Behaviour.answers(0.5))
    sim.add_phone("PJSIP/trunk", Behaviour.never_answers())
    sim.set_outbound_profile(OutboundProfile(
        answer_rate=0.35, busy_rate=0.05, answer_delay=(3.0, 15.0), machine_rate=0.15,
        talk_median=20.0, talk_sigma=0.5), seed=args.seed)
    agi_port, http_port = free_port(), free_port()
    write_config(work / "config", sim.ami_port, agi_port, http_port, dsn, args.agents)
    sim.core.agi_override = ("127.0.0.1", agi_port)
    url = f"http://127.0.0.1:{http_port}/api/v1"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cti.cli", "run", "--config", str(work / "config"), cwd=ROOT)
    try:
        headers = await until_up(url.removesuffix("/api/v1"), proc, work / "config")
        async with aiohttp.ClientSession(headers=headers) as http:
            timeout = max(3.0, 25.0 / args.speed)
            await call(http, "POST", url + "/campaigns", json={
                "name": "bench", "mode": "predictive", "queue": "outbound",
                "caller_id": "+34910000000",
                "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           "hours": ["00:00-24:00"]},
                "pacing": {"no_answer_timeout": timeout, "answer_rate": 0.35,
                           "talk_time": 20.0 / args.speed, "blending": None}})
            listing = "number\n" + "\n".join(numbers(args.contacts)) + "\n"
            await call(http, "POST", url + "/campaigns/bench/contacts", json={"csv": listing})
            if args.history:
                store = await Store.open(dsn)
                await store.pool.execute(
                    "UPDATE campaigns SET started_at = now() - interval '2 hours'")
                await store.pool.execute(
                    "INSERT INTO campaign_attempts (interaction_id, campaign, contact_id, "
                    "attempt, number, mode, placed_at, answered_at, amd_status, connected_at, "
                    "ended_at, outcome) SELECT gen_random_uuid(), 'bench', gen_random_uuid(), "
                    "1, '+34600000000', 'predictive', now() - interval '55 minutes', "
                    "now() - interval '55 minutes', 'HUMAN', now() - interval '55 minutes', "
                    "now() - interval '54 minutes', 'history' FROM generate_series(1, $1)",
                    args.history)
                await store.close()
            for i in range(args.agents):
                await call(http, "POST", f"{url}/agents/b{i:04d}/ready")
            await call(http, "POST", url + "/campaigns/bench/start")
            print(f"service up (pid {proc.pid}); {args.agents} agents, {args.contacts} "
                  f"contacts, simulator x{args.speed:g}, history {args.history} connects; "
                  f"running {args.minutes:g} min ...", flush=True)
            started = time.monotonic()
            reasons: dict[str, int] = {}
            next_report = started + 15
            while time.monotonic() - started < args.minutes * 60:
                await asyncio.sleep(1.0)
                (panel,) = await call(http, "GET", url + "/campaigns/board")  # type: ignore[misc]
                reason = (panel.get("pacing") or {}).get("reason", "-")
                reasons[reason] = reasons.get(reason, 0) + 1
                if time.monotonic() >= next_report:
                    next_report += 15
                    agents, ab = panel.get("agents") or {}, panel.get("abandon") or {}
                    print(f"  t={time.monotonic() - started:4.0f}s lines "
                          f"{panel['lines_in_use']:3d}, placed {panel['placed']}, "
                          f"connected {panel['connected']}, abandoned {panel['abandoned']}, "
                          f"occupancy {100 * (agents.get('occupancy') or 0):4.1f} %, "
                          f"window {100 * (ab.get('rate') or 0):.2f} %, pacing {reason}",
                          flush=True)
            await call(http, "POST", url + "/campaigns/bench/pause")
            await asyncio.sleep(3)
    finally:
        proc.terminate()
        await proc.wait()
        await sim.stop()
    store = await Store.open(dsn)
    try:
        await report(store, reasons)
    finally:
        await store.close()
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(work, ignore_errors=True)


async def report(store: Store, reasons: dict[str, int]) -> None:
    rows = await store.pool.fetch(
        "SELECT outcome, to_agent_seconds, abandoned_at IS NOT NULL AS abandoned, "
        "connected_at IS NOT NULL AS connected FROM campaign_attempts "
        "WHERE campaign = 'bench' AND outcome IS DISTINCT FROM 'history'")
    to_agent = sorted(r["to_agent_seconds"] for r in rows if r["to_agent_seconds"] is not None)
    abandoned = sum(r["abandoned"] for r in rows)
    live = sum(r["abandoned"] or r["connected"] for r in rows)
    outcomes: dict[str, int] = {}
    for r in rows:
        outcomes[r["outcome"] or "in-progress"] = outcomes.get(r["outcome"] or "in-progress",
                                                               0) + 1
    print(f"\nattempts {len(rows)}: " + ", ".join(f"{n} {o}" for o, n in
                                                   sorted(outcomes.items())))
    if to_agent:
        p = statistics.quantiles(to_agent, n=100, method="inclusive")
        print(f"greeting to agent ({len(to_agent)} connects): p50 {1000 * p[49]:.0f} ms, "
              f"p99 {1000 * p[98]:.0f} ms, max {1000 * to_agent[-1]:.0f} ms")
    if live:
        print(f"abandon rate of this run: {abandoned}/{live} live calls = "
              f"{100 * abandoned / live:.2f} % (US limit 3 %)")
    total = sum(reasons.values()) or 1
    print("pacing steps by reason: " + ", ".join(
        f"{r} {100 * n / total:.0f} %" for r, n in sorted(reasons.items(), key=lambda i: -i[1])))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
