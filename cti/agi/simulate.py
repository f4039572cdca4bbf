"""Run one call through a flow without Asterisk: the real FastAGI server on a free
local port, the fake PBX as the caller's channel. Used by ``cti ivr simulate``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import quote

from cti.agi.app import IvrApp
from cti.agi.fake_pbx import CallTranscript, FakePbx
from cti.agi.hold import HoldStep
from cti.agi.httpstep import AiohttpFetcher
from cti.agi.interpreter import FlowResult, FlowRunner
from cti.agi.memory_host import MemoryHost
from cti.agi.models import Flow
from cti.agi.server import AgiServer
from cti.numbers import Dialling


@dataclass
class Simulation:
    result: FlowResult | None
    transcript: CallTranscript
    host: MemoryHost


async def simulate(flows: Mapping[str, Flow], flow: str, host: MemoryHost, *,
                   caller: str, digits: Sequence[str], at: datetime, tz: tzinfo,
                   name: str = "", dnid: str = "900", hangup_after: int | None = None,
                   timeout: float = 60.0, dialling: Dialling | None = None) -> Simulation:
    fetcher = AiohttpFetcher()
    runner = FlowRunner(flows, host, http=fetcher, clock=lambda: at, tz=tz, dialling=dialling)
    app = IvrApp(runner, HoldStep(host, dialling=dialling), default_flow=flow)
    server = AgiServer(app.routes(), port=0, reply_timeout=timeout)
    try:
        async with asyncio.timeout(timeout), server:
            transcript = await FakePbx(server.port).call(
                f"ivr?dnid={quote(dnid, safe='')}", caller=caller, name=name, dnid=dnid,
                digits=digits, hangup_after=hangup_after)
    finally:
        await fetcher.close()
    return Simulation(app.results[-1] if app.results else None, transcript, host)


def describe(sim: Simulation, *, commands: bool = False) -> list[str]:
    """The path taken and the outcome, as lines for a terminal."""
    lines: list[str] = []
    result = sim.result
    if result is None:
        return ["the flow did not run (see the log above)"]
    width = max((len(f"{e.flow}.{e.step}") for e in result.path), default=10)
    for i, entry in enumerate(result.path, 1):
        detail = " ".join(f"{k}={_short(v)}" for k, v in entry.data.items() if v not in
                          (None, "", [], {}))
        lines.append(f"{i:3}  {entry.flow + '.' + entry.step:<{width}}  {entry.kind:<13} "
                     f"{detail}".rstrip())
    lines.append(f"result: {result.action}, interaction {result.interaction_id}")
    host, iid = sim.host, result.interaction_id
    if iid in host.queued:
        q = host.queued[iid]
        lines.append(f"  queued: {q['queue']} skills={q['skills']} priority={q['priority']}")
    if iid in host.classifications:
        c = {k: v for k, v in host.classifications[iid].items() if v}
        lines.append("  classification: " + ", ".join(f"{k}={v}" for k, v in c.items()))
    if iid in host.callbacks:
        lines.append(f"  callback to: {host.callbacks[iid]}")
    for _, kind, score in (s for s in host.surveys if s[0] == iid):
        lines.append(f"  survey {kind}: {score}")
    cti_vars = {k: v for k, v in sim.transcript.variables.items() if k.startswith("CTI_")}
    if cti_vars:
        lines.append("  channel: " + " ".join(f"{k}={v}" for k, v in cti_vars.items()))
    if commands:
        lines.append("AGI commands sent:")
        lines += [f"  {c}" for c in sim.transcript.commands]
    return lines


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
