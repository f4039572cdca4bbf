"""A ring that never reports back: the routing step takes the caller back to hold."""

from __future__ import annotations

from routing_support import ami_actions, at, command, event_types, make_router

from cti.ami import events as ami
from cti.calls import LiveCall, Phase
from cti.routing import Enqueue, TimerFired


def _waiting_call(router) -> LiveCall:
    call = LiveCall("i-1", "pbx1", "PJSIP/trunk-00000001", "1795441147.1",
                    caller_number="5551234")
    router.calls.add(call)
    return call


def test_offer_timed_out_brings_the_caller_back_to_hold_and_rings_someone_else() -> None:
    router = make_router()
    call = _waiting_call(router)
    for agent_id in ("a1001", "a1008"):
        command(router, agent_id, "ready")
    effects = router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(1.0))
    first = call.agent_id
    assert call.phase is Phase.RINGING and first in ("a1001", "a1008")
    assert [(a["Action"], a.get("Context")) for a in ami_actions(effects)] == [
        ("Setvar", None), ("Setvar", None), ("Redirect", "cti-connect")]

    deadline = router.engine.next_deadline()
    effects = router.process(TimerFired(), at(deadline + 0.1))  # no dial result came
    redirects = [(a["Context"], a["Exten"]) for a in ami_actions(effects)
                 if a["Action"] == "Redirect"]
    assert redirects == [("cti-hold", "s"), ("cti-connect", "s")]
    assert router.engine.agent(first).reason == "no-answer"
    assert call.phase is Phase.RINGING and call.agent_id not in (None, first)
    assert event_types(effects).count("call.offer_failed") == 1


def _channel(name: str, uniqueid: str, device: str) -> ami.ChannelSnapshot:
    return ami.ChannelSnapshot("pbx1", uniqueid, "1795441147.1", name, device, 6)


def test_a_late_answer_from_an_agent_whose_offer_was_taken_back_is_not_taken() -> None:
    router = make_router()
    call = _waiting_call(router)
    for agent_id in ("a1001", "a1008"):
        command(router, agent_id, "ready")
    router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(1.0))
    first = call.agent_id
    router.process(TimerFired(), at(router.engine.next_deadline() + 0.1))
    second = call.agent_id
    caller = _channel(call.channel, call.uniqueid, "PJSIP/trunk")
    late = _channel(f"PJSIP/{first[1:]}-00000002", "1795441147.2", f"PJSIP/{first[1:]}")
    router.process(ami.DialEnded("pbx1", "pbx1/1795441147.1", caller, late, "ANSWER"), at(30.0))
    assert call.phase is Phase.RINGING and call.agent_id == second
    assert router.engine.agent(second).state.value == "RESERVED"
    ringing = _channel(f"PJSIP/{second[1:]}-00000003", "1795441147.3", f"PJSIP/{second[1:]}")
    router.process(ami.DialEnded("pbx1", "pbx1/1795441147.1", caller, ringing, "ANSWER"),
                   at(31.0))
    assert call.phase is Phase.TALKING
    assert router.engine.agent(second).state.value == "ON_CALL"


def test_while_offers_are_held_a_new_caller_waits_and_ready_agents_stay_ready() -> None:
    """At SIGTERM the engine holds its offers: a caller arriving during the drain waits
    in its place, and agents' states are untouched (they used to flip to
    NOT_READY('rejected') with RESERVED rows out of order)."""
    router = make_router()
    command(router, "a1001", "ready")
    router.engine.hold_offers(0.5)
    call = _waiting_call(router)
    effects = router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(1.0))
    assert ami_actions(effects) == [] and call.phase is Phase.WAITING
    assert "agent.state_changed" not in event_types(effects)
    assert router.engine.agent("a1001").state.value == "READY"


def test_a_caller_sent_to_the_fallback_leaves_the_queue_and_the_call_closes() -> None:
    router = make_router()
    call = _waiting_call(router)
    router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(1.0))  # nobody ready: waits
    assert "i-1" in router.engine.call_ids()
    effects = router.process(ami.UserEventReceived(
        "pbx1", "CTIFallback", {"Interaction": "i-1", "Reason": "hold-limit"}, None), at(9.0))
    (ended,) = [e for e in effects if getattr(e, "TYPE", "") == "call.ended"]
    assert ended.outcome == "fallback" and call.phase is Phase.ENDED
    assert "i-1" not in router.engine.call_ids()
