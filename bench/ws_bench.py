"""WebSocket fan-out and screen-pop latency, while calls flow.

    python bench/ws_bench.py --desktops 2000 --cps 20
    python bench/ws_bench.py --desktops 5000 --cps 20

One process runs embedded PostgreSQL, the simulated PBX (``--agents`` phones that
answer) and the service, and places ``--cps`` calls a second through the IVR.
A second process holds ``--desktops`` WebSocket desktops, signed in as the
agents (several desktops per agent when there are more desktops than agents).

- Fan-out: the centre's mode is switched ``--fanouts`` times (a domain event
  every desktop may see); each desktop notes when the frame arrived. Delivery =
  arrival - the event's own time (``ts``: when the service made it, so the
  journal's fsync is included).
- Screen-pop: each ``call.offered`` frame at the offered agent's desktops;
  latency = arrival - the event's time (when the ACD decided the offer). Measured
  twice: at the crowd's desktops (the thousands in one process, busy reading every
  fan-out) and at the probe's (a third process with one desktop per agent, as a
  real desktop is a browser of its own). The service's side is split out too: the
  event made -> the hub has it (journal fsync, bus) -> its frame written to every
  socket of its audience.

Targets (docs/api.md): 2,000 desktops p99 < 100 ms, 5,000 < 300 ms; one
screen-pop < 20 ms, while 20 calls a second flow. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-0123456789"
BOOKINGS = ["1", "1"]


# --- the desktops' process -------------------------------------------------------------


def desktops_main(url: str, tokens: list[str], count: int, conn: Any) -> None:
    asyncio.run(_desktops(url, tokens, count, conn))


async def _desktops(url: str, tokens: list[str], count: int, conn: Any) -> None:
    if count == 0:
        conn.send(("ready", 0.0))
        await asyncio.to_thread(conn.recv)
        conn.send(("results", {}, []))
        return
    import aiohttp

    fanout: dict[int, list[float]] = {}
    pops: list[float] = []
    connected = failed = 0
    limit = asyncio.Semaphore(200)

    async def signed_in(i: int, session: aiohttp.ClientSession) -> Any:
        """A socket past its snapshot; a few tries (a loaded machine may miss the
        service's 10 s sign-in deadline), else None."""
        for _ in range(5):
            try:
                async with limit:
                    ws = await session.ws_connect(url + "/api/v1/ws", max_msg_size=0,
                                                  heartbeat=None)
                    await ws.send_str(json.dumps({"type": "auth",
                                                  "token": tokens[i % len(tokens)]}))
                    while True:
                        msg = await ws.receive()
                        if msg.type is not aiohttp.WSMsgType.TEXT:
                            raise ConnectionError(f"closed while signing in: {msg.data}")
                        if json.loads(msg.data).get("type") == "snapshot":
                            return ws
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                await asyncio.sleep(1.0)
        return None

    async def one(i: int, session: aiohttp.ClientSession, ready: asyncio.Event) -> None:
        nonlocal connected, failed
        ws = await signed_in(i, session)
        if ws is None:
            failed += 1
        else:
            connected += 1
        if connected + failed == count:
            ready.set()
        if ws is None:
            return
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            now = time.time()
            kind = msg.data[9:40]
            if kind.startswith("centre.mode_changed") or kind.startswith("call.offered"):
                frame = json.loads(msg.data)
                if frame["type"] == "centre.mode_changed":
                    fanout.setdefault(frame["seq"], []).append(now - frame["ts"])
                else:
                    pops.append(now - frame["ts"])

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        ready = asyncio.Event()
        tasks = [asyncio.create_task(one(i, session, ready)) for i in range(count)]
        started = time.monotonic()
        await ready.wait()
        if failed:
            print(f"ws_bench: {failed} of {count} desktops could not sign in", flush=True)
        conn.send(("ready", round(time.monotonic() - started, 1)))
        await asyncio.to_thread(conn.recv)   # "stop"
        conn.send(("results", fanout, pops))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- the PBX's process (Asterisk is another process in production too) ------------------


def pbx_main(agents: int, conn: Any) -> None:
    asyncio.run(_pbx(agents, conn))


async def _pbx(agents: int, conn: Any) -> None:
    from cti.log import configure_logging
    from cti.sim.phones import Behaviour
    from cti.sim.server import SimPbx

    configure_logging("console", "warning")
    sim = SimPbx(secret=SECRET, speed=8.0)
    await sim.start()
    for i in range(agents):
        sim.add_phone(f"PJSIP/{3000 + i}", Behaviour.answers(0.3))
    conn.send(("ami", sim.ami_port))
    agi_port, cps, talk = await asyncio.to_thread(conn.recv)
    sim.core.agi_override = ("127.0.0.1", agi_port)
    placed = 0

    async def place() -> None:
        nonlocal placed
        while True:
            sim.place_call(f"555{uuid.uuid4().int % 10**7:07d}", "", "900", digits=BOOKINGS,
                           talk_seconds=talk)
            placed += 1
            await asyncio.sleep(1 / cps)

    traffic = asyncio.create_task(place()) if cps > 0 else None
    await asyncio.to_thread(conn.recv)   # "stop"
    if traffic is not None:
        traffic.cancel()
    conn.send(("placed", placed))
    await sim.stop()


# --- the service's process ---------------------------------------------------------------


def _config(directory: Path, ami_port: int, agents: int, journal: str | None) -> Path:
    shutil.copytree(ROOT / "config", directory)
    cti = yaml.safe_load((directory / "cti.yaml").read_text())
    cti["ami"][0].update(port=ami_port, secret=SECRET, action_timeout=5)
    cti["agi"]["port"] = 0
    cti["http"]["port"] = 0
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    cti["log"]["level"] = "warning"
    cti["api"] = {"queue_limit": 1000, "stats_per_second": 2}
    if journal:
        cti["journal"]["dir"] = journal
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    (directory / "hours.yaml").write_text(yaml.safe_dump(
        {"timezone": "UTC", "weekly": {d: ["00:00-24:00"] for d in days}}))
    doc = yaml.safe_load((directory / "queues.yaml").read_text())
    for queue in doc["queues"]:
        queue.update(ring_timeout=10, wrapup=1)
    (directory / "queues.yaml").write_text(yaml.safe_dump(doc))
    skills = {"bookings": 9, "changes": 9, "billing": 9, "complaints": 9, "english": 9,
              "spanish": 9, "vip": 1}
    agents_doc = yaml.safe_load((directory / "agents.yaml").read_text())
    agents_doc["agents"] = [{"id": f"b{i:04d}", "name": f"Bench {i}",
                             "endpoint": f"PJSIP/{3000 + i}", "skills": skills}
                            for i in range(agents)]
    (directory / "agents.yaml").write_text(yaml.safe_dump(agents_doc))
    (directory / "units.yaml").write_text(yaml.safe_dump({"units": []}))
    return directory


async def _tokens(service: Any, agents: int) -> list[str]:
    """Users of the agents and a token each, made directly (hashing thousands of
    passwords would take minutes)."""
    from cti.api import passwords
    from cti.api.tokens import Claims, TokenSigner

    store = service.store
    hashed = passwords.hash_password("bench password")
    signer = TokenSigner(await store.users.signing_key())
    now = time.time()
    tokens = []
    for i in range(agents):
        user = f"b{i:04d}"
        await store.users.add(user, role="agent", agent_id=user, password_hash=hashed)
        session = uuid.uuid4()
        await store.users.open_session(session, user, address="bench",
                                       expires_at=datetime.now(UTC) + timedelta(hours=2))
        tokens.append(signer.sign(Claims(user, session, now, now + 7200)))
    return tokens


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    from cti.app import Service
    from cti.config import load_config
    from cti.log import configure_logging
    from cti.store import EmbeddedPostgres

    os.environ.setdefault("CTI_AMI_SECRET", SECRET)
    configure_logging("console", "warning")
    work = Path(tempfile.mkdtemp(prefix="ws-bench-"))
    pg = EmbeddedPostgres(work / "pg", durable=False)
    dsn = await asyncio.to_thread(pg.start)
    ctx = mp.get_context("spawn")
    to_pbx, pbx_end = ctx.Pipe()
    pbx = ctx.Process(target=pbx_main, args=(args.agents, pbx_end))
    pbx.start()
    _, ami_port = await asyncio.to_thread(to_pbx.recv)
    journal = None if args.journal_dir is None else \
        tempfile.mkdtemp(prefix="journal-", dir=args.journal_dir)
    service = Service(load_config(_config(work / "config", ami_port, args.agents, journal)),
                      dsn=dsn)
    await service.start()
    assert service.agi is not None
    parent, child = ctx.Pipe()
    clients = probe = None
    try:
        hub_lag: list[float] = []   # event made -> the hub has it (journal, bus)
        pop_at_hub: list[float] = []     # call.offered made -> the hub has it
        pop_written: list[float] = []    # call.offered made -> written to its sockets
        assert service.api is not None
        hub = service.api.hub
        deliver, send = hub.deliver, hub.send
        current: list[Any] = [None]

        def timed(event: Any) -> Any:
            current[0] = event
            if event.TYPE == "centre.mode_changed":
                hub_lag.append(time.time() - event.at)
            elif event.TYPE == "call.offered":
                pop_at_hub.append(time.time() - event.at)
            return deliver(event)

        async def timed_send(audiences: Any) -> None:
            await send(audiences)
            event = current[0]
            if event is not None and event.TYPE == "call.offered":
                pop_written.append(time.time() - event.at)

        hub.deliver = timed  # type: ignore[method-assign]
        hub.send = timed_send  # type: ignore[method-assign]
        tokens = await _tokens(service, args.agents)
        url = f"http://127.0.0.1:{service.http_port}"
        probes = min(args.agents, args.desktops) if args.probe else 0
        clients = ctx.Process(target=desktops_main,
                              args=(url, tokens, args.desktops - probes, child))
        clients.start()
        _, connect_seconds = await asyncio.to_thread(parent.recv)
        probe_parent, probe_child = ctx.Pipe()
        probe = ctx.Process(target=desktops_main, args=(url, tokens, probes, probe_child))
        probe.start()
        await asyncio.to_thread(probe_parent.recv)
        for i in range(args.agents):
            await service.agent_command(f"b{i:04d}", "ready", None)
        to_pbx.send((service.agi.port, args.cps, args.talk))
        await asyncio.sleep(args.warmup)
        assert service.control is not None
        for n in range(args.fanouts):
            await service.control.set_centre_mode("night" if n % 2 == 0 else "normal",
                                                  by="bench")
            await asyncio.sleep(1.0)
        await asyncio.sleep(1.0)
        calls = service.status()["calls"]
        # the service's figures as the desktops stop (not the PBX's shutdown after it)
        service_pops = {"pop_at_hub": list(pop_at_hub), "pop_written": list(pop_written)}
        parent.send("stop")
        _, fanout, pops = await asyncio.to_thread(parent.recv)
        probe_parent.send("stop")
        _, probe_fanout, probe_pops = await asyncio.to_thread(probe_parent.recv)
        for seq, got in probe_fanout.items():
            fanout.setdefault(seq, []).extend(got)
        to_pbx.send("stop")
        _, placed = await asyncio.to_thread(to_pbx.recv)
        return {"connect_seconds": connect_seconds, "fanout": fanout, "pops": pops,
                "probe_pops": probe_pops, **service_pops,
                "calls": calls, "placed": placed, "hub_lag": hub_lag,
                "hub_work": [t for t in hub.fanout_seconds if t > 0.001],
                "dropped": sum(d.dropped for d in hub.desktops) if hub else None,
                "resyncs": sum(d.resyncs for d in hub.desktops) if hub else None}
    finally:
        for process in (clients, probe, pbx):
            if process is not None:
                process.join(30)
                if process.is_alive():
                    process.kill()
        await service.stop()
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(work, ignore_errors=True)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desktops", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--cps", type=float, default=20.0, help="calls placed a second")
    parser.add_argument("--talk", type=float, default=4.0, help="simulated talk seconds")
    parser.add_argument("--fanouts", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--no-probe", dest="probe", action="store_false",
                        help="no probe process: every desktop in the crowd's process")
    parser.add_argument("--journal-dir", help="where the journal goes (default: beside the "
                        "config, on disk); /dev/shm shows the cost of fsync")
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print(f"ws_bench: {args.desktops} desktops ({args.agents} agents), {args.cps:g} calls/s "
          f"placed; journal {'on ' + args.journal_dir if args.journal_dir else 'on disk'}; "
          f"{os.cpu_count()} CPUs shared with other work")
    print(f"  connect + sign in + snapshot, all desktops: {result['connect_seconds']} s")
    fanouts = result["fanout"]
    for seq in sorted(fanouts):
        got = fanouts[seq]
        print(f"  fan-out seq {seq}: {len(got)}/{args.desktops} desktops, "
              f"p50 {_ms(got, 0.5)} ms, p99 {_ms(got, 0.99)} ms, max {_ms(got, 1.0)} ms")
    every = [v for got in fanouts.values() for v in got]
    if every:
        per_event_p99 = [_ms(got, 0.99) for got in fanouts.values()]
        print(f"  fan-out overall: p50 {_ms(every, 0.5)} ms, p99 {_ms(every, 0.99)} ms "
              f"(median of per-event p99: {round(statistics.median(per_event_p99), 1)} ms)")
    if result["hub_lag"]:
        print(f"  of which: event made -> at the hub (journal fsync, bus) p50 "
              f"{_ms(result['hub_lag'], 0.5)} ms, max {_ms(result['hub_lag'], 1.0)} ms; the "
              f"hub's writes of one fan-out (slices of 200 desktops, any event) p50 "
              f"{_ms(result['hub_work'], 0.5)} ms, max {_ms(result['hub_work'], 1.0)} ms")
    for label, key in (("the crowd's desktops", "pops"),
                       ("the probe's desktops, a process of their own", "probe_pops")):
        pops = result[key]
        if pops:
            print(f"  screen-pop (call.offered) at {label}: {len(pops)} frames, "
                  f"p50 {_ms(pops, 0.5)} ms, p99 {_ms(pops, 0.99)} ms, "
                  f"max {_ms(pops, 1.0)} ms")
    if result["pop_written"]:
        print(f"  of which, in the service: offer made -> at the hub p50 "
              f"{_ms(result['pop_at_hub'], 0.5)} ms, p99 {_ms(result['pop_at_hub'], 0.99)} ms; "
              f"-> written to its desktops' sockets p50 {_ms(result['pop_written'], 0.5)} ms, "
              f"p99 {_ms(result['pop_written'], 0.99)} ms")
    print(f"  calls placed: {result['placed']}; now: {result['calls']}; frames dropped to "
          f"resyncs: {result['dropped']} ({result['resyncs']} resyncs)")


if __name__ == "__main__":
    main()
