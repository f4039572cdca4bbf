"""Ring one agent with a call, through the ACD, so agent states stay honest.

A transfer to an agent, a supervisor's take-over, click-to-dial and a personal
callback all ring one named agent. They go through the engine like any offer
(RESERVED, ON_CALL, WRAP_UP, the offer's record) by requiring the skill only
that agent has (``cti.acd_specs.direct_skill``) in a queue the agent serves.

The agent must be free: READY with an idle phone, or, where ``not_ready_ok``,
NOT_READY (a supervisor taking over, an agent dialling out from a pause): the
agent is made READY just long enough to be offered the call (a zero-length
READY in its history) and its pause is given back after the call.

When the ring fails, ``after_step`` applies the ``fallback``: the call waits in
that queue again (a new queue visit, the direct one ends as an overflow), or,
for ``end``, it is over (an outbound call whose agent did not answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from acd import events as acd
from acd.states import AgentState, DeviceState
from cti import events as ev
from cti.acd_specs import direct_skill
from cti.calls import LiveCall, Phase
from cti.routing.control import DirectRing
from cti.routing.decisions import close_call
from cti.routing.errors import AgentNotFree

if TYPE_CHECKING:
    from cti.routing.step import Step

#: Added to a directly rung call's priority: the agent takes it before any other.
DIRECT_PRIORITY = 1000


def check_free(step: Step, agent_id: str, *, not_ready_ok: bool) -> tuple[str, str | None]:
    """The queue to ring ``agent_id`` through and, for a paused agent, its pause reason.

    Raises:
        AgentNotFree: logged out, on a call, ringing, in wrap-up, phone busy or away.
    """
    snap = step.router.engine.agent(agent_id)
    allowed = (AgentState.READY, AgentState.NOT_READY) if not_ready_ok else (AgentState.READY,)
    if snap.state not in allowed:
        state = snap.state.value + (f" ({snap.reason})" if snap.reason else "")
        raise AgentNotFree(agent_id, f"it is {state}")
    if snap.device is not DeviceState.AVAILABLE:
        raise AgentNotFree(agent_id, f"its phone is {snap.device.value}")
    if not snap.queues:
        raise AgentNotFree(agent_id, "it serves no queue (agents.yaml queues and skills)")
    reason = snap.reason if snap.state is AgentState.NOT_READY else None
    return snap.queues[0], reason


def via_queue(step: Step, agent_id: str, call: LiveCall) -> str:
    """The call's own queue when the agent serves it, else the agent's first queue."""
    queues = step.router.engine.agent(agent_id).queues
    return call.queue if call.queue in queues else queues[0]


def ring(step: Step, call: LiveCall, agent_id: str, *, queue: str, pause: str | None,
         fallback: str, kind: str) -> None:
    """Give the engine the call for ``agent_id`` only (after ``check_free``).

    The caller's call is TALKING (it is transferred: its agent goes to WRAP_UP),
    WAITING (taken out of its queue), or new (IVR phase: click-to-dial, a callback).
    """
    router = step.router
    only = {direct_skill(agent_id): 1}
    priority = call.priority + DIRECT_PRIORITY
    if call.phase is Phase.AFTER_AGENT:   # released from a talking call just now
        step.feed(acd.CallTransferred(call.interaction_id, queue, priority=priority,
                                      skills=only))
    else:
        if call.phase in (Phase.WAITING, Phase.CALLBACK):
            step.feed(acd.CallRemoved(call.interaction_id, f"rung on {agent_id}"))
        step.feed(acd.CallArrived(call.interaction_id, queue, priority=priority, skills=only,
                                  callback=call.is_callback))
    if pause is not None:
        # Offered the call the moment it is READY, then back to its pause after the call.
        step.feed(acd.AgentReady(agent_id))
        step.feed(acd.AgentNotReady(agent_id, pause))
    router.control.direct[call.interaction_id] = DirectRing(agent_id, fallback, kind)
    step.drain()
    if not (call.phase is Phase.RINGING and call.agent_id == agent_id):
        ring_failed(step, call)  # the engine could not offer it (the agent was skipped)


def ring_failed(step: Step, call: LiveCall) -> None:
    """The direct ring did not connect: apply its fallback."""
    direct = step.router.control.direct.pop(call.interaction_id, None)
    if direct is None:
        return
    step.feed(acd.CallRemoved(call.interaction_id, f"{direct.kind}: {direct.agent_id} "
                                                    "did not answer"))
    if direct.fallback == "end":
        step.drain()
        close_call(step, call, "unanswered")
        return
    step.emit(ev.QueueExited, call, action="overflow", target=direct.fallback,
              reason=f"{direct.kind}-not-answered", segment=call.segment)
    call.requeue_cause = "overflow"
    step.feed(acd.CallArrived(call.interaction_id, direct.fallback, priority=call.priority,
                              extra_skills=call.skills, callback=call.is_callback))
    step.drain()


def settle(step: Step) -> None:
    """After every step: direct rings that were answered are done, those that failed
    (the call waits again) take their fallback."""
    direct = step.router.control.direct
    if not direct:
        return
    for interaction_id in list(direct):
        call = step.router.calls.get(interaction_id)
        if call is None or call.phase in (Phase.TALKING, Phase.AFTER_AGENT, Phase.ENDED):
            direct.pop(interaction_id, None)
        elif call.phase in (Phase.WAITING, Phase.CALLBACK):
            ring_failed(step, call)
