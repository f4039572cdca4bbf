"""hold_offers / release_offers: a graceful shutdown stops the offers, and only them."""

from __future__ import annotations

from acd_helpers import build, kinds, offers

from acd import (
    AgentLoggedIn,
    AgentNotReady,
    AgentSpec,
    AgentState,
    CallAbandoned,
    CallArrived,
    EscalationStep,
    OfferFailed,
    QueueSpec,
)


def _floor(**queue):
    q = QueueSpec("s", {"x": 1}, strategy="most_skilled", **queue)
    agents = [AgentSpec("low", {"x": 2}), AgentSpec("high", {"x": 9}), AgentSpec("mid", {"x": 5})]
    return build([q], agents)


def test_nothing_is_offered_while_held_and_agents_keep_their_state():
    e = _floor()
    e.handle(AgentLoggedIn("low", ready=True), 0)
    e.hold_offers(1)
    assert e.held_since == 1
    d = e.handle(CallArrived("c1", "s"), 2)
    assert kinds(d) == ["CallQueued"]
    d = e.handle(AgentLoggedIn("high", ready=True), 3) + e.tick(50)
    assert offers(d) == []
    assert e.agent("low").state is AgentState.READY            # not flipped to NOT_READY
    assert e.agent("high").state is AgentState.READY
    assert e.waiting("s") == ["c1"]
    assert e.call("c1").arrived_at == 2


def test_release_offers_the_waiting_calls_in_routing_order_to_the_best_agents():
    e = _floor()
    e.hold_offers(0)
    e.handle(CallArrived("late", "s"), 3)
    e.handle(CallArrived("early", "s", arrived_at=1), 5)      # arrived first elsewhere
    e.handle(CallArrived("vip", "s", priority=5), 6)
    for agent_id in ("low", "mid", "high"):                    # 'low' frees up first
        e.handle(AgentLoggedIn(agent_id, ready=True), 7)
    assert e.waiting("s") == ["vip", "early", "late"]
    d = e.release_offers(8)
    # Each call, best first, takes the most skilled free agent (not the first agent free).
    assert offers(d) == [("vip", "high"), ("early", "mid"), ("late", "low")]
    assert e.held_since is None
    assert e.release_offers(9) == []                          # no hold: nothing to do


def test_a_call_keeps_its_place_through_a_failed_offer_during_the_hold():
    e = _floor()
    e.handle(AgentLoggedIn("low", ready=True), 0)
    e.handle(CallArrived("c1", "s"), 1)                       # rings on low
    e.handle(CallArrived("c2", "s"), 2)
    e.hold_offers(3)
    d = e.handle(OfferFailed("c1", "low", "no-answer"), 4)
    assert offers(d) == []
    assert e.waiting("s") == ["c1", "c2"]
    e.handle(AgentLoggedIn("mid", ready=True), 5)
    assert offers(e.release_offers(6)) == [("c1", "mid")]


def test_queues_still_escalate_exit_and_abandon_while_held():
    e = _floor(max_wait=30, exit="voicemail", max_length=2,
               escalation=(EscalationStep(10, "priority", priority=2),))
    e.handle(AgentLoggedIn("low", ready=True), 0)
    e.hold_offers(0)
    e.handle(CallArrived("c1", "s"), 1)
    e.handle(CallArrived("c2", "s"), 2)
    d = e.handle(CallArrived("c3", "s"), 3)
    assert [(x.call_id, x.reason) for x in d if type(x).__name__ == "QueueExit"] == [
        ("c3", "full")]
    assert "Escalated" in kinds(e.tick(12))
    e.handle(CallAbandoned("c2"), 13)
    d = e.tick(31)
    assert [(x.call_id, x.reason) for x in d if type(x).__name__ == "QueueExit"] == [
        ("c1", "max-wait")]
    assert offers(d) == []


def test_hold_is_idempotent_and_survives_a_restore():
    e = _floor()
    e.hold_offers(1)
    e.hold_offers(2)
    assert e.held_since == 1
    e.restore_agent("low", AgentState.READY, 3)
    e.restore_call("c1", "s", 3, arrived_at=0)
    assert offers(e.resume(4)) == []                          # still held
    e.handle(AgentNotReady("low", "lunch"), 5)
    e.handle(AgentLoggedIn("mid", ready=True), 5)
    assert offers(e.release_offers(6)) == [("c1", "mid")]


def test_release_during_a_restore_leaves_the_offers_to_resume():
    e = _floor()
    e.hold_offers(0)
    e.restore_agent("low", AgentState.READY, 1)
    e.restore_call("c1", "s", 1, arrived_at=0)
    assert e.release_offers(2) == []
    assert offers(e.resume(3)) == [("c1", "low")]
