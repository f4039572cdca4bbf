"""Routing rules of the engine: who gets which call, and when."""

from __future__ import annotations

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
    CallQueued,
    CallRemoved,
    CallTransferred,
    DeviceState,
    DeviceStateChanged,
    NoAnswerPolicy,
    Offer,
    OfferAnswered,
    OfferFailed,
    QueueSpec,
    WrapUpDone,
)

Q = QueueSpec("sales", wrapup_time=10)


def talk(engine, call_id, agent_id, at, end_at):
    engine.handle(OfferAnswered(call_id, agent_id), at)
    return engine.handle(CallEnded(call_id), end_at)


# ---------------------------------------------------------------- strategies


def test_longest_idle_picks_the_agent_free_for_longest():
    e = build([Q], [AgentSpec("a"), AgentSpec("b"), AgentSpec("c")])
    e.handle(AgentLoggedIn("b", ready=True), 1)
    e.handle(AgentLoggedIn("c", ready=True), 2)
    e.handle(AgentLoggedIn("a", ready=True), 3)
    assert offers(e.handle(CallArrived("c1", "sales"), 10)) == [("c1", "b")]
    assert offers(e.handle(CallArrived("c2", "sales"), 11)) == [("c2", "c")]


def test_fewest_calls_picks_the_agent_with_fewest_answered_in_that_queue():
    q = QueueSpec("sales", strategy="fewest_calls", wrapup_time=0)
    e = build([q], [AgentSpec("a"), AgentSpec("b")], ready=["a", "b"])
    e.handle(CallArrived("c1", "sales"), 1)                 # a idle longest (tie -> id)
    talk(e, "c1", "a", 2, 3)                                # a: 1 call, ready again at 3
    assert offers(e.handle(CallArrived("c2", "sales"), 4)) == [("c2", "b")]
    talk(e, "c2", "b", 5, 6)
    e.handle(AgentNotReady("b"), 6.5)
    e.handle(CallArrived("c3", "sales"), 7)
    talk(e, "c3", "a", 8, 9)                                # a: 2 calls, b: 1
    e.handle(AgentReady("b"), 9.5)
    assert offers(e.handle(CallArrived("c4", "sales"), 10)) == [("c4", "b")]


def test_most_skilled_picks_the_highest_proficiency_on_required_skills():
    q = QueueSpec("billing", {"billing": 3}, strategy="most_skilled")
    agents = [AgentSpec("low", {"billing": 4}), AgentSpec("high", {"billing": 9}),
              AgentSpec("mid", {"billing": 6})]
    e = build([q], agents, ready=["low", "high", "mid"])
    assert offers(e.handle(CallArrived("c1", "billing"), 1)) == [("c1", "high")]
    assert offers(e.handle(CallArrived("c2", "billing"), 1)) == [("c2", "mid")]


def test_round_robin_goes_on_after_the_last_agent_offered():
    q = QueueSpec("rr", strategy="round_robin", wrapup_time=0)
    agents = [AgentSpec(x, queues=("rr",)) for x in "abc"]
    e = build([q], agents, ready=["c", "b", "a"])
    got = []
    for i in range(6):
        d = e.handle(CallArrived(f"c{i}", "rr"), i)
        (call_id, agent_id), = offers(d)
        got.append(agent_id)
        talk(e, call_id, agent_id, i + 0.1, i + 0.2)
    assert got == ["a", "b", "c", "a", "b", "c"]


def test_random_strategy_is_reproducible_with_the_same_seed():
    q = QueueSpec("r", strategy="random", wrapup_time=0)

    def run(seed):
        e = build([q], [AgentSpec(f"a{i}") for i in range(8)],
                  ready=[f"a{i}" for i in range(8)], seed=seed)
        picks = []
        for i in range(10):
            (call_id, agent_id), = offers(e.handle(CallArrived(f"c{i}", "r"), i))
            picks.append(agent_id)
            talk(e, call_id, agent_id, i + 0.1, i + 0.2)
        return picks

    assert run(7) == run(7)
    assert len({tuple(run(s)) for s in range(5)}) > 1


# ------------------------------------------------------------------ ordering


def test_higher_priority_first_then_fifo_by_original_arrival():
    e = build([Q], [AgentSpec("a")])
    e.handle(CallArrived("late-vip", "sales", priority=5, arrived_at=30), 30)
    e.handle(CallArrived("early", "sales", arrived_at=10), 31)
    e.handle(CallArrived("earliest", "sales", arrived_at=5), 32)    # restored from the IVR
    e.handle(CallArrived("vip", "sales", priority=5, arrived_at=20), 33)
    assert e.waiting("sales") == ["vip", "late-vip", "earliest", "early"]
    assert [e.position(c) for c in e.waiting("sales")] == [1, 2, 3, 4]
    assert offers(e.handle(AgentLoggedIn("a", ready=True), 40)) == [("vip", "a")]


def test_same_arrival_time_breaks_ties_on_call_id():
    e = build([Q], [AgentSpec("a")])
    e.handle(CallArrived("b", "sales"), 1)
    e.handle(CallArrived("a", "sales"), 1)
    assert e.waiting("sales") == ["a", "b"]


def test_call_queued_reports_the_position():
    e = build([Q], [AgentSpec("a")])
    e.handle(CallArrived("c1", "sales"), 1)
    d = e.handle(CallArrived("c0", "sales", arrived_at=0), 2)
    assert d == [CallQueued("c0", "sales", 1)]


# -------------------------------------------------------- work conservation


def test_agent_becoming_ready_takes_the_oldest_call_it_is_skilled_for():
    q = QueueSpec("support", {"tech": 1})
    e = build([q], [AgentSpec("a", {"tech": 2}, queues=("support",))])
    e.handle(CallArrived("needs-5", "support", extra_skills={"tech": 5}), 1)
    e.handle(CallArrived("needs-2", "support", extra_skills={"tech": 2}), 2)
    assert offers(e.handle(AgentLoggedIn("a", ready=True), 3)) == [("needs-2", "a")]


def test_skills_short_agent_is_never_offered():
    q = QueueSpec("billing", {"billing": 3, "spanish": 1})
    agents = [AgentSpec("es", {"billing": 2, "spanish": 5}, queues=("billing",)),
              AgentSpec("en", {"billing": 9}, queues=("billing",))]
    e = build([q], agents, ready=["es", "en"])
    assert offers(e.handle(CallArrived("c1", "billing"), 1)) == []
    assert e.position("c1") == 1


def test_skills_override_replaces_queue_requirements():
    q = QueueSpec("billing", {"billing": 3})
    e = build([q], [AgentSpec("a", {"vip": 1}, queues=("billing",))], ready=["a"])
    assert offers(e.handle(CallArrived("c1", "billing", skills={"vip": 1}), 1)) == [("c1", "a")]


def test_agent_with_no_queue_list_serves_queues_its_skills_fit():
    qs = [QueueSpec("billing", {"billing": 3}), QueueSpec("tech", {"tech": 1})]
    e = build(qs, [AgentSpec("a", {"billing": 4})], ready=["a"])
    assert e.agent("a").queues == ("billing",)
    assert offers(e.handle(CallArrived("t", "tech"), 1)) == []
    assert offers(e.handle(CallArrived("b", "billing"), 2)) == [("b", "a")]


# ------------------------------------------------------------ one at a time


def test_agent_holds_one_offer_and_call_rings_on_one_agent():
    e = build([Q], [AgentSpec("a"), AgentSpec("b")], ready=["a", "b"])
    d1 = e.handle(CallArrived("c1", "sales"), 1)
    d2 = e.handle(CallArrived("c2", "sales"), 1)
    d3 = e.handle(CallArrived("c3", "sales"), 1)
    assert offers(d1) == [("c1", "a")] and offers(d2) == [("c2", "b")] and offers(d3) == []
    assert e.agent("a").state is AgentState.RESERVED


def test_chat_agent_takes_several_chats_one_offer_at_a_time():
    q = QueueSpec("web", wrapup_time=0)
    e = build([q], [AgentSpec("a", capacity={"chat": 2})], ready=["a"])
    assert offers(e.handle(CallArrived("c1", "web", channel="chat"), 1)) == [("c1", "a")]
    assert offers(e.handle(CallArrived("c2", "web", channel="chat"), 1)) == []
    assert offers(e.handle(OfferAnswered("c1", "a"), 2)) == [("c2", "a")]
    e.handle(OfferAnswered("c2", "a"), 3)
    assert offers(e.handle(CallArrived("c3", "web", channel="chat"), 4)) == []
    assert e.agent("a").load["chat"] == 2
    assert offers(e.handle(CallEnded("c1"), 5)) == [("c3", "a")]


def test_voice_call_is_not_offered_to_chat_only_agent():
    e = build([Q], [AgentSpec("a", capacity={"chat": 3})], ready=["a"])
    assert offers(e.handle(CallArrived("c1", "sales"), 1)) == []


# ------------------------------------------------------------------- device


@pytest.mark.parametrize("device", [DeviceState.IN_USE, DeviceState.UNAVAILABLE])
def test_agent_whose_phone_is_busy_or_unregistered_is_never_offered(device):
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(DeviceStateChanged("a", device), 1)
    assert offers(e.handle(CallArrived("c1", "sales"), 2)) == []
    assert offers(e.handle(DeviceStateChanged("a", DeviceState.AVAILABLE), 3)) == [("c1", "a")]


def test_busy_phone_does_not_block_chats():
    e = build([Q], [AgentSpec("a", capacity={"voice": 1, "chat": 1})], ready=["a"])
    e.handle(DeviceStateChanged("a", "in_use"), 1)
    assert offers(e.handle(CallArrived("c1", "sales", channel="chat"), 2)) == [("c1", "a")]


# ---------------------------------------------------------------- no answer


def test_no_answer_sets_agent_not_ready_and_requeues_at_head_keeping_arrival_time():
    e = build([Q], [AgentSpec("a"), AgentSpec("b")], ready=["a"])
    e.handle(CallArrived("c1", "sales", arrived_at=0), 1)
    e.handle(CallArrived("c2", "sales", arrived_at=2), 2)
    d = e.handle(OfferFailed("c1", "a", "no-answer"), 20)
    assert AgentStateChanged("a", AgentState.RESERVED, AgentState.NOT_READY, "no-answer", 20) in d
    assert CallQueued("c1", "sales", 1) in d
    assert e.waiting("sales") == ["c1", "c2"]
    assert e.call("c1").arrived_at == 0
    assert offers(e.handle(AgentLoggedIn("b", ready=True), 21)) == [("c1", "b")]


@pytest.mark.parametrize("reason", ["busy", "unavailable", "rejected"])
def test_failed_offer_reason_becomes_the_not_ready_reason(reason):
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    e.handle(OfferFailed("c1", "a", reason), 2)
    assert e.agent("a").reason == reason


def test_policy_keeps_agent_ready_but_skips_it_for_that_call_for_a_while():
    q = QueueSpec("sales", no_answer=NoAnswerPolicy(not_ready=False, reoffer_delay=30))
    e = build([q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    d = e.handle(OfferFailed("c1", "a"), 5)
    assert offers(d) == []
    assert e.agent("a").state is AgentState.READY
    assert offers(e.handle(CallArrived("c2", "sales"), 6)) == [("c2", "a")]
    e.handle(OfferFailed("c2", "a"), 7)
    assert e.next_deadline() == 35
    assert offers(e.tick(35)) == [("c1", "a")]


# ------------------------------------------------------------------ wrap-up


def test_wrap_up_for_the_queue_time_then_ready():
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    d = talk(e, "c1", "a", 2, 60)
    assert d == [AgentStateChanged("a", AgentState.ON_CALL, AgentState.WRAP_UP, None, 60)]
    e.handle(CallArrived("c2", "sales"), 61)
    assert e.next_deadline() == 70
    assert e.tick(69.9) == []
    d = e.tick(70)
    assert d[0] == AgentStateChanged("a", AgentState.WRAP_UP, AgentState.READY, None, 70)
    assert offers(d) == [("c2", "a")]


def test_disposition_ends_wrap_up_early():
    e = build([QueueSpec("s", wrapup_time=None)], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 1)
    talk(e, "c1", "a", 2, 3)
    assert e.next_deadline() is None
    assert e.agent("a").state is AgentState.WRAP_UP
    d = e.handle(WrapUpDone("a", "sold"), 40)
    assert d[-1].new is AgentState.READY


def test_zero_wrap_up_goes_straight_back_to_ready():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 1)
    d = talk(e, "c1", "a", 2, 3)
    assert [x.new for x in d] == [AgentState.READY]


def test_not_ready_during_call_applies_after_the_wrap_up():
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    e.handle(OfferAnswered("c1", "a"), 2)
    assert e.handle(AgentNotReady("a", "lunch"), 3) == []
    e.handle(CallEnded("c1"), 4)
    d = e.tick(14)
    assert d == [AgentStateChanged("a", AgentState.WRAP_UP, AgentState.NOT_READY, "lunch", 14)]


def test_logout_during_call_applies_after_the_call():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 1)
    e.handle(OfferAnswered("c1", "a"), 2)
    e.handle(AgentLoggedOut("a"), 3)
    assert e.agent("a").state is AgentState.ON_CALL
    d = e.handle(CallEnded("c1"), 4)
    assert d[-1].new is AgentState.LOGGED_OUT


# ---------------------------------------------------------------- call ends


def test_abandon_while_ringing_frees_the_agent_for_the_next_call():
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    e.handle(CallArrived("c2", "sales"), 2)
    d = e.handle(CallAbandoned("c1"), 3)
    assert offers(d) == [("c2", "a")]
    assert "c1" not in e.call_ids()


def test_abandon_while_waiting_leaves_the_queue():
    e = build([Q], [AgentSpec("a")])
    e.handle(CallArrived("c1", "sales"), 1)
    e.handle(CallArrived("c2", "sales"), 2)
    e.handle(CallAbandoned("c1"), 3)
    assert e.waiting("sales") == ["c2"] and e.position("c2") == 1


def test_removed_call_frees_its_ringing_agent():
    e = build([Q], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "sales"), 1)
    d = e.handle(CallRemoved("c1", "voicemail"), 2)
    assert d[-1].new is AgentState.READY


def test_transfer_to_queue_wraps_up_agent_and_requeues_the_call():
    qs = [QueueSpec("sales", wrapup_time=5), QueueSpec("support", {"tech": 1})]
    agents = [AgentSpec("s1", queues=("sales",)), AgentSpec("t1", {"tech": 3})]
    e = build(qs, agents, ready=["s1", "t1"])
    e.handle(CallArrived("c1", "sales"), 1)
    e.handle(OfferAnswered("c1", "s1"), 2)
    d = e.handle(CallTransferred("c1", "support", priority=3), 30)
    assert d[0].new is AgentState.WRAP_UP
    assert CallQueued("c1", "support", 1) in d
    assert offers(d) == [("c1", "t1")]
    assert e.call("c1").priority == 3 and e.call("c1").queue == "support"


def test_callback_keeps_its_place_and_is_offered_as_a_callback():
    e = build([QueueSpec("s", max_wait=60, exit="voicemail")], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s"), 1)
    e.handle(CallArrived("c2", "s"), 2)
    assert e.handle(CallbackRequested("c1"), 3) == []
    assert e.waiting("s") == ["c1", "c2"]
    d = e.tick(62)                                      # c2 exits, c1 (callback) stays
    assert [x.call_id for x in d] == ["c2"]
    offer, = [x for x in e.handle(AgentLoggedIn("a", ready=True), 70) if isinstance(x, Offer)]
    assert offer.callback and offer.call_id == "c1"


def test_offer_carries_ring_timeout_channel_and_attributes():
    e = build([QueueSpec("s", ring_timeout=15)], [AgentSpec("a")], ready=["a"])
    d = e.handle(CallArrived("c1", "s", attributes={"customer": "42"}), 1)
    offer = next(x for x in d if isinstance(x, Offer))
    assert (offer.ring_timeout, offer.channel, offer.queue, offer.attempt) == (15, "voice", "s", 1)
    assert offer.attributes == {"customer": "42"}
