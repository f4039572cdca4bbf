"""Blind transfers (queue, agent, number), escalation and take-over on the pure step."""

from __future__ import annotations

import pytest
from control_support import (
    NODE,
    agent,
    ami_sent,
    answer,
    at,
    events,
    hangup,
    kinds,
    make_router,
    run,
    states,
    talking_call,
    waiting_call,
)

from cti.ami import events as ami
from cti.calls import Phase
from cti.routing.errors import AgentNotFree, BadNumber, NoSuchQueue, QueueClosed
from cti.routing.items import (
    CloseQueue,
    Escalate,
    Hold,
    TakeOver,
    TransferToAgent,
    TransferToNumber,
    TransferToQueue,
)


async def test_transfer_to_queue_redirects_to_hold_and_opens_a_new_segment() -> None:
    router, channels = make_router()
    call, leg = talking_call(router, channels)
    _, effects = run(router, TransferToQueue(interaction_id="i-1", queue="billing",
                                             by="a1001"), mono=10.0)
    assert ami_sent(effects) == [{"Action": "Redirect", "Channel": call.channel,
                                  "Context": "cti-hold", "Exten": "s", "Priority": "1"}]
    assert kinds(effects) == ["call.transferred", "call.agent_left", "agent.state_changed",
                              "call.queued"]
    moved, left, _state, queued = events(effects)
    assert (moved.kind, moved.target, moved.by, moved.segment, moved.queue) == (
        "queue", "billing", "a1001", 0, "bookings")
    assert left.talked == 7.0
    assert states(effects, "a1001") == ["WRAP_UP"]
    assert (queued.queue, queued.cause, queued.segment, queued.from_queue) == (
        "billing", "transfer", 1, "bookings")
    assert call.phase is Phase.WAITING and call.agent_uniqueid is None
    # The old agent's leg hangs up (bridge gone): nothing more happens to the call.
    assert events(hangup(router, channels, leg, 10.5), "call.ended") == []
    # Someone of billing takes it: a new offer, attempt 2 of segment 1.
    effects = agent(router, "a1003", mono=11.0)
    (offered,) = events(effects, "call.offered")
    assert (offered.agent_id, offered.attempt, offered.segment) == ("a1003", 2, 1)


async def test_transfer_to_a_closed_or_unknown_queue_is_refused() -> None:
    router, channels = make_router()
    talking_call(router, channels)
    run(router, CloseQueue(queue="billing", by="s2001"))
    with pytest.raises(QueueClosed, match="queue billing is closed"):
        run(router, TransferToQueue(interaction_id="i-1", queue="billing", by="a1001"))
    with pytest.raises(NoSuchQueue, match="no queue named 'nope'"):
        run(router, TransferToQueue(interaction_id="i-1", queue="nope", by="a1001"))


async def test_transfer_to_a_free_agent_rings_it_through_the_acd() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    agent(router, "a1008", mono=5.0)       # READY, and the call needs no one else
    _, effects = run(router, TransferToAgent(interaction_id="i-1", agent_id="a1008",
                                             by="a1001"), mono=10.0)
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": call.channel, "Variable": "CTI_AGENT_ENDPOINT",
         "Value": "PJSIP/1008"},
        {"Action": "Setvar", "Channel": call.channel, "Variable": "CTI_RING_TIMEOUT",
         "Value": "15"},
        {"Action": "Redirect", "Channel": call.channel, "Context": "cti-connect",
         "Exten": "s", "Priority": "1"}]
    assert states(effects, "a1001") == ["WRAP_UP"] and states(effects, "a1008") == ["RESERVED"]
    moved = events(effects, "call.transferred")[0]
    assert (moved.kind, moved.target, moved.segment) == ("agent", "a1008", 0)
    assert events(effects, "call.queued")[0].segment == 1
    assert call.phase is Phase.RINGING and call.agent_id == "a1008"
    answer(router, channels, call, 12.0)
    assert router.engine.agent("a1008").state.value == "ON_CALL"


async def test_transfer_to_an_agent_that_is_not_free_is_refused_and_changes_nothing() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    agent(router, "a1008", "login", mono=5.0, reason="lunch")
    with pytest.raises(AgentNotFree, match="agent a1008 cannot take a call now: it is "
                                           r"NOT_READY \(lunch\)"):
        run(router, TransferToAgent(interaction_id="i-1", agent_id="a1008", by="a1001"))
    assert call.phase is Phase.TALKING and router.engine.agent("a1001").state.value == "ON_CALL"


async def test_an_unanswered_transfer_to_an_agent_goes_back_to_the_queue() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    agent(router, "a1008", mono=5.0)
    run(router, TransferToAgent(interaction_id="i-1", agent_id="a1008", by="a1001"), mono=10.0)
    caller = channels.by_uniqueid[call.uniqueid]
    effects = router.process(ami.DialResultReported(NODE, caller.call_id, "i-1", "PJSIP/1008",
                                                    "NOANSWER", caller), at(25.0))
    assert kinds(effects) == ["call.offer_failed", "call.queued", "agent.state_changed",
                              "call.queue_exited", "call.queued"]
    exited, queued = events(effects)[3:]
    assert (exited.action, exited.target, exited.reason, exited.segment) == (
        "overflow", "bookings", "transfer-not-answered", 1)
    assert (queued.queue, queued.cause, queued.segment) == ("bookings", "overflow", 2)
    assert call.phase is Phase.WAITING and "i-1" not in router.control.direct
    effects = agent(router, "a1004", mono=26.0)   # any bookings agent may take it now
    assert events(effects, "call.offered")[0].agent_id == "a1004"


async def test_transfer_to_a_number_goes_to_the_transfer_context_with_the_trunk_string() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    with pytest.raises(BadNumber, match="refused"):
        run(router, TransferToNumber(interaction_id="i-1", number="803 123 456", by="a1001"))
    _, effects = run(router, TransferToNumber(interaction_id="i-1", number="612 34 56 78",
                                              by="a1001"), mono=10.0)
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": call.channel, "Variable": "CTI_TRANSFER_TARGET",
         "Value": "PJSIP/+34612345678@trunk"},
        {"Action": "Redirect", "Channel": call.channel, "Context": "cti-transfer",
         "Exten": "s", "Priority": "1"}]
    assert kinds(effects) == ["call.transferred", "call.agent_left", "agent.state_changed"]
    assert events(effects)[0].kind == "number" and events(effects)[0].target == "+34612345678"
    effects = hangup(router, channels, channels.by_uniqueid[call.uniqueid], 40.0)
    assert events(effects, "call.ended")[0].outcome == "transferred"


async def test_transferring_a_held_call_hangs_up_the_parked_agent_leg_and_counts_the_hold() -> None:
    router, channels = make_router()
    call, leg = talking_call(router, channels)
    run(router, Hold(interaction_id="i-1", by="a1001"), mono=10.0)
    _, effects = run(router, TransferToQueue(interaction_id="i-1", queue="bookings",
                                             by="a1001"), mono=12.0)
    assert [(a["Action"], a["Channel"]) for a in ami_sent(effects)] == [
        ("Redirect", call.channel), ("Hangup", leg.name)]
    resumed = events(effects, "call.resumed")[0]
    assert (resumed.how, resumed.held_for) == ("transfer", 2.0)


async def test_escalation_marks_the_call_and_the_next_screen_pop_shows_it() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    _, effects = run(router, Escalate(interaction_id="i-1", reason="police on the line",
                                      queue="complaints", by="a1001"), mono=10.0)
    assert kinds(effects)[:2] == ["call.supervisor_escalated", "call.transferred"]
    assert events(effects)[0].to_queue == "complaints"
    assert call.phase is Phase.WAITING and call.queue == "complaints"
    effects = agent(router, "s2001", mono=11.0)
    (offered,) = events(effects, "call.offered")
    assert offered.screen_pop["escalation"]["reason"] == "police on the line"
    assert offered.screen_pop["escalation"]["by"] == "a1001"


async def test_take_over_of_a_waiting_call_rings_a_paused_supervisor_who_pauses_again() -> None:
    router, channels = make_router()
    agent(router, "s2001", "login", mono=0.5, reason="supervising")
    call = waiting_call(router, channels, queue="bookings")
    run(router, Escalate(interaction_id="i-1", reason="threat", by="a1004"), mono=5.0)
    assert call.escalation is not None and call.phase is Phase.WAITING
    _, effects = run(router, TakeOver(interaction_id="i-1", supervisor_id="s2001",
                                      by="s2001"), mono=10.0)
    assert states(effects, "s2001") == ["READY", "RESERVED"]
    assert ami_sent(effects)[0]["Value"] == "PJSIP/2001"
    moved = events(effects, "call.transferred")[0]
    assert (moved.kind, moved.target, moved.by) == ("takeover", "s2001", "s2001")
    answer(router, channels, call, 12.0)
    effects = hangup(router, channels, channels.by_uniqueid[call.uniqueid], 20.0)
    assert states(effects, "s2001") == ["WRAP_UP"]
    assert router.engine.agent("s2001").presence.value == "NOT_READY"
