"""Click-to-dial and scheduled callbacks on the pure step."""

from __future__ import annotations

import uuid

import pytest
from control_support import (
    NODE,
    WALL,
    agent,
    ami_sent,
    at,
    events,
    hangup,
    kinds,
    make_router,
    run,
    states,
)

from cti.ami import events as ami
from cti.calls import Phase
from cti.records import project
from cti.routing import TimerFired
from cti.routing.errors import AgentNotFree, BadCommand, BadNumber, NoSuchCallback
from cti.routing.items import CancelCallback, Dial, ScheduleCallback
from cti.routing.outbound import callback_interaction


def _originate(router, effects):
    (sent,) = ami_sent(effects)
    assert sent["Action"] == "Originate"
    return sent


async def test_click_to_dial_originates_the_agent_into_the_outbound_context() -> None:
    router, channels = make_router()
    agent(router, "a1001")
    iid = str(uuid.uuid4())
    answer_, effects = run(router, Dial(interaction_id=iid, agent_id="a1001",
                                        number="612 34 56 78", by="a1001"), mono=5.0)
    assert answer_ == {"interaction_id": iid, "status": "ringing-agent",
                       "number": "+34612345678"}
    sent = _originate(router, effects)
    assert {k: sent[k] for k in ("Channel", "Context", "Exten", "Async")} == {
        "Channel": "PJSIP/1001", "Context": "cti-outbound", "Exten": "+34612345678",
        "Async": "true"}
    assert sent["Variable"] == [f"CTI_INTERACTION={iid}", "CTI_DIAL=PJSIP/+34612345678@trunk"]
    assert kinds(effects) == ["interaction.opened", "call.outbound_requested", "call.queued",
                              "call.offered", "agent.state_changed"]
    opened, requested = events(effects)[:2]
    assert (opened.direction, opened.caller_number) == ("outbound", "+34612345678")
    assert requested.by == "a1001" and requested.agent_id == "a1001"
    rows = [op for op in project(requested)]
    assert rows[0].table == "call_records" and rows[0].set == {"direction": "outbound"}

    # Trace 10: the agent answers (OriginateResponse), the customer answers, agent hangs up.
    call = router.calls.get(iid)
    leg = channels.add("PJSIP/1001-00000005", "PJSIP/1001", linkedid="1795000000.9")
    effects = router.process(ami.OriginateResult(NODE, sent["ActionID"], True, 4, leg.name,
                                                 leg.uniqueid, leg.call_id), at(6.0))
    assert states(effects, "a1001") == ["ON_CALL"]
    customer = channels.add("PJSIP/trunk-00000006", "PJSIP/trunk", linkedid=leg.linkedid)
    effects = router.process(ami.DialEnded(NODE, leg.call_id, leg, customer, "ANSWER"),
                             at(8.0))
    assert kinds(effects) == ["call.customer_answered"]
    effects = hangup(router, channels, leg, 20.0)
    assert kinds(effects) == ["call.agent_left", "call.ended", "agent.state_changed"]
    assert events(effects, "call.ended")[0].outcome == "answered"
    assert call.phase is Phase.ENDED


async def test_click_to_dial_from_a_pause_rings_the_agent_and_keeps_its_pause() -> None:
    router, _channels = make_router()
    agent(router, "a1001", "login", reason="outbound work")
    _, effects = run(router, Dial(interaction_id="o-1", agent_id="a1001",
                                  number="+34612345678", by="a1001"))
    assert states(effects, "a1001") == ["READY", "RESERVED"]
    assert router.engine.agent("a1001").presence.value == "NOT_READY"


async def test_click_to_dial_whose_agent_does_not_answer_ends_unanswered() -> None:
    router, _channels = make_router()
    agent(router, "a1001")
    _, effects = run(router, Dial(interaction_id="o-1", agent_id="a1001",
                                  number="+34612345678", by="a1001"))
    sent = _originate(router, effects)
    effects = router.process(ami.OriginateResult(NODE, sent["ActionID"], False, 3,
                                                 "PJSIP/1001", "", None), at(30.0))
    assert kinds(effects)[-1] == "call.ended"
    assert events(effects, "call.ended")[0].outcome == "unanswered"
    assert router.calls.get("o-1") is None and router.engine.call_ids() == []


async def test_click_to_dial_refusals() -> None:
    router, _channels = make_router()
    with pytest.raises(AgentNotFree, match="it is LOGGED_OUT"):
        run(router, Dial(interaction_id="o-1", agent_id="a1001", number="+34612345678",
                         by="a1001"))
    agent(router, "a1001")
    with pytest.raises(BadNumber, match="premium_rate"):
        run(router, Dial(interaction_id="o-1", agent_id="a1001", number="803 123 456",
                         by="a1001"))
    with pytest.raises(BadCommand, match="does not serve queue billing"):
        run(router, Dial(interaction_id="o-1", agent_id="a1001", number="+34612345678",
                         queue="billing", by="a1001"))


async def test_a_scheduled_callback_is_queued_when_due_and_made_by_its_agent() -> None:
    router, _channels = make_router()
    callback_id = str(uuid.uuid4())
    due = WALL + 3600
    _, effects = run(router, ScheduleCallback(
        callback_id=callback_id, number="612345678", due_at=due, queue="bookings",
        agent_id="a1008", note="wants a quote", interaction_id=None, by="a1001"), mono=1.0)
    (scheduled,) = events(effects)
    assert (scheduled.TYPE, scheduled.number, scheduled.due_at, scheduled.agent_id) == (
        "callback.scheduled", "+34612345678", due, "a1008")
    assert router.next_deadline(at(1.0)) == pytest.approx(3600.0)
    agent(router, "a1001", mono=2.0)        # free, but the callback is a1008's
    assert router.process(TimerFired(), at(3599.0)) == []
    effects = router.process(TimerFired(), at(3600.0))
    iid = callback_interaction(callback_id)
    assert kinds(effects) == ["interaction.opened", "callback.started", "call.queued"]
    assert events(effects)[1].interaction_id == iid
    assert router.calls.get(iid).phase is Phase.CALLBACK
    effects = agent(router, "a1008", mono=3700.0)
    (offered,) = events(effects, "call.offered")
    assert (offered.agent_id, offered.callback) == ("a1008", True)
    assert ami_sent(effects)[0]["Channel"] == "PJSIP/1008"
    assert router.next_deadline(at(3700.0)) != pytest.approx(3600.0)


async def test_cancelled_callback_is_not_made() -> None:
    router, _channels = make_router()
    callback_id = str(uuid.uuid4())
    run(router, ScheduleCallback(callback_id=callback_id, number="612345678",
                                 due_at=WALL + 60, queue="bookings", by="a1001"))
    _, effects = run(router, CancelCallback(callback_id=callback_id, by="s2001"))
    assert [(e.TYPE, e.by) for e in events(effects)] == [("callback.cancelled", "s2001")]
    with pytest.raises(NoSuchCallback):
        run(router, CancelCallback(callback_id=callback_id, by="s2001"))
    assert router.process(TimerFired(), at(100.0)) == []
