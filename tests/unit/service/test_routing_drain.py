"""SIGTERM's drain at the routing step: the engine holds its offers (the public
command restore uses), so a caller arriving meanwhile waits in its place and no
READY agent is flipped to NOT_READY or left RESERVED."""

from __future__ import annotations

from routing_support import at, command, event_types, make_router

from cti.calls import LiveCall
from cti.routing import Enqueue


def test_a_caller_arriving_during_the_drain_waits_and_agents_stay_ready() -> None:
    router = make_router()
    command(router, "a1001", "ready")
    router.draining = True
    router.engine.hold_offers(1.0)  # what Service.stop does in the routing loop
    router.calls.add(LiveCall("i-1", "pbx1", "PJSIP/trunk-1", "1.1", caller_number="612345678"))
    effects = router.process(Enqueue("i-1", "bookings", {}, 0, {}), at(2.0))
    assert "call.queued" in event_types(effects)
    assert "call.offered" not in event_types(effects)
    assert "agent.state_changed" not in event_types(effects)
    assert router.engine.agent("a1001").state.value == "READY"
    released = router.engine.release_offers(3.0)  # a restart that keeps the engine
    assert any(type(d).__name__ == "Offer" for d in released)
