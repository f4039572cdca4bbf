"""Switches a supervisor sets for the whole centre: closed queues and the centre's mode.

A closed queue takes no new callers: callers already waiting stay and are served,
transfers into it are refused, and a caller the IVR queues there is diverted by
the queue's own exit: ``overflow`` to its target (if open), ``voicemail`` to its
box, anything else (callback, none) hears goodbye in the closed context and the
call ends (outcome ``closed``). Scheduled callbacks into it are still made.

The centre's mode: ``night`` makes the IVR's hours check say closed (flows take
their after-hours path); ``emergency`` is a flag the flows branch on
(``{var: centre_mode, eq: emergency}``) to play an announcement. Both switches
are kept in PostgreSQL (table control_settings) across restarts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cti import events as ev
from cti.ami.commands import Redirect, Setvar
from cti.errors import CommandRefused
from cti.routing.control import CENTRE_MODES, command, queue_config
from cti.routing.decisions import close_call
from cti.routing.errors import BadCommand
from cti.routing.items import CloseQueue, Enqueue, OpenQueue, SetCentreMode
from cti.routing.requests import on_enqueue as enqueue_in_acd

if TYPE_CHECKING:
    from cti.routing.step import Step


@command
def close_queue(step: Step, cmd: CloseQueue) -> dict[str, Any]:
    queue_config(step, cmd.queue)
    closed = step.router.control.closed
    if cmd.queue in closed:
        raise CommandRefused(f"queue {cmd.queue} is already closed")
    closed.add(cmd.queue)
    step.emit(ev.QueueClosed, queue=cmd.queue, by=cmd.by)
    return {"queue": cmd.queue, "closed": True,
            "waiting": len(step.router.engine.waiting(cmd.queue))}


@command
def open_queue(step: Step, cmd: OpenQueue) -> dict[str, Any]:
    queue_config(step, cmd.queue)
    closed = step.router.control.closed
    if cmd.queue not in closed:
        raise CommandRefused(f"queue {cmd.queue} is open")
    closed.discard(cmd.queue)
    step.emit(ev.QueueOpened, queue=cmd.queue, by=cmd.by)
    return {"queue": cmd.queue, "closed": False}


@command
def set_mode(step: Step, cmd: SetCentreMode) -> dict[str, Any]:
    if cmd.mode not in CENTRE_MODES:
        raise BadCommand(f"centre mode {cmd.mode!r}; use one of {', '.join(CENTRE_MODES)}")
    control = step.router.control
    previous = control.mode
    if (cmd.mode, cmd.message) == (previous, control.mode_message):
        return control.view()
    control.mode, control.mode_message = cmd.mode, cmd.message
    step.emit(ev.CentreModeChanged, mode=cmd.mode, previous=previous, by=cmd.by,
              message=cmd.message)
    return control.view()


def on_enqueue(step: Step, req: Enqueue) -> None:
    """The IVR queues a caller: into the ACD, unless the queue is closed."""
    closed = step.router.control.closed
    call = step.router.calls.get(req.interaction_id)
    if req.queue not in closed or call is None:
        enqueue_in_acd(step, req)
        return
    queue = step.router.config.queues[req.queue]
    exit_ = queue.on_max_wait
    dialplan = step.router.config.service.dialplan
    if exit_.action == "overflow" and exit_.target and exit_.target not in closed:
        step.emit(ev.CallDiverted, call, queue=req.queue, action="overflow",
                  target=exit_.target)
        enqueue_in_acd(step, Enqueue(req.interaction_id, exit_.target, req.skills,
                                     req.priority, req.attributes, req.history))
    elif exit_.action == "voicemail" and exit_.target:
        step.emit(ev.CallDiverted, call, queue=req.queue, action="voicemail",
                  target=exit_.target)
        step.ami(call, Setvar(call.channel, "CTI_MAILBOX", exit_.target),
                 Redirect(call.channel, dialplan.voicemail_context))
        close_call(step, call, "voicemail")
    else:
        step.emit(ev.CallDiverted, call, queue=req.queue, action="goodbye")
        step.ami(call, Redirect(call.channel, dialplan.closed_context))
        close_call(step, call, "closed")
