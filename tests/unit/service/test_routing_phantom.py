"""A failed offer whose caller channel does not exist (issue 12, "The telephony side
under attack"): anyone who reaches FastAGI could once enqueue a phantom call; each
offer's Redirect then failed with "No such channel" and every eligible agent went
NOT_READY(unavailable) for good while the phantom stayed queued. The call is at
fault, not the agent: it ends as lost and the agent keeps its state."""

from __future__ import annotations

from routing_support import at, command, make_router

from cti.ami import events as ami
from cti.calls import LiveCall, Phase
from cti.routing import Enqueue
from cti.routing.items import OfferNotDelivered


def _queued(router, known: set[str]) -> LiveCall:
    router.find_channel = lambda node, uniqueid: (
        ami.ChannelSnapshot(node, uniqueid, uniqueid, "PJSIP/trunk-00000001", "PJSIP/trunk", 6)
        if uniqueid in known else None)
    call = LiveCall("i-1", "pbx1", "PJSIP/trunk-00000001", "1795441147.1",
                    caller_number="5551234")
    router.calls.add(call)
    command(router, "a1001", "ready")
    router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(1.0))
    assert call.phase is Phase.RINGING and call.agent_id == "a1001"
    return call


def test_a_failed_offer_to_a_phantom_call_ends_the_call_not_the_agents_readiness() -> None:
    router = make_router()
    call = _queued(router, known=set())                     # no Asterisk has it
    effects = router.process(
        OfferNotDelivered("i-1", "a1001", "Channel specified does not exist"), at(1.2))
    failed = [e for e in effects if getattr(e, "TYPE", "") == "call.offer_failed"]
    assert [e.reason for e in failed] == ["caller-left"]
    ended = [e for e in effects if getattr(e, "TYPE", "") == "call.ended"]
    assert [e.outcome for e in ended] == ["lost"]
    assert router.engine.agent("a1001").state.value == "READY"
    moves = [(e.previous, e.state) for e in effects
             if getattr(e, "TYPE", "") == "agent.state_changed"]
    assert moves == [("RESERVED", "READY")]                 # freed, not NOT_READY
    assert call.phase is Phase.ENDED and router.calls.get(call.interaction_id) is None


def test_a_failed_offer_of_a_real_call_still_counts_against_the_agent() -> None:
    router = make_router()
    _queued(router, known={"1795441147.1"})                 # the caller is there
    router.process(OfferNotDelivered("i-1", "a1001", "Permission denied"), at(1.2))
    agent = router.engine.agent("a1001")
    assert (agent.state.value, agent.reason) == ("NOT_READY", "unavailable")
