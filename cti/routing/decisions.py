"""Carrying out the ACD's decisions: offers, agent states, queue moves and exits."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from acd import decisions as d
from acd import events as acd
from cti import events as ev
from cti.ami.commands import Hangup, Originate, Redirect, Setvar
from cti.calls import IllegalMove, LiveCall
from cti.config import QueueConfig
from cti.numbers import NumberRefused
from cti.routing.items import OfferNotDelivered

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.routing")
_ORIGINATE_IDS = itertools.count(1)


def carry_out(step: Step, decisions: list[Any]) -> None:
    for decision in decisions:
        handler = _HANDLERS.get(type(decision))
        if handler is not None:
            handler(step, decision)


def _offer(step: Step, offer: d.Offer) -> None:
    router = step.router
    call = router.calls.get(offer.call_id)
    agent = router.config.agents.get(offer.agent_id)
    if call is None or agent is None:
        log.error("offer for an unknown call or agent", call_id=offer.call_id,
                  agent_id=offer.agent_id)
        return
    try:
        router.calls.move(call, "offered")
    except IllegalMove as exc:
        log.error("offer for a call that cannot ring", error=str(exc))
        step.feed(acd.OfferFailed(offer.call_id, offer.agent_id, "rejected"))
        return
    call.agent_id = offer.agent_id
    call.offers += 1
    not_delivered = OfferNotDelivered(call.interaction_id, agent.id)
    if _campaign_offer(step, call, agent, offer):
        pass  # a preview call, or a caller bridged to the agent's kept-up line
    elif offer.callback:
        try:
            number = router.dialling.policy.check(call.callback_number or call.caller_number)
        except NumberRefused as exc:
            # The call's number is at fault, not the agent: the agent stays as it was.
            log.warning("callback number refused; callback dropped", error=str(exc))
            step.emit(ev.OfferFailed, call, attempt=call.offers, reason="bad-number",
                      dial_status=exc.reason)
            step.feed(acd.CallRemoved(call.interaction_id, "callback number refused"))
            close_call(step, call, "bad-number")
            return
        trunk = router.dialling.trunk
        call.originate_action = f"cti-callback-{next(_ORIGINATE_IDS)}"
        step.ami(call, Originate(
            channel=router.endpoint_of(agent.id), action_id=call.originate_action,
            context=router.config.service.dialplan.outbound_context,
            exten=trunk.number(number), timeout_ms=int(offer.ring_timeout * 1000),
            caller_id=f'"Callback {number.e164}" <{number.e164}>',
            variables={"CTI_INTERACTION": call.interaction_id,
                       "CTI_DIAL": trunk.dial_string(number)}), on_error=not_delivered)
    else:
        step.ami(call,
                 Setvar(call.channel, "CTI_AGENT_ENDPOINT", router.endpoint_of(agent.id)),
                 Setvar(call.channel, "CTI_RING_TIMEOUT", str(round(offer.ring_timeout))),
                 *_recording_vars(router.config.queues.get(call.queue or ""), call.channel),
                 Redirect(call.channel, router.config.service.dialplan.connect_context),
                 pipelined=True, on_error=not_delivered,
                 queued_at=router.enqueued_at.pop(call.interaction_id, None))
    step.emit(ev.CallOffered, call, attempt=call.offers, ring_timeout=offer.ring_timeout,
              callback=offer.callback, segment=call.segment,
              screen_pop=call.screen_pop(step.now.wall))


def _campaign_offer(step: Step, call: LiveCall, agent: Any, offer: d.Offer) -> bool:
    """Outbound campaigns take some offers (cti/routing/previews.py, lines.py)."""
    dialer = step.router.dialer
    if not dialer.lines.by_agent and not dialer.by_interaction:
        return False
    from cti.routing import lines, previews

    return previews.offer(step, call, agent, offer) or lines.offer(step, call, agent, offer)


def _recording_vars(queue: QueueConfig | None, channel: str) -> list[Setvar]:
    """What [cti-connect] needs to record the call (and to ask consent first)."""
    if queue is None or not queue.recording.enabled:
        return []
    out = [Setvar(channel, "CTI_RECORD", "1")]
    if queue.recording.consent_prompt:
        out.append(Setvar(channel, "CTI_RECORD_CONSENT", queue.recording.consent_prompt))
    return out


def _offer_timed_out(step: Step, timeout: d.OfferTimedOut) -> None:
    """No dial result came in time (a Redirect that never landed, a lost event): the
    engine took the offer back, so the caller must stop ringing that agent now, or
    a late answer would connect a call the engine offers elsewhere."""
    router = step.router
    call = router.calls.get(timeout.call_id)
    if call is None or call.agent_id != timeout.agent_id:
        return
    step.emit(ev.OfferFailed, call, attempt=call.offers, reason="timeout")
    router.calls.set_agent_leg(call, None)
    call.requeue_cause = "offer-failed"
    router.calls.move(call, "ring_failed")
    if not call.is_callback:  # a callback's Originate ends its own ringing (Timeout)
        step.ami(call, Redirect(call.channel, router.config.service.dialplan.hold_context))


def _agent_state_changed(step: Step, change: d.AgentStateChanged) -> None:
    step.emit(ev.AgentStateChanged, agent_id=change.agent_id, state=change.new.value,
              previous=change.old.value, reason=change.reason,
              interaction_id=change.call_id)


def _call_queued(step: Step, queued: d.CallQueued) -> None:
    router = step.router
    call = router.calls.get(queued.call_id)
    if call is None:
        return
    cause, from_queue = call.requeue_cause, None
    if call.queue is not None and call.queue != queued.queue:
        cause, from_queue = ("overflow" if cause != "transfer" else cause), call.queue
    if cause in ("overflow", "transfer"):
        call.segment += 1
        call.segment_at = step.now.wall
    call.queue = queued.queue
    call.requeue_cause = "offer-failed"  # unless something else says otherwise next time
    router.calls.move(call, "queued")
    step.emit(ev.CallQueued, call, agent_id=None, priority=call.priority,
              skills=dict(call.skills), position=queued.position, callback=call.is_callback,
              cause=cause, from_queue=from_queue, segment=call.segment,
              caller_number=call.caller_number or None, caller_name=call.caller_name or None,
              arrived_at=call.queued_at, channel=call.channel or None,
              uniqueid=call.uniqueid or None, linkedid=call.linkedid or None,
              callback_number=call.callback_number)


def _queue_exit(step: Step, exit_: d.QueueExit) -> None:
    router = step.router
    call = router.calls.get(exit_.call_id)
    if call is None:
        return
    step.emit(ev.QueueExited, call, action=exit_.action, target=exit_.target,
              reason=exit_.reason, segment=call.segment)
    dialplan = router.config.service.dialplan
    if exit_.action == "overflow":
        call.requeue_cause = "overflow"
        return  # the engine moved it; a CallQueued follows
    if exit_.action == "callback" and not (call.callback_number or  # +34612345678 too
                                           call.caller_number.removeprefix("+").isdigit()):
        # An anonymous caller cannot be called back: end the wait like exit "none".
        log.info("no number to call back; ending the call", interaction_id=call.interaction_id)
        step.feed(acd.CallRemoved(call.interaction_id, "no callback number"))
    elif exit_.action == "callback":
        call.callback_number = call.callback_number or call.caller_number
        router.calls.move(call, "callback_chosen")
        step.emit(ev.CallbackRequested, call, number=call.callback_number,
                  segment=call.segment)
        step.ami(call, Redirect(call.channel, dialplan.hold_context, "callback"))
        return
    if exit_.action == "voicemail":
        step.ami(call, Setvar(call.channel, "CTI_MAILBOX", exit_.target or ""),
                 Redirect(call.channel, dialplan.voicemail_context))
        close_call(step, call, "voicemail")
    else:
        step.ami(call, Hangup(call.channel))
        close_call(step, call, "timeout")


def _escalated(step: Step, escalated: d.Escalated) -> None:
    call = step.router.calls.get(escalated.call_id)
    step.emit(ev.CallEscalated, call, interaction_id=escalated.call_id,
              queue=escalated.queue, step=escalated.step)


def close_call(step: Step, call: LiveCall, outcome: str, cause: int | None = None,
               at: float | None = None) -> None:
    """The contact is over: its interaction closes (the case, if any, goes on)."""
    step.emit(ev.CallEnded, call, outcome=outcome, cause=cause, segment=call.segment,
              queued=call.queued_at is not None, at=at)
    step.router.calls.remove(call)


_HANDLERS: dict[type, Callable[[Step, Any], None]] = {
    d.Offer: _offer,
    d.OfferTimedOut: _offer_timed_out,
    d.AgentStateChanged: _agent_state_changed,
    d.CallQueued: _call_queued,
    d.QueueExit: _queue_exit,
    d.Escalated: _escalated,
}
