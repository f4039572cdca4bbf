"""A router with an ``outbound`` queue and a campaign installed, and the AMI events a
campaign call goes through (trace 24), for the step tests (imported by name)."""

from __future__ import annotations

import uuid
from typing import Any

from control_support import CONFIG, NODE, WALL, Channels, agent, ami_sent, at, make_router

from acd.pacing import Pacer
from cti.ami import events as ami
from cti.campaigns.dialer import CampaignRun, Contact, RunStatus
from cti.campaigns.models import caller_id_e164, pacing_spec, parse_definition
from cti.campaigns.windows import CallWindow
from cti.config import QueueConfig, load_config
from cti.routing import AgentCommand, InLoop, Router, TimerFired
from cti.routing import campaign_admin as admin

__all__ = ["NODE", "WALL", "agent", "ami_sent", "at"]

ALL_WEEK = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": ["00:00-24:00"]}


class FakeFuture:
    def done(self) -> bool:
        return True


def router_with_queue(**outbound: Any) -> tuple[Router, Channels]:
    config = load_config(CONFIG)
    queues = dict(config.queues)
    queues["outbound"] = QueueConfig(name="outbound", ring_timeout=3, wrapup=1)
    service = config.service.model_copy(update={"outbound": config.service.outbound.model_copy(
        update=outbound)})
    return make_router(config.model_copy(update={"queues": queues, "service": service}))


def install(router: Router, mono: float = 0.0, *, name: str = "renewals",
            mode: str = "progressive", contacts: list[Contact] | None = None,
            **fields: Any) -> CampaignRun:
    raw = {"name": name, "mode": mode, "queue": "outbound", "caller_id": "+34910000000",
           "window": ALL_WEEK, **fields}
    definition = parse_definition(raw)
    config = router.config
    pacer = None if mode == "agentless" else Pacer(pacing_spec(definition, config), now=mono,
                                                   id_prefix=f"{name}-t")
    run = CampaignRun(definition=definition, pacer=pacer,
                      window=CallWindow.of(definition.window, "Europe/Madrid"),
                      caller_id=caller_id_e164(definition, config), agents=frozenset(),
                      uses_lines=mode in ("progressive", "predictive"),
                      status=RunStatus.RUNNING)
    step_in_loop(router, lambda step: admin.install(step, run, "created", "test", False, []),
                 mono)
    if contacts:
        run.add_contacts(contacts, exhausted=True)
    return run


def step_in_loop(router: Router, fn: Any, mono: float) -> list[Any]:
    return router.process(InLoop(fn, FakeFuture()), at(mono))  # type: ignore[arg-type]


def contact(number: str = "+34612345601", zones: tuple[str, ...] = ("Europe/Madrid",),
            **fields: Any) -> Contact:
    return Contact(str(uuid.uuid4()), number, zones, "Ana", {"plan": "gold"}, **fields)


def tick(router: Router, mono: float) -> list[Any]:
    return router.process(TimerFired(), at(mono))


def originates(effects: list[Any]) -> list[dict[str, Any]]:
    return [m for m in ami_sent(effects) if m["Action"] == "Originate"]


def answered(router: Router, channels: Channels, originate: dict[str, Any],
             mono: float) -> ami.ChannelSnapshot:
    """The customer answers: the channel is tagged, then OriginateResponse Success (4)."""
    variables = dict(v.split("=", 1) for v in originate["Variable"])
    customer = channels.add(f"PJSIP/trunk-{len(channels.by_uniqueid):08x}", "PJSIP/trunk",
                            CTI_INTERACTION=variables["CTI_INTERACTION"])
    router.process(ami.InteractionTagged(NODE, customer.call_id, customer,
                                         variables["CTI_INTERACTION"]), at(mono))
    router.process(ami.OriginateResult(NODE, originate["ActionID"], True, 4, customer.name,
                                       customer.uniqueid, customer.call_id), at(mono))
    return customer


def amd(router: Router, customer: ami.ChannelSnapshot, status: str, mono: float,
        cause: str = "HUMAN-800-800") -> list[Any]:
    interaction = customer.cti_vars["CTI_INTERACTION"]
    return router.process(ami.AmdDecided(NODE, customer.call_id, interaction, status, cause,
                                         customer), at(mono))


def line_up(router: Router, channels: Channels, agent_id: str, effects: list[Any],
            mono: float) -> ami.ChannelSnapshot:
    """The agent answers the line the service Originated for it."""
    (sent,) = [m for m in originates(effects) if m["Context"] == "cti-agent-line"]
    endpoint = router.config.agents[agent_id].endpoint
    leg = channels.add(f"{endpoint}-{len(channels.by_uniqueid):08x}", endpoint)
    router.process(ami.OriginateResult(NODE, sent["ActionID"], True, 4, leg.name,
                                       leg.uniqueid, leg.call_id), at(mono))
    return leg


def command(router: Router, agent_id: str, action: str, mono: float,
            reason: str | None = None) -> list[Any]:
    """An agent command through the whole step (campaigns follow what it changes)."""
    return router.process(AgentCommand(agent_id, action, reason), at(mono))


def ready_with_line(router: Router, channels: Channels, agent_id: str,
                    mono: float) -> ami.ChannelSnapshot:
    return line_up(router, channels, agent_id, command(router, agent_id, "ready", mono),
                   mono + 0.1)
