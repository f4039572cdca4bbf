"""Helpers of the call control unit tests (imported by name): a router on the shipped
config, a fake tracker's channels, a call brought to TALKING, commands run in a step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acd.engine import Engine
from cti.acd_specs import specs
from cti.ami import events as ami
from cti.calls import CallRegistry, LiveCall, Phase
from cti.config import Config, load_config
from cti.events import DomainEvent
from cti.routing import Enqueue, Now, Router, Step
from cti.routing.effects import AmiRequest, Reply
from cti.routing.items import CallCommand
from cti.routing.requests import agent_command
from cti.stream import EventStream

CONFIG = Path(__file__).resolve().parents[3] / "config"
WALL = 1_795_000_000.0
NODE = "pbx1"


def at(mono: float) -> Now:
    return Now(mono, WALL + mono)


class Channels:
    """The channels a tracker would know, for ``Router.find_channel``."""

    def __init__(self) -> None:
        self.by_uniqueid: dict[str, ami.ChannelSnapshot] = {}
        self._next = 1

    def add(self, name: str, device: str | None = None, linkedid: str = "1795000000.1",
            **cti_vars: str) -> ami.ChannelSnapshot:
        uniqueid = f"1795000000.{self._next}"
        self._next += 1
        snap = ami.ChannelSnapshot(NODE, uniqueid, linkedid, name,
                                   device or name.rsplit("-", 1)[0], 6, cti_vars=cti_vars)
        self.by_uniqueid[uniqueid] = snap
        return snap

    def find(self, node: str, uniqueid: str) -> ami.ChannelSnapshot | None:
        return self.by_uniqueid.get(uniqueid)


def make_router(config: Config | None = None) -> tuple[Router, Channels]:
    config = config or load_config(CONFIG)
    channels = Channels()
    router = Router(config, Engine(*specs(config)), CallRegistry(), EventStream("test"),
                    find_channel=channels.find)
    router.links_up.add(NODE)
    return router, channels


def agent(router: Router, agent_id: str, action: str = "ready", mono: float = 0.0,
          reason: str | None = None) -> list[Any]:
    step = Step(router, at(mono))
    agent_command(step, agent_id, action, reason)
    step.drain()
    return step.effects


def run(router: Router, cmd: CallCommand, mono: float = 20.0) -> tuple[Any, list[Any]]:
    """Process a command in one step: (its answer, the step's effects); a refusal raises."""
    effects = router.process(cmd, at(mono))
    (reply,) = [e for e in effects if isinstance(e, Reply)]
    if reply.error is not None:
        raise reply.error
    return reply.result, effects


def ami_sent(effects: list[Any]) -> list[dict[str, Any]]:
    return [cmd.message() for e in effects if isinstance(e, AmiRequest) for cmd in e.actions]


def events(effects: list[Any], *types: str) -> list[DomainEvent]:
    found = [e for e in effects if isinstance(e, DomainEvent)]
    return [e for e in found if not types or e.TYPE in types]


def kinds(effects: list[Any]) -> list[str]:
    return [e.TYPE for e in events(effects)]


def states(effects: list[Any], agent_id: str) -> list[str]:
    return [e.state for e in events(effects, "agent.state_changed") if e.agent_id == agent_id]


def waiting_call(router: Router, channels: Channels, iid: str = "i-1",
                 queue: str = "bookings", mono: float = 1.0) -> LiveCall:
    caller = channels.add("PJSIP/trunk-00000001", "PJSIP/trunk", CTI_INTERACTION=iid)
    call = LiveCall(iid, NODE, caller.name, caller.uniqueid, caller_number="+34612345678",
                    caller_name="Juan Perez")
    router.calls.add(call)
    router.process(Enqueue(iid, queue, {}, 0, {}), at(mono))
    return call


def answer(router: Router, channels: Channels, call: LiveCall, mono: float) -> ami.ChannelSnapshot:
    """The offered agent's phone rings and answers."""
    assert call.phase is Phase.RINGING and call.agent_id is not None
    endpoint = router.config.agents[call.agent_id].endpoint
    leg = channels.add(f"{endpoint}-{len(channels.by_uniqueid):08x}", endpoint)
    caller = channels.by_uniqueid[call.uniqueid]
    router.process(ami.DialBegan(NODE, caller.call_id, caller, leg, endpoint), at(mono))
    router.process(ami.DialEnded(NODE, caller.call_id, caller, leg, "ANSWER"), at(mono + 1))
    assert call.phase is Phase.TALKING
    return leg


def talking_call(router: Router, channels: Channels, agent_id: str = "a1001",
                 iid: str = "i-1", queue: str = "bookings",
                 mono: float = 1.0) -> tuple[LiveCall, ami.ChannelSnapshot]:
    """A caller queued in ``queue`` and answered by ``agent_id`` (the only one ready)."""
    agent(router, agent_id, mono=mono)
    call = waiting_call(router, channels, iid, queue, mono)
    assert call.agent_id == agent_id
    return call, answer(router, channels, call, mono + 1)


def hangup(router: Router, channels: Channels, snap: ami.ChannelSnapshot,
           mono: float, cause: int = 16) -> list[Any]:
    channels.by_uniqueid.pop(snap.uniqueid, None)
    return router.process(ami.ChannelHungUp(NODE, snap.call_id, snap, cause, "Normal Clearing"),
                          at(mono))
