"""What Asterisk reports about calls, turned into ACD events and domain events: who
rings, who answered, who hung up, transfers, holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acd import events as acd
from cti import events as ev
from cti.ami import events as ami
from cti.calls import LiveCall, Phase
from cti.cases.rules import case_for_answered_call
from cti.routing.decisions import close_call

if TYPE_CHECKING:
    from cti.routing.step import Step

#: DialStatus of a failed ring -> the ACD's reason.
_FAIL_REASONS = {
    "NOANSWER": "no-answer",
    "BUSY": "busy",
    "CONGESTION": "unavailable",
    "CHANUNAVAIL": "unavailable",
    "INVALIDARGS": "unavailable",
    "DONTCALL": "rejected",
    "TORTURE": "rejected",
}

#: OriginateResponse Reason -> the ACD's reason (4 = answered is success).
_ORIGINATE_REASONS = {5: "busy", 3: "no-answer", 8: "unavailable", 1: "no-answer"}


def caller_call(step: Step, channel: ami.ChannelSnapshot | None) -> LiveCall | None:
    if channel is None:
        return None
    calls = step.router.calls
    call = calls.by_uniqueid(channel.uniqueid)
    if call is None and channel.interaction:
        call = calls.get(channel.interaction)
    return call


def on_tagged(step: Step, tagged: ami.InteractionTagged) -> None:
    call = step.router.calls.get(tagged.interaction)
    if call is not None:
        call.node = tagged.node
        call.linkedid = call.linkedid or tagged.channel.linkedid
        step.router.calls.set_caller_channel(call, tagged.channel.name,
                                             call.uniqueid or tagged.channel.uniqueid)


def _ringing_call(step: Step, caller: ami.ChannelSnapshot | None,
                  target: ami.ChannelSnapshot) -> LiveCall | None:
    """The call whose offer this dial is: the caller rings the offered agent's phone
    (not a late dial towards an agent whose offer was taken back)."""
    call = caller_call(step, caller)
    if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
        return None
    agent = step.router.config.agents.get(call.agent_id)
    endpoint = agent.endpoint if agent else ""
    if endpoint != target.device and not endpoint.startswith(target.device + "/"):
        return None
    return call


def on_dial_began(step: Step, began: ami.DialBegan) -> None:
    call = _ringing_call(step, began.caller, began.target)
    if call is not None:
        step.router.calls.set_agent_leg(call, began.target.uniqueid)


def on_dial_ended(step: Step, ended: ami.DialEnded) -> None:
    call = _ringing_call(step, ended.caller, ended.target)
    if call is not None and ended.dial_status == "ANSWER":
        step.router.calls.set_agent_leg(call, ended.target.uniqueid)
        _answered(step, call, ended.target.name)
        return
    customer = caller_call(step, ended.caller)
    if (customer is not None and customer.is_callback and customer.phase is Phase.TALKING
            and ended.caller is not None and ended.caller.uniqueid == customer.agent_uniqueid
            and ended.dial_status == "ANSWER" and not customer.customer_answered):
        # The agent's leg of a callback dialled the customer, who answered.
        customer.customer_answered = True
        step.emit(ev.CustomerAnswered, customer, number=customer.callback_number,
                  segment=customer.segment)


def _answered(step: Step, call: LiveCall, agent_channel: str | None) -> None:
    assert call.agent_id is not None
    step.router.calls.move(call, "answered")
    call.answered_at = step.now.wall
    step.router.agent_calls[call.agent_id] = call.interaction_id
    step.feed(acd.OfferAnswered(call.interaction_id, call.agent_id))
    waited = None if call.segment_at is None else round(step.now.wall - call.segment_at, 3)
    step.emit(ev.CallAnswered, call, attempt=call.offers, segment=call.segment,
              callback=call.is_callback, agent_channel=agent_channel, waited=waited)
    customer = (call.customer or {}).get("customer_id")
    for cls, fields in case_for_answered_call(
            interaction_id=call.interaction_id, case_id=call.case_id, customer_id=customer,
            agent_id=call.agent_id, queue=call.queue, classification=call.classification,
            unit=step.router.config.default_unit):
        step.emit(cls, **fields)
        call.case_id = fields["case_id"]


def on_dial_result(step: Step, result: ami.DialResultReported) -> None:
    call = step.router.calls.get(result.interaction)
    if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
        return
    agent = step.router.config.agents.get(call.agent_id)
    if agent is None or agent.endpoint != result.endpoint:
        return  # the result of an earlier ring, taken back already
    reason = _FAIL_REASONS.get(result.dial_status)
    if reason is None:
        return  # ANSWER (after the talk), CANCEL (the caller left: a hang-up follows)
    _ring_failed(step, call, reason, result.dial_status)


def _ring_failed(step: Step, call: LiveCall, reason: str, dial_status: str | None) -> None:
    agent_id = call.agent_id
    assert agent_id is not None
    step.emit(ev.OfferFailed, call, attempt=call.offers, reason=reason, dial_status=dial_status)
    step.router.calls.set_agent_leg(call, None)
    call.requeue_cause = "offer-failed"
    step.router.calls.move(call, "ring_failed")
    step.feed(acd.OfferFailed(call.interaction_id, agent_id, reason))  # type: ignore[arg-type]


def on_originate_result(step: Step, result: ami.OriginateResult) -> None:
    call = next((c for c in step.router.calls if c.originate_action == result.action_id), None)
    if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
        return
    call.originate_action = None
    if result.success:
        step.router.calls.set_agent_leg(call, result.uniqueid or None)
        _answered(step, call, result.channel or None)
        return
    _ring_failed(step, call, _ORIGINATE_REASONS.get(result.reason, "unavailable"),
                 f"originate reason {result.reason}")


def on_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    router = step.router
    call = router.calls.by_uniqueid(hungup.channel.uniqueid)
    if call is None:
        return
    lost = hungup.lost
    end = hungup.ended_at if lost else None  # when the link went down, not the resync
    if hungup.channel.uniqueid == call.agent_uniqueid:
        # The agent's leg ended (agent hung up, blind transfer, re-queue by redirect).
        router.calls.set_agent_leg(call, None)
        if call.phase is Phase.TALKING:
            agent_leg_done(step, call)
            if call.is_callback:  # the agent's leg was the whole call
                close_call(step, call, "lost" if lost else call.callback_outcome,
                           hungup.cause, end)
        return
    if call.is_callback:
        return  # the caller left after choosing a callback; the place is kept
    if call.phase in (Phase.WAITING, Phase.RINGING):
        if call.phase is Phase.RINGING:
            step.emit(ev.OfferFailed, call, attempt=call.offers, reason="caller-left")
        step.feed(acd.CallAbandoned(call.interaction_id))
        close_call(step, call, "lost" if lost else "abandoned", hungup.cause, end)
    elif call.phase in (Phase.TALKING, Phase.AFTER_AGENT):
        agent_leg_done(step, call, end)
        outcome = "transferred" if call.transferred else "answered"
        close_call(step, call, "lost" if lost else outcome, hungup.cause, end)
    elif call.phase is Phase.IVR:
        close_call(step, call, "lost" if lost else call.ivr_outcome, hungup.cause, end)
    else:
        close_call(step, call, "lost" if lost else "completed", hungup.cause, end)


def agent_leg_done(step: Step, call: LiveCall, at: float | None = None) -> None:
    """The agent's part is over: talk time stops, the ACD puts the agent in wrap-up."""
    if call.phase is not Phase.TALKING:
        return
    step.feed(acd.CallEnded(call.interaction_id))
    end = at or step.now.wall
    talked = None if call.answered_at is None else round(end - call.answered_at, 3)
    step.emit(ev.AgentLeftCall, call, attempt=call.offers, segment=call.segment, talked=talked,
              at=at)
    step.router.calls.move(call, "agent_left")


def on_blind_transfer(step: Step, xfer: ami.BlindTransferred) -> None:
    call = caller_call(step, xfer.transferee) or caller_call(step, xfer.transferer)
    if call is None:
        return
    call.transferred = True
    step.emit(ev.CallTransferred, call, kind="blind", target=f"{xfer.extension}@{xfer.context}",
              by=call.agent_id, segment=call.segment)


def on_attended_transfer(step: Step, xfer: ami.AttendedTransferred) -> None:
    call = caller_call(step, xfer.transferee) or caller_call(step, xfer.transferer)
    if call is None:
        return
    call.transferred = True
    step.emit(ev.CallTransferred, call, kind="attended",
              target=xfer.target.name if xfer.target else None, by=call.agent_id,
              segment=call.segment)


def on_held(step: Step, held: ami.CallHeld) -> None:
    call = caller_call(step, held.channel)
    if call is not None and call.phase is Phase.TALKING and call.held_at is None:
        call.held_at = step.now.wall
        step.emit(ev.CallHeld, call, attempt=call.offers)


def on_resumed(step: Step, resumed: ami.CallResumed) -> None:
    call = caller_call(step, resumed.channel)
    if call is not None and call.held_at is not None:
        held_for = round(step.now.wall - call.held_at, 3)
        call.held_at = None
        step.emit(ev.CallResumed, call, attempt=call.offers, held_for=held_for)



def on_user_event(step: Step, event: ami.UserEventReceived) -> None:
    """[cti-fallback] says a caller left the service's hands (the hold limit, hold steps
    that kept failing, an IVR without a decision): the interaction ends there."""
    if event.name != "CTIFallback":
        return
    call = step.router.calls.get(event.fields.get("Interaction", ""))
    if call is None or call.phase not in (Phase.IVR, Phase.WAITING, Phase.RINGING):
        return
    if call.phase is not Phase.IVR:
        step.feed(acd.CallRemoved(call.interaction_id, "fallback"))
    close_call(step, call, "fallback")
