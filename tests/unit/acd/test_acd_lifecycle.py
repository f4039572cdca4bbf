"""Configuration checks, invalid events, live reconfiguration, crash recovery."""

from __future__ import annotations

import copy

import pytest
from acd_helpers import build, offers

from acd import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentSpec,
    AgentState,
    AgentStateChanged,
    CallAbandoned,
    CallArrived,
    CallbackRequested,
    CallEnded,
    CallRemoved,
    CallTransferred,
    ConfigInvalid,
    DeviceStateChanged,
    DuplicateCall,
    EscalationStep,
    InvalidCallState,
    InvalidEvent,
    InvalidTransition,
    NoSuchOffer,
    OfferAnswered,
    OfferFailed,
    QueueSpec,
    UnknownAgent,
    UnknownCall,
    UnknownEvent,
    UnknownQueue,
    WrapUpDone,
)
from acd.engine import Engine

# ---------------------------------------------------------------- config


@pytest.mark.parametrize(("make", "words"), [
    (lambda: QueueSpec("q", {"x": 11}), "level is 0 to 10"),
    (lambda: QueueSpec("q", strategy="fastest"), "strategy 'fastest'"),
    (lambda: QueueSpec("q", exit="overflow"), "exit 'overflow'"),
    (lambda: QueueSpec("q", exit="pager"), "exit 'pager'"),
    (lambda: QueueSpec("q", ring_timeout=0), "ring_timeout"),
    (lambda: EscalationStep(10, "lower", skill="x"), "level 0 to 10"),
    (lambda: EscalationStep(10, "teleport"), "action 'teleport'"),
    (lambda: AgentSpec("a", capacity={"fax": 1}), "unknown channel 'fax'"),
    (lambda: AgentSpec("a", capacity={"voice": 2}), "a phone takes one call"),
    (lambda: Engine([QueueSpec("q"), QueueSpec("q")], []), "defined twice"),
    (lambda: Engine([QueueSpec("q", exit="overflow:z")], []), "overflow:z names no defined"),
    (lambda: Engine([QueueSpec("q", escalation=(EscalationStep(1, "overflow", queue="q"),))],
                    []), "names no other defined queue"),
    (lambda: Engine([QueueSpec("q")], [AgentSpec("a", queues=("z",))]), "queue 'z'"),
])
def test_invalid_configuration_is_refused_with_a_clear_message(make, words):
    with pytest.raises(ConfigInvalid, match=words):
        make()


# ---------------------------------------------------------- invalid events


def _floor():
    e = build([QueueSpec("s")], [AgentSpec("a"), AgentSpec("b")], ready=["a"])
    e.handle(CallArrived("ringing", "s"), 1)                # -> a
    e.handle(CallArrived("waiting", "s"), 2)
    return e


def _state(e):
    return (e.stats(10), [e.agent(x) for x in e.agent_ids()], [e.call(c) for c in e.call_ids()],
            e.next_deadline(), {q: e.waiting(q) for q in e.queue_specs()},
            e.all_queue_figures(), e.all_agent_figures())


@pytest.mark.parametrize(("event", "error", "words"), [
    (AgentReady("ghost"), UnknownAgent, "no agent with id 'ghost'"),
    (AgentLoggedIn("a"), InvalidTransition, "agent a: AgentLoggedIn not allowed in state READY"),
    (AgentLoggedOut("b"), InvalidTransition, "AgentLoggedOut not allowed in state LOGGED_OUT"),
    (AgentNotReady("b"), InvalidTransition, "state LOGGED_OUT"),
    (WrapUpDone("a"), InvalidTransition, "WrapUpDone not allowed in state RESERVED"),
    (DeviceStateChanged("a", "ringing"), InvalidEvent, "device state 'ringing'"),
    (CallArrived("waiting", "s"), DuplicateCall, "already in the engine"),
    (CallArrived("new", "nowhere"), UnknownQueue, "no queue named 'nowhere'"),
    (CallArrived("new", "s", channel="fax"), InvalidEvent, "channel 'fax'"),
    (CallArrived("new", "s", extra_skills={"x": 99}), InvalidEvent, "0 to 10"),
    (OfferAnswered("waiting", "a"), NoSuchOffer, "the call is WAITING"),
    (OfferAnswered("ringing", "b"), NoSuchOffer, "it rings on agent 'a'"),
    (OfferAnswered("ghost", "a"), NoSuchOffer, "not in the engine"),
    (OfferFailed("ringing", "a", "bored"), InvalidEvent, "reason 'bored'"),
    (CallEnded("waiting"), InvalidCallState, "CallAbandoned"),
    (CallEnded("ghost"), UnknownCall, "no call with id 'ghost'"),
    (CallTransferred("ringing", "s"), InvalidCallState, "state OFFERED"),
    (CallbackRequested("ringing"), InvalidCallState, "CallbackRequested"),
    (CallAbandoned("ghost"), UnknownCall, "ghost"),
    (CallRemoved("ghost"), UnknownCall, "ghost"),
    ("not an event", UnknownEvent, "str is not an acd event"),
])
def test_invalid_event_raises_and_leaves_the_engine_unchanged(event, error, words):
    e = _floor()
    before = _state(e)
    rng_before = copy.deepcopy(e._rng.getstate())
    with pytest.raises(error, match=words):
        e.handle(event, 5)
    assert _state(e) == before
    assert e._rng.getstate() == rng_before


def test_talking_call_cannot_be_abandoned_or_removed():
    e = _floor()
    e.handle(OfferAnswered("ringing", "a"), 3)
    with pytest.raises(InvalidCallState, match="CallEnded"):
        e.handle(CallAbandoned("ringing"), 4)
    with pytest.raises(InvalidCallState):
        e.handle(CallRemoved("ringing"), 4)


def test_same_events_give_the_same_decisions():
    def run():
        e = build([QueueSpec("s", strategy="random")], [AgentSpec(f"a{i}") for i in range(5)],
                  ready=[f"a{i}" for i in range(5)], seed=3)
        return [e.handle(CallArrived(f"c{i}", "s"), i) for i in range(7)]
    assert run() == run()


# ------------------------------------------------------------- reconfigure


def test_reconfigure_keeps_calls_offers_and_states():
    e = build([QueueSpec("s"), QueueSpec("t")], [AgentSpec("a"), AgentSpec("b")],
              ready=["a", "b"])
    e.handle(CallArrived("c1", "s"), 1)              # rings on a
    e.handle(OfferAnswered("c1", "a"), 2)
    e.handle(AgentNotReady("b", "training"), 3)
    d = e.reconfigure([QueueSpec("s", ring_timeout=5), QueueSpec("t")],
                      [AgentSpec("a"), AgentSpec("b"), AgentSpec("c")], 4)
    assert d == []
    assert e.agent("a").state is AgentState.ON_CALL
    assert e.agent("b").reason == "training" and e.agent("c").state is AgentState.LOGGED_OUT
    offer = offers(e.handle(CallArrived("c2", "s"), 5)) + offers(
        e.handle(AgentLoggedIn("c", ready=True), 5))
    assert offer == [("c2", "c")]


def test_reconfigure_new_skills_take_effect_at_once():
    e = build([QueueSpec("b", {"billing": 5})], [AgentSpec("a", {"billing": 1}, queues=("b",))],
              ready=["a"])
    e.handle(CallArrived("c1", "b"), 0)
    d = e.reconfigure([QueueSpec("b", {"billing": 5})],
                      [AgentSpec("a", {"billing": 6}, queues=("b",))], 1)
    assert offers(d) == [("c1", "a")]


def test_removed_agent_finishes_its_call_then_disappears():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a"), AgentSpec("b")],
              ready=["a", "b"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 1)
    d = e.reconfigure([QueueSpec("s", wrapup_time=0)], [], 2)
    assert d == [AgentStateChanged("b", AgentState.READY, AgentState.LOGGED_OUT, None, 2)]
    assert e.agent_ids() == ["a"] and e.agent("a").retiring
    e.handle(CallArrived("c2", "s"), 3)
    assert e.call("c2").agent_id is None                 # a retiring agent gets no offer
    d = e.handle(CallEnded("c1"), 4)
    assert d[-1].new is AgentState.LOGGED_OUT
    assert e.agent_ids() == []


def test_removed_queue_drains_its_waiting_calls():
    e = build([QueueSpec("old"), QueueSpec("new")], [AgentSpec("a", queues=("old",))])
    e.handle(CallArrived("c1", "old"), 0)
    e.reconfigure([QueueSpec("new")], [AgentSpec("a", queues=("new",))], 1)
    assert e.stats(1).queues["old"].draining
    with pytest.raises(UnknownQueue, match="draining"):
        e.handle(CallArrived("c2", "old"), 2)
    assert offers(e.handle(AgentLoggedIn("a", ready=True), 3)) == [("c1", "a")]
    e.handle(CallAbandoned("c1"), 4)
    e.reconfigure([QueueSpec("new")], [AgentSpec("a", queues=("new",))], 5)
    assert "old" not in e.queue_specs()


def test_reconfigure_drops_an_agent_with_the_queue_it_was_listed_in():
    e = build([QueueSpec("s"), QueueSpec("t")], [AgentSpec("a"), AgentSpec("c", queues=("t",))],
              ready=["a", "c"])
    e.reconfigure([QueueSpec("s")], [AgentSpec("a")], 1)
    assert e.agent_ids() == ["a"] and list(e.queue_specs()) == ["s"]


def test_reconfigure_refuses_an_inconsistent_configuration_and_changes_nothing():
    e = build([QueueSpec("s")], [AgentSpec("a")], ready=["a"])
    with pytest.raises(ConfigInvalid):
        e.reconfigure([QueueSpec("s")], [AgentSpec("a", queues=("zzz",))], 1)
    assert offers(e.handle(CallArrived("c1", "s"), 2)) == [("c1", "a")]


# ---------------------------------------------------------------- restore


def test_restore_puts_back_states_and_order_and_offers_only_on_resume():
    q = QueueSpec("s", wrapup_time=30)
    agents = [AgentSpec("ready"), AgentSpec("paused"), AgentSpec("talking"),
              AgentSpec("wrapping")]
    e = Engine([q], agents)
    e.restore_agent("ready", AgentState.READY, 100, since=90)
    e.restore_agent("paused", AgentState.NOT_READY, 100, reason="lunch")
    e.restore_agent("talking", AgentState.ON_CALL, 100)
    e.restore_call("t1", "s", 100, arrived_at=50, agent_id="talking", answered_at=60)
    e.restore_agent("wrapping", AgentState.WRAP_UP, 100, wrap_until=110, wrap_queue="s")
    e.restore_call("w2", "s", 100, arrived_at=80)
    e.restore_call("w1", "s", 100, arrived_at=70)
    e.restore_call("vip", "s", 100, arrived_at=95, priority=9)
    assert e.waiting("s") == ["vip", "w1", "w2"]
    assert e.agent("talking").state is AgentState.ON_CALL
    assert e.agent("paused").reason == "lunch"
    assert e.agent("ready").since == 90
    assert e.call("t1").state.value == "TALKING"
    d = e.resume(100)
    assert offers(d) == [("vip", "ready")]
    d = e.tick(110)
    assert d[0] == AgentStateChanged("wrapping", AgentState.WRAP_UP, AgentState.READY, None, 110)
    assert offers(d) == [("w1", "wrapping")]
    e.handle(CallEnded("t1"), 120)
    assert e.stats(120).queues["s"].aht == pytest.approx(60 + 10)   # talk 60, wrap 100..110


def test_handle_during_restore_makes_no_offer_until_resume():
    e = Engine([QueueSpec("s")], [AgentSpec("a")])
    e.restore_call("c1", "s", 0, arrived_at=0)
    assert offers(e.handle(AgentLoggedIn("a", ready=True), 1)) == []
    assert offers(e.resume(2)) == [("c1", "a")]


def test_ringing_state_cannot_be_restored():
    e = Engine([QueueSpec("s")], [AgentSpec("a")])
    with pytest.raises(InvalidTransition, match="RESERVED"):
        e.restore_agent("a", AgentState.RESERVED, 0)
