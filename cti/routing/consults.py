"""Attended transfer, done by the service (not AMI Atxfer, which needs the phones'
feature codes).

consult: one Redirect parks the caller in the held context (music) and sends the
agent's leg, with ``CTI_CONSULT_TARGET`` (one dial string) and ``CTI_CONSULT_OF``
(the interaction) set on it, to the consult context, where it dials the target:
the agent hears it ring and talks to it; the caller waits on hold.
complete: the Bridge action joins the caller and the target's leg, then the
agent's leg is hung up (in that order: hanging the agent up first would take the
target with it). cancel: the Bridge action takes the agent's leg back to the
caller, then the target's leg is hung up. A target that does not answer (or
hangs up) ends the consult: the consult context reports it (UserEvent
CTIConsultResult) and the caller is given back to the agent. A consulted agent
is rung outside the ACD (its phone's state keeps offers away meanwhile); after
``complete`` the caller talks to it outside the ACD too, so only the offers
row and the events tell that part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acd import events as acd
from acd.states import DeviceState
from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Bridge, Hangup, Redirect, Setvar
from cti.errors import CommandRefused
from cti.routing.control import (
    ConsultLeg,
    agent_config,
    agent_leg,
    check_number,
    command,
    end_hold,
    known_channel,
    live_call,
    need,
    release_agent,
)
from cti.routing.errors import BadCommand
from cti.routing.holds import unpark
from cti.routing.items import CancelConsult, CompleteTransfer, Consult

if TYPE_CHECKING:
    from cti.calls import LiveCall
    from cti.routing.step import Step

@command
def consult(step: Step, cmd: Consult) -> dict[str, Any]:
    call = live_call(step, cmd.interaction_id)
    need(step, call, "hold", "talking")
    control = step.router.control
    if call.interaction_id in control.consults:
        raise CommandRefused(f"call {call.interaction_id} is already in a consult")
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is an outbound call; it cannot "
                             "be transferred with a consult")
    if (cmd.agent_id is None) == (cmd.number is None):
        raise BadCommand("a consult needs exactly one target: agent_id or number")
    if cmd.agent_id is not None:
        target, kind = cmd.agent_id, "agent"
        dial = agent_config(step, cmd.agent_id).endpoint
        if cmd.agent_id == call.agent_id:
            raise BadCommand(f"agent {cmd.agent_id} is the agent on the call")
    else:
        number = check_number(step, cmd.number or "")
        target, kind = number.e164, "number"
        dial = step.router.dialling.trunk.dial_string(number)
    leg = agent_leg(step, call)
    dialplan = step.router.config.service.dialplan
    actions = [Setvar(leg, "CTI_CONSULT_TARGET", dial),
               Setvar(leg, "CTI_CONSULT_OF", call.interaction_id)]
    if call.interaction_id in control.parked:   # on hold already: only the agent moves
        actions.append(Redirect(leg, dialplan.consult_context))
    else:
        actions.append(Redirect(call.channel, dialplan.held_context, extra_channel=leg,
                                extra_context=dialplan.consult_context))
        control.parked[call.interaction_id] = cmd.by
        call.held_at = step.now.wall
        step.emit(ev.CallHeld, call, attempt=call.offers, by=cmd.by)
    step.ami(call, *actions)
    assert call.agent_uniqueid is not None
    control.consults[call.interaction_id] = ConsultLeg(target, kind, call.agent_uniqueid,
                                                       cmd.by)
    if kind == "agent":
        # Its phone is about to ring: no ACD offer meanwhile (the device state confirms).
        step.feed(acd.DeviceStateChanged(target, DeviceState.IN_USE))
    step.emit(ev.ConsultStarted, call, target=target, target_kind=kind, by=cmd.by)
    return {"interaction_id": call.interaction_id, "status": "consulting", "target": target}


def _consulting(step: Step, interaction_id: str) -> tuple[LiveCall, ConsultLeg]:
    call = live_call(step, interaction_id)
    need(step, call, "hold", "talking")
    leg = step.router.control.consults.get(interaction_id)
    if leg is None:
        raise CommandRefused(f"call {interaction_id} is not in a consult")
    return call, leg


@command
def complete(step: Step, cmd: CompleteTransfer) -> dict[str, Any]:
    """The caller goes to the consulted party; the agent leaves the call (wrap-up)."""
    call, leg = _consulting(step, cmd.interaction_id)
    if not leg.answered or leg.target_uniqueid is None:
        raise CommandRefused(f"call {call.interaction_id}: {leg.target} has not answered "
                             "the consult yet; wait, or cancel it")
    target = known_channel(step, call.node, leg.target_uniqueid)
    if target is None:
        raise CommandRefused(f"call {call.interaction_id}: the consulted party is gone")
    agent = agent_leg(step, call)
    step.ami(call, Bridge(call.channel, target), Hangup(agent))
    control = step.router.control
    control.consults.pop(call.interaction_id, None)
    control.parked.pop(call.interaction_id, None)
    end_hold(step, call, "transfer", cmd.by)
    step.emit(ev.ConsultEnded, call, target=leg.target, result="completed", by=cmd.by)
    step.emit(ev.CallTransferred, call, kind="attended", target=leg.target, by=cmd.by,
              segment=call.segment)
    call.transferred = True
    release_agent(step, call)
    step.feed(acd.CallEnded(call.interaction_id))
    # The caller now talks to the target outside the ACD: its leg is the call's other leg.
    step.router.calls.set_agent_leg(call, leg.target_uniqueid)
    return {"interaction_id": call.interaction_id, "status": "transferred",
            "target": leg.target}


@command
def cancel(step: Step, cmd: CancelConsult) -> dict[str, Any]:
    """The target's leg is dropped and the agent takes the caller back."""
    call, leg = _consulting(step, cmd.interaction_id)
    step.router.control.consults.pop(call.interaction_id, None)
    unpark(step, call, cmd.by)
    target = known_channel(step, call.node, leg.target_uniqueid)
    if target is not None:
        step.ami(call, Hangup(target))
    step.emit(ev.ConsultEnded, call, target=leg.target, result="cancelled", by=cmd.by)
    return {"interaction_id": call.interaction_id, "status": "talking"}


# --- what Asterisk reports about the consult leg ----------------------------------------


def _consult_of(step: Step, caller: ami.ChannelSnapshot | None) -> tuple[Any, Any]:
    if caller is None:
        return None, None
    call = step.router.calls.by_uniqueid(caller.uniqueid)
    if call is None:
        return None, None
    leg = step.router.control.consults.get(call.interaction_id)
    if leg is None or leg.agent_leg != caller.uniqueid:
        return None, None
    return call, leg


def on_dial_began(step: Step, began: ami.DialBegan) -> None:
    _call, leg = _consult_of(step, began.caller)
    if leg is not None:
        leg.target_uniqueid = began.target.uniqueid


def on_dial_ended(step: Step, ended: ami.DialEnded) -> None:
    call, leg = _consult_of(step, ended.caller)
    if leg is not None and ended.dial_status == "ANSWER" and not leg.answered:
        leg.answered = True
        leg.target_uniqueid = ended.target.uniqueid
        step.emit(ev.ConsultAnswered, call, target=leg.target)


def on_user_event(step: Step, event: ami.UserEventReceived) -> None:
    """``UserEvent(CTIConsultResult)``: the consult's Dial ended (no answer, busy, or the
    target hung up): the caller goes back to the agent."""
    if event.name != "CTIConsultResult":
        return
    call = step.router.calls.get(event.fields.get("Interaction", ""))
    leg = call and step.router.control.consults.get(call.interaction_id)
    if call is None or leg is None:
        return
    step.router.control.consults.pop(call.interaction_id, None)
    unpark(step, call, None)
    status = event.fields.get("DialStatus") or None
    step.emit(ev.ConsultEnded, call, target=leg.target,
              result="target-hangup" if status == "ANSWER" else "failed", dial_status=status)


def on_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    """After the routing handler: a call in a consult lost its agent's leg (the
    consult ends with it) or the caller."""
    control = step.router.control
    for interaction_id, leg in list(control.consults.items()):
        call = step.router.calls.get(interaction_id)
        if call is not None and call.agent_uniqueid == leg.agent_leg and \
                hungup.channel.uniqueid not in (leg.agent_leg, call.uniqueid):
            continue
        control.consults.pop(interaction_id, None)
        step.emit(ev.ConsultEnded, call, interaction_id=interaction_id, target=leg.target,
                  result="hangup")
