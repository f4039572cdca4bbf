"""The screen-pop: what the offer carries, and the update when the history came late."""

from __future__ import annotations

from routing_support import at, command, make_router

from cti import events as ev
from cti.calls import LiveCall
from cti.routing import Enqueue, HistoryFetched

LATE = {"available": True, "open_cases": [{"case_id": "c-1", "status": "open"}],
        "interactions": []}


def _offered(router, history):
    router.calls.add(LiveCall("i-1", "pbx1", "PJSIP/trunk-1", "1.1", caller_number="612345678"))
    command(router, "a1001", "ready")
    effects = router.process(Enqueue("i-1", "bookings", {}, 0, {}, history), at(1.0))
    return next(e for e in effects if isinstance(e, ev.CallOffered))


def test_the_offer_carries_the_history_fetched_at_enqueue() -> None:
    offered = _offered(make_router(), LATE)
    assert offered.screen_pop["history"] == LATE
    assert offered.screen_pop["caller_number"] == "612345678"


def test_a_history_that_came_late_is_sent_as_an_update_of_the_pop() -> None:
    router = make_router()
    offered = _offered(router, {"available": False, "open_cases": [], "interactions": []})
    assert offered.screen_pop["history"]["available"] is False
    effects = router.process(HistoryFetched("i-1", LATE), at(1.2))
    (update,) = [e for e in effects if isinstance(e, ev.ScreenPopUpdated)]
    assert update.screen_pop["history"] == LATE and update.agent_id == offered.agent_id
    assert router.process(HistoryFetched("i-gone", LATE), at(1.3)) == []
