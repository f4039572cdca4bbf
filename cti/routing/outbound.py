"""Calls the service makes: click-to-dial and callbacks scheduled for later.

Both are outbound interactions that go through the ACD as callback calls: the
offer Originates the agent's endpoint into the outbound context with
``CTI_DIAL`` (the checked number's trunk dial string), the agent answers, the
dialplan dials the customer (trace 10). Click-to-dial rings the agent who asked
(READY, or paused: see ``cti.routing.direct``); if that agent does not answer,
the call ends. A scheduled callback is kept in PostgreSQL (``callback.*``
events, table scheduled_callbacks) until due, then queued, for one agent or for
anyone in its queue, and made when an agent is free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acd import events as acd
from cti import events as ev
from cti.acd_specs import direct_skill
from cti.calls import LiveCall
from cti.routing import direct
from cti.routing.control import (
    ScheduledCallback,
    agent_config,
    check_number,
    command,
    queue_config,
)
from cti.routing.errors import BadCommand, NoSuchCallback
from cti.routing.items import CancelCallback, Dial, ScheduleCallback

if TYPE_CHECKING:
    from cti.routing.step import Step

#: A callback may be scheduled at most this far ahead (seconds).
MAX_AHEAD = 366 * 86400.0


def _node(step: Step) -> str:
    """The AMI node outbound calls leave by: the first linked one, else the first named."""
    router = step.router
    for node in router.config.service.ami:
        if node.name in router.links_up:
            return node.name
    return router.config.service.ami[0].name if router.config.service.ami else ""


def _outbound_call(step: Step, interaction_id: str, number: str,
                   queue: str, cause: str) -> LiveCall:
    call = LiveCall(interaction_id=interaction_id, node=_node(step), channel="", uniqueid="",
                    caller_number=number, callback_number=number, queue=None,
                    created_at=step.now.wall, direction="outbound")
    call.queued_at = call.segment_at = step.now.wall
    call.requeue_cause = cause
    step.router.calls.add(call)
    step.emit(ev.InteractionOpened, call, direction="outbound", caller_number=number,
              queue=queue)
    return call


@command
def dial(step: Step, cmd: Dial) -> dict[str, Any]:
    """Click-to-dial: ring the agent's phone, then the customer (trace 10)."""
    agent_config(step, cmd.agent_id)
    number = check_number(step, cmd.number)
    if step.router.calls.get(cmd.interaction_id) is not None:
        raise BadCommand(f"interaction {cmd.interaction_id} exists already")
    via, pause = direct.check_free(step, cmd.agent_id, not_ready_ok=True)
    if cmd.queue is not None:
        queue_config(step, cmd.queue)
        if cmd.queue not in step.router.engine.agent(cmd.agent_id).queues:
            raise BadCommand(f"agent {cmd.agent_id} does not serve queue {cmd.queue}")
        via = cmd.queue
    call = _outbound_call(step, cmd.interaction_id, number.e164, via, "outbound")
    step.emit(ev.OutboundCallRequested, call, agent_id=cmd.agent_id, queue=via,
              number=number.e164, by=cmd.by)
    direct.ring(step, call, cmd.agent_id, queue=via, pause=pause, fallback="end",
                kind="outbound")
    return {"interaction_id": call.interaction_id, "status": "ringing-agent",
            "number": number.e164}


@command
def schedule(step: Step, cmd: ScheduleCallback) -> dict[str, Any]:
    number = check_number(step, cmd.number)
    queue_config(step, cmd.queue)
    if cmd.agent_id is not None:
        agent_config(step, cmd.agent_id)
        if cmd.queue not in step.router.engine.agent(cmd.agent_id).queues:
            raise BadCommand(f"agent {cmd.agent_id} does not serve queue {cmd.queue}; "
                             "schedule the callback in one of its queues")
    if cmd.due_at > step.now.wall + MAX_AHEAD:
        raise BadCommand("a callback can be scheduled at most a year ahead")
    if cmd.callback_id in step.router.control.callbacks:
        raise BadCommand(f"callback {cmd.callback_id} exists already")
    callback = ScheduledCallback(cmd.callback_id, number.e164, cmd.due_at, cmd.queue,
                                 cmd.agent_id, cmd.note, cmd.interaction_id, cmd.by)
    step.router.control.add_callback(callback)
    step.emit(ev.CallbackScheduled, interaction_id=cmd.interaction_id, queue=cmd.queue,
              agent_id=cmd.agent_id, callback_id=callback.callback_id, number=number.e164,
              due_at=cmd.due_at, by=cmd.by, note=cmd.note)
    return view(callback)


@command
def cancel(step: Step, cmd: CancelCallback) -> dict[str, Any]:
    callback = step.router.control.callbacks.pop(cmd.callback_id, None)
    if callback is None:
        raise NoSuchCallback(cmd.callback_id)
    step.emit(ev.CallbackCancelled, interaction_id=callback.origin, queue=callback.queue,
              agent_id=callback.agent_id, callback_id=callback.callback_id, by=cmd.by)
    return {**view(callback), "status": "cancelled"}


def view(callback: ScheduledCallback) -> dict[str, Any]:
    return {"callback_id": callback.callback_id, "number": callback.number,
            "due_at": callback.due_at, "queue": callback.queue, "agent_id": callback.agent_id,
            "note": callback.note, "status": "pending"}


def start_due(step: Step) -> None:
    """Queue every scheduled callback that is due (called when the timer fires)."""
    for callback in step.router.control.take_due(step.now.wall):
        if callback.queue not in step.router.config.queues:
            step.emit(ev.CallbackCancelled, queue=callback.queue, agent_id=callback.agent_id,
                      callback_id=callback.callback_id, by="service")
            continue
        interaction_id = callback_interaction(callback.callback_id)
        call = _outbound_call(step, interaction_id, callback.number, callback.queue,
                              "callback")
        step.emit(ev.CallbackStarted, call, queue=callback.queue, agent_id=callback.agent_id,
                  callback_id=callback.callback_id, number=callback.number)
        skills = dict(call.skills)
        if callback.agent_id in step.router.config.agents:
            skills[direct_skill(callback.agent_id)] = 1
            call.skills = skills    # kept in its queue entry: it waits for that agent
        step.feed(acd.CallArrived(interaction_id, callback.queue, extra_skills=skills,
                                  callback=True))
        step.drain()


def callback_interaction(callback_id: str) -> str:
    """The interaction a scheduled callback becomes (the same id if started twice)."""
    import uuid

    return str(uuid.uuid5(uuid.UUID(callback_id), "interaction"))
