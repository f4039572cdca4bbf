"""Blind transfers (to a queue, an agent, an outside number), escalation to a
supervisor and a supervisor's take-over.

To a queue (trace 09): the caller is redirected to the hold context and waits
again as a new visit of that queue (a new call record segment; the agent goes to
wrap-up). To an agent: rung directly through the ACD if free (else refused), the
call back in its queue if that agent does not answer. To an outside number: the
checked number's trunk dial string goes to the transfer context; the call leaves
the ACD (outcome ``transferred``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acd import events as acd
from cti import events as ev
from cti.ami.commands import Hangup, Redirect, Setvar
from cti.calls import LiveCall, Phase
from cti.errors import CommandRefused
from cti.routing import direct
from cti.routing.control import (
    agent_config,
    agent_leg,
    check_number,
    command,
    end_hold,
    live_call,
    need,
    queue_config,
    release_agent,
)
from cti.routing.errors import BadCommand, QueueClosed
from cti.routing.items import Escalate, TakeOver, TransferToAgent, TransferToNumber, TransferToQueue

if TYPE_CHECKING:
    from cti.routing.step import Step


def _talking(step: Step, interaction_id: str) -> LiveCall:
    """A talking call that may be transferred now (not in a consult)."""
    call = live_call(step, interaction_id)
    need(step, call, "hold", "talking")
    if interaction_id in step.router.control.consults:
        raise CommandRefused(f"call {interaction_id} is in a consult; complete or cancel it "
                             "first")
    return call


def _open_queue(step: Step, name: str) -> str:
    queue_config(step, name)
    if name in step.router.control.closed:
        raise QueueClosed(name)
    return name


def _leave_agent(step: Step, call: LiveCall, kind: str, target: str, by: str) -> None:
    """The agent is out of the call: a parked agent's leg is hung up (a bridged one goes
    when the caller is redirected away), the hold ends, the transfer is a fact."""
    if call.interaction_id in step.router.control.parked:
        step.ami(call, Hangup(agent_leg(step, call)))
        step.router.control.parked.pop(call.interaction_id, None)
    end_hold(step, call, "transfer", by)
    step.emit(ev.CallTransferred, call, kind=kind, target=target, by=by, segment=call.segment)
    release_agent(step, call)


def requeue(step: Step, call: LiveCall, queue: str, by: str) -> None:
    """A talking call waits again, in ``queue``, as a new visit (trace 09)."""
    step.ami(call, Redirect(call.channel, step.router.config.service.dialplan.hold_context))
    _leave_agent(step, call, "queue", queue, by)
    call.requeue_cause = "transfer"
    if queue != call.queue:
        call.skills = {}   # what the IVR asked of the old queue's agents does not carry over
    step.feed(acd.CallTransferred(call.interaction_id, queue, extra_skills=call.skills))


@command
def to_queue(step: Step, cmd: TransferToQueue) -> dict[str, Any]:
    call = _talking(step, cmd.interaction_id)
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is an outbound call; there is no "
                             "caller to queue")
    queue = _open_queue(step, cmd.queue)
    requeue(step, call, queue, cmd.by)
    return {"interaction_id": call.interaction_id, "status": "queued", "queue": queue}


@command
def to_number(step: Step, cmd: TransferToNumber) -> dict[str, Any]:
    call = _talking(step, cmd.interaction_id)
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is an outbound call; it cannot be "
                             "transferred")
    number = check_number(step, cmd.number)
    context = step.router.config.service.dialplan.transfer_context
    step.ami(call, Setvar(call.channel, "CTI_TRANSFER_TARGET",
                          step.router.dialling.trunk.dial_string(number)),
             Redirect(call.channel, context))
    _leave_agent(step, call, "number", number.e164, cmd.by)
    call.transferred = True
    step.feed(acd.CallEnded(call.interaction_id))
    return {"interaction_id": call.interaction_id, "status": "transferred",
            "number": number.e164}


@command
def to_agent(step: Step, cmd: TransferToAgent) -> dict[str, Any]:
    call = _talking(step, cmd.interaction_id)
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is an outbound call; it cannot be "
                             "transferred")
    agent_config(step, cmd.agent_id)
    if cmd.agent_id == call.agent_id:
        raise BadCommand(f"agent {cmd.agent_id} is the agent on the call")
    direct.check_free(step, cmd.agent_id, not_ready_ok=False)
    queue, back_to = direct.via_queue(step, cmd.agent_id, call), call.queue or ""
    _leave_agent(step, call, "agent", cmd.agent_id, cmd.by)
    call.requeue_cause = "transfer"
    direct.ring(step, call, cmd.agent_id, queue=queue, pause=None, fallback=back_to,
                kind="transfer")
    return {"interaction_id": call.interaction_id, "status": "ringing",
            "agent_id": cmd.agent_id}


@command
def escalate(step: Step, cmd: Escalate) -> dict[str, Any]:
    """Mark the call extraordinary (the screen-pop shows it); with ``queue`` it waits
    there for a supervisor, else it stays where it is until one takes it over."""
    call = live_call(step, cmd.interaction_id)
    if not cmd.reason.strip():
        raise BadCommand("an escalation needs a reason")
    queue = _open_queue(step, cmd.queue) if cmd.queue else None
    if queue is not None and call.phase is Phase.TALKING:
        _talking(step, cmd.interaction_id)
    need(step, call, "escalate", "talking or waiting")
    call.escalation = {"by": cmd.by, "reason": cmd.reason, "at": step.now.wall,
                       "queue": queue}
    step.emit(ev.CallSupervisorEscalated, call, reason=cmd.reason, by=cmd.by, to_queue=queue)
    if queue is not None and call.phase is Phase.TALKING:
        requeue(step, call, queue, cmd.by)
    elif queue is not None and queue != call.queue:
        step.emit(ev.CallTransferred, call, kind="queue", target=queue, by=cmd.by,
                  segment=call.segment)
        call.requeue_cause = "transfer"
        call.skills = {}
        step.feed(acd.CallRemoved(call.interaction_id, "escalated"))
        step.feed(acd.CallArrived(call.interaction_id, queue, priority=call.priority,
                                  extra_skills=call.skills, callback=call.is_callback))
    return {"interaction_id": call.interaction_id, "status": "escalated", "queue": queue}


@command
def take_over(step: Step, cmd: TakeOver) -> dict[str, Any]:
    """Ring the supervisor with the call (waiting or talking), through the ACD."""
    call = live_call(step, cmd.interaction_id)
    agent_config(step, cmd.supervisor_id)
    if cmd.supervisor_id == call.agent_id and call.phase is Phase.TALKING:
        raise BadCommand(f"{cmd.supervisor_id} is already on call {call.interaction_id}")
    if call.phase is Phase.TALKING:
        _talking(step, cmd.interaction_id)
    need(step, call, "take_over", "talking or waiting")
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is a callback or an outbound call")
    _queue, pause = direct.check_free(step, cmd.supervisor_id, not_ready_ok=True)
    queue, back_to = direct.via_queue(step, cmd.supervisor_id, call), call.queue or ""
    if call.phase is Phase.TALKING:
        _leave_agent(step, call, "takeover", cmd.supervisor_id, cmd.by)
    else:
        step.emit(ev.CallTransferred, call, kind="takeover", target=cmd.supervisor_id,
                  by=cmd.by, segment=call.segment)
    call.requeue_cause = "transfer"
    direct.ring(step, call, cmd.supervisor_id, queue=queue, pause=pause, fallback=back_to,
                kind="takeover")
    return {"interaction_id": call.interaction_id, "status": "ringing",
            "agent_id": cmd.supervisor_id}
