"""Call control commands through the routing step: how long one takes, and whether the
step stays fast with many live calls and many remembered client ids.

A floor of ``--calls`` talking calls (agents generated, one queue) is built, then
each call gets hold, resume, a spy (listen, then a change to barge, then stop) and
a transfer back to its queue; every command carries a client id. Prints commands a
second and per-command latency p50/p99/max of ``Router.process`` (pure step, no
I/O), the worst per command type, and how many client ids are remembered.
``--gc-off`` disables Python's cyclic garbage collector during the run, to tell
the step's own cost from collection pauses. One process, one core.

    .venv/bin/python bench/control_bench.py [--calls 2000] [--gc-off]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

from acd.engine import Engine
from cti.acd_specs import specs
from cti.ami import events as ami
from cti.calls import CallRegistry, LiveCall
from cti.config import AgentConfig, load_config
from cti.routing import Enqueue, Now, Router, Step
from cti.routing import items as cc
from cti.routing.effects import Reply
from cti.routing.requests import agent_command
from cti.stream import EventStream

ROOT = Path(__file__).resolve().parents[1]


def _floor(calls: int) -> tuple[Router, dict[str, ami.ChannelSnapshot]]:
    os.environ.setdefault("CTI_AMI_SECRET", "bench-only")  # the shipped config needs one
    config = load_config(ROOT / "config")
    agents = {f"b{i}": AgentConfig(id=f"b{i}", name=f"b{i}", endpoint=f"PJSIP/{5000 + i}",
                                   skills={"bookings": 5}, queues=["bookings"])
              for i in range(calls + 1)}
    config = config.model_copy(update={"agents": {**config.agents, **agents}})
    channels: dict[str, ami.ChannelSnapshot] = {}
    router = Router(config, Engine(*specs(config)), CallRegistry(), EventStream("bench"),
                    find_channel=lambda node, uid: channels.get(uid))
    return router, channels


def _snap(channels: dict[str, ami.ChannelSnapshot], name: str, uid: str) -> ami.ChannelSnapshot:
    snap = ami.ChannelSnapshot("pbx1", uid, uid, name, name.rsplit("-", 1)[0], 6)
    channels[uid] = snap
    return snap


def _talking(router: Router, channels: dict[str, ami.ChannelSnapshot], n: int) -> None:
    now = Now(1.0, 1_795_000_000.0)
    for i in range(n):
        step = Step(router, now)
        agent_command(step, f"b{i}", "ready", None)
        step.drain()
        caller = _snap(channels, f"PJSIP/trunk-{i:08x}", f"c.{i}")
        router.calls.add(LiveCall(f"i-{i}", "pbx1", caller.name, caller.uniqueid))
        router.process(Enqueue(f"i-{i}", "bookings", {}, 0, {}), now)
        agent = router.calls.get(f"i-{i}").agent_id
        endpoint = router.config.agents[agent].endpoint
        leg = _snap(channels, f"{endpoint}-{i:08x}", f"a.{i}")
        router.process(ami.DialBegan("pbx1", "x", caller, leg, ""), now)
        router.process(ami.DialEnded("pbx1", "x", caller, leg, "ANSWER"), now)


async def main(calls: int) -> None:
    router, channels = _floor(calls)
    _talking(router, channels, calls)
    latencies: list[float] = []
    spare = f"b{calls}"

    refused: list[str] = []
    worst: dict[str, float] = {}

    def run(command: Any, t: float) -> None:
        started = time.perf_counter()
        effects = router.process(command, Now(t, 1_795_000_000.0 + t))
        latencies.append(time.perf_counter() - started)
        kind = type(command).__name__
        worst[kind] = max(worst.get(kind, 0.0), latencies[-1])
        refused.extend(f"{type(command).__name__}: {e.error}" for e in effects
                       if isinstance(e, Reply) and e.error is not None)

    began = time.perf_counter()
    for i in range(calls):
        iid, t = f"i-{i}", 10.0 + i
        run(cc.Hold(interaction_id=iid, by="x", client_id=f"h{i}"), t)
        run(cc.Resume(interaction_id=iid, by="x", client_id=f"r{i}"), t + 0.1)
        run(cc.Spy(interaction_id=iid, supervisor_id="s2001", mode="listen", by="s",
                   client_id=f"s{i}"), t + 0.2)
        run(cc.Spy(interaction_id=iid, supervisor_id="s2001", mode="barge", by="s",
                   client_id=f"b{i}"), t + 0.3)
        run(cc.StopSpying(supervisor_id="s2001", by="s", client_id=f"x{i}"), t + 0.4)
        run(cc.TransferToQueue(interaction_id=iid, queue="bookings", by="x",
                               client_id=f"t{i}"), t + 0.5)
    elapsed = time.perf_counter() - began
    latencies.sort()
    ms = [v * 1000 for v in latencies]
    print(f"live calls: {calls}, agents: {len(router.config.agents)} (spare {spare})")
    print(f"commands: {len(ms)} in {elapsed:.2f} s = {len(ms) / elapsed:,.0f}/s")
    print(f"latency ms: p50 {statistics.median(ms):.3f}  p99 {ms[int(len(ms) * 0.99)]:.3f}  "
          f"max {ms[-1]:.3f}")
    print("worst ms by command: " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in worst.items()))
    print(f"client ids remembered: {len(router.control.replies)}, refused: {len(refused)}")
    for line in refused[:5]:
        print("  ", line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--gc-off", action="store_true")
    args = parser.parse_args()
    if args.gc_off:
        gc.disable()
    asyncio.run(main(args.calls))
