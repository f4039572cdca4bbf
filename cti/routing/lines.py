"""Agents kept connected between calls: each agent's line, and offers bridged to it.

A ringing phone after AMD cannot meet a 2-second connect rule, so the agents of
progressive and predictive campaigns stay on a line: once READY, the service
Originates the agent's phone into [cti-agent-line] (``CTI_AGENT_LINE=1``),
where it waits after the agent answers. An offer to such an agent is then one
AMI ``Bridge`` of the caller's channel and the line (campaign calls and inbound
callers alike: one pool serves both directions); the bridge (BridgeEnter of both)
is the answer. When the caller hangs up, Asterisk's Bridge action sends the line
back to where it was in the dialplan (main/features.c sets an after-bridge goto
to the next priority), so it waits for the next call.

While the line is up the phone is busy (INUSE): for the ACD that means
available. A line that ends (the agent hung the phone up) takes the agent's
call with it and pauses the agent (``line-down``) until it makes itself READY
again, which brings a new line. A logout hangs the line up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from acd import events as acd
from acd.states import AgentState, DeviceState
from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Bridge, Hangup, Originate, Setvar
from cti.calls import LiveCall, Phase
from cti.campaigns import events as ce
from cti.campaigns.dialer import AgentLine
from cti.routing.effects import AmiRequest
from cti.routing.items import CampaignCallNotSent, OfferNotDelivered
from cti.routing.outbound import _node as dial_node
from cti.routing.telephony import _answered

if TYPE_CHECKING:
    from acd import decisions as d
    from cti.config import AgentConfig
    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")

#: Asterisk device states that mean "on its line" while the line is up.
_ON_LINE = frozenset({"INUSE", "BUSY", "ONHOLD", "RINGINUSE"})
#: Seconds the agent's phone rings for its line.
LINE_RING_TIMEOUT = 30


def _send(step: Step, line: AgentLine, *actions: object, pipelined: bool = False,
          on_error: object = None) -> None:
    step.effects.append(AmiRequest(f"line-{line.agent_id}", line.node, tuple(actions),  # type: ignore[arg-type]
                                   pipelined, on_error))


def ensure(step: Step, agent_id: str) -> None:
    """Originate the agent's line if a campaign wants it and the agent is free."""
    dialer = step.router.dialer
    config = step.router.config
    if agent_id in dialer.lines.by_agent or agent_id not in dialer.line_agents() or \
            not config.service.outbound.agent_lines:
        return
    agent = config.agents.get(agent_id)
    if agent is None:
        return
    snap = step.router.engine.agent(agent_id)
    if snap.state is not AgentState.READY or snap.offer is not None or snap.calls:
        return
    line = AgentLine(agent_id, dial_node(step), dialer.action_id("line"))
    dialer.lines.add(line)
    _send(step, line, Originate(
        channel=agent.endpoint, action_id=line.action_id,
        context=config.service.outbound.agent_line_context, exten="s",
        timeout_ms=LINE_RING_TIMEOUT * 1000, caller_id='"Campaign line" <line>',
        variables={"CTI_AGENT": agent_id, "CTI_AGENT_LINE": "1"}),
        on_error=CampaignCallNotSent(line.action_id))


def release(step: Step, agent_id: str) -> None:
    """Hang the agent's line up (logout, no campaign needs it any more)."""
    line = step.router.dialer.lines.by_agent.get(agent_id)
    if line is None:
        return
    step.router.dialer.lines.remove(line)
    if line.channel:
        _send(step, line, Hangup(line.channel))
    _changed(step, line, "down", "released")


def release_unneeded(step: Step) -> None:
    """After a campaign stopped: hang up the lines no running campaign needs, except
    those carrying a call (they go when the call ends)."""
    wanted = step.router.dialer.line_agents()
    for agent_id, line in list(step.router.dialer.lines.by_agent.items()):
        if agent_id not in wanted and line.call is None:
            release(step, agent_id)


def _changed(step: Step, line: AgentLine, state: str, reason: str) -> None:
    step.emit(ce.AgentLineChanged, agent_id=line.agent_id, state=state, reason=reason,
              channel=line.channel)


def on_originate_result(step: Step, result: ami.OriginateResult) -> None:
    lines = step.router.dialer.lines
    line = lines.by_action.get(result.action_id)
    if line is None:
        return
    if result.success and result.uniqueid:
        lines.connected(line, result.uniqueid, result.channel)
        _changed(step, line, "up", "answered")
        step.feed(acd.DeviceStateChanged(line.agent_id, DeviceState.AVAILABLE))
        _refresh(step, line.agent_id)
        return
    lines.remove(line)
    _changed(step, line, "failed", f"originate reason {result.reason}")
    _pause(step, line.agent_id, "no-line")


def on_not_sent(step: Step, item: CampaignCallNotSent) -> None:
    lines = step.router.dialer.lines
    line = lines.by_action.get(item.action_id)
    if line is None:
        return
    lines.remove(line)
    _changed(step, line, "failed", item.error or "originate not sent")
    _pause(step, line.agent_id, "no-line")


def on_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    """The line's channel ended: its call goes with it, the agent is paused."""
    lines = step.router.dialer.lines
    line = lines.by_uniqueid.get(hungup.channel.uniqueid)
    if line is None:
        return
    lines.remove(line)
    call = step.router.calls.get(line.call) if line.call else None
    if call is not None and call.channel and call.phase in (Phase.TALKING, Phase.RINGING):
        step.ami(call, Hangup(call.channel))  # the caller must not stay alone on the line
    _changed(step, line, "down", "hung up")
    _pause(step, line.agent_id, "line-down")
    _refresh(step, line.agent_id)


def _pause(step: Step, agent_id: str, reason: str) -> None:
    try:
        snap = step.router.engine.agent(agent_id)
    except Exception:
        return
    if snap.state not in (AgentState.LOGGED_OUT, AgentState.NOT_READY):
        step.feed(acd.AgentNotReady(agent_id, reason))


def _refresh(step: Step, agent_id: str) -> None:
    from cti.routing.campaign_calls import refresh_agent

    step.drain()
    refresh_agent(step, agent_id)


def on_device_state(step: Step, change: ami.DeviceStateChanged) -> None:
    """While the line is up, the phone's INUSE is the line: available for the ACD."""
    agent = step.router.config.agent_by_endpoint(change.device)
    if agent is not None and change.state in _ON_LINE and \
            step.router.dialer.lines.up(agent.id) is not None:
        step.feed(acd.DeviceStateChanged(agent.id, DeviceState.AVAILABLE))


def on_extension_state(step: Step, change: ami.ExtensionStateChanged) -> None:
    agent = step.router.config.agent_by_endpoint(change.hint)
    if agent is not None and change.status in (1, 2, 16, 17) and \
            step.router.dialer.lines.up(agent.id) is not None:
        step.feed(acd.DeviceStateChanged(agent.id, DeviceState.AVAILABLE))


def on_resynced(step: Step, resynced: ami.Resynced) -> None:
    """After a reconnect the phones' states are fed again: a line still up is available."""
    for agent_id, line in step.router.dialer.lines.by_agent.items():
        if line.up:
            step.feed(acd.DeviceStateChanged(agent_id, DeviceState.AVAILABLE))


def offer(step: Step, call: LiveCall, agent: AgentConfig, offer: d.Offer) -> bool:
    """Bridge the offered caller to the agent's line, if it has one (True: done)."""
    line = step.router.dialer.lines.up(agent.id)
    if line is None or line.call is not None or offer.callback or not call.channel \
            or not line.channel:
        return False
    line.call = call.interaction_id
    step.router.calls.set_agent_leg(call, line.uniqueid)
    step.ami(call, Setvar(call.channel, "CTI_CONNECTED", "1"),
             Bridge(call.channel, line.channel), pipelined=True,
             on_error=OfferNotDelivered(call.interaction_id, agent.id),
             queued_at=step.router.enqueued_at.pop(call.interaction_id, None))
    return True


def on_bridged(step: Step, bridged: ami.PartiesBridged) -> None:
    """BridgeEnter of the caller and a line: the agent answered."""
    lines = step.router.dialer.lines
    for party in bridged.parties:
        line = lines.by_uniqueid.get(party.uniqueid)
        if line is None or line.call is None:
            continue
        call = step.router.calls.get(line.call)
        if call is None or call.phase is not Phase.RINGING or call.agent_id != line.agent_id:
            continue
        if not any(p.uniqueid == call.uniqueid for p in bridged.parties):
            continue
        _answered(step, call, line.channel)


def call_ended(step: Step, ended: ev.CallEnded) -> None:
    """A call bridged to a line is over: the line is free for the next one."""
    for line in step.router.dialer.lines.by_agent.values():
        if line.call == ended.interaction_id:
            line.call = None


def offer_failed(step: Step, interaction_id: str) -> None:
    for line in step.router.dialer.lines.by_agent.values():
        if line.call == interaction_id:
            line.call = None


def agent_changed(step: Step, agent_id: str, state: AgentState) -> None:
    """READY: a line if a campaign wants one; logged out: no line."""
    if state is AgentState.LOGGED_OUT:
        release(step, agent_id)
    elif state is AgentState.READY:
        ensure(step, agent_id)
        line = step.router.dialer.lines.by_agent.get(agent_id)
        if line is not None and line.call is not None:
            call = step.router.calls.get(line.call)
            if call is None or call.agent_id != agent_id:
                line.call = None  # an offer taken back
