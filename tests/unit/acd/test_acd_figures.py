"""Incremental figures: per queue and agent, what changed, reset and seed."""

from __future__ import annotations

from dataclasses import fields

import pytest
from acd_helpers import build

from acd import (
    AgentCounters,
    AgentLoggedIn,
    AgentNotReady,
    AgentSpec,
    AgentState,
    CallAbandoned,
    CallArrived,
    CallEnded,
    Changes,
    DeviceState,
    DeviceStateChanged,
    EscalationStep,
    InvalidEvent,
    OfferAnswered,
    OfferFailed,
    QueueCounters,
    QueueSpec,
    UnknownAgent,
    UnknownQueue,
    WrapUpDone,
)
from acd.tally import DayCounts


def _floor():
    queues = [QueueSpec("s", sl_seconds=20, wrapup_time=None), QueueSpec("t", {"t": 1})]
    agents = [AgentSpec("a"), AgentSpec("b"), AgentSpec("c", {"t": 1}, queues=("t",))]
    return build(queues, agents, ready=["a"])


def test_queue_figures_count_calls_agents_and_the_day():
    e = _floor()
    e.handle(CallArrived("c1", "s"), 0)                   # rings on a
    e.handle(OfferAnswered("c1", "a"), 10)                # answered in 10 s
    e.handle(CallArrived("c2", "s"), 12)
    e.handle(CallArrived("c3", "s", arrived_at=5), 13)    # waits since 5
    e.handle(AgentLoggedIn("b"), 14)                      # NOT_READY(login)
    f = e.queue_figures("s")
    assert (f.waiting, f.ringing, f.oldest_entered_at) == (2, 0, 5)
    assert (f.members, f.logged_in, f.on_call, f.not_ready, f.ready) == (2, 2, 1, 1, 0)
    e.handle(CallEnded("c1"), 70)                         # talk 60, wrap-up until the disposition
    e.handle(WrapUpDone("a"), 80)                         # wrap 10; takes c3 (oldest)
    e.handle(CallAbandoned("c2"), 100)                    # after 88 s: late
    f = e.queue_figures("s")
    assert (f.waiting, f.ringing, f.oldest_entered_at, f.reserved) == (0, 1, None, 1)
    assert f.counters == QueueCounters(offered=3, answered=1, abandoned=1, answered_in_sl=1,
                                       abandoned_after_sl=1, wait_time=10, talks=1,
                                       talk_time=60, wrap_ups=1, wrap_time=10)
    assert (f.counters.service_level, f.counters.asa, f.counters.aht) == (50.0, 10.0, 70.0)
    assert (f.counted_since, f.sl_seconds, f.sl_percent, f.draining) == (0, 20, 80, False)
    assert e.queue_figures("t").members == 1


def test_a_visitor_counts_as_waiting_in_both_queues():
    q = QueueSpec("s", {"s": 1}, escalation=(EscalationStep(5, "overflow", queue="t"),))
    e = build([q, QueueSpec("t", {"t": 1})], [AgentSpec("x", {"t": 1})])
    e.handle(CallArrived("c1", "s"), 0)
    e.tick(5)
    assert e.queue_figures("t").waiting == e.queue_figures("s").waiting == 1
    assert e.queue_figures("t").oldest_entered_at == 0


def test_agent_figures_follow_state_call_and_counters():
    e = _floor()
    e.handle(CallArrived("c1", "s"), 1)
    f = e.agent_figures("a")
    assert (f.state, f.since, f.call_id, f.queues) == (AgentState.RESERVED, 1, "c1", ("s",))
    e.handle(OfferFailed("c1", "a", "busy"), 3)
    e.handle(DeviceStateChanged("a", "in_use"), 4)
    f = e.agent_figures("a")
    assert (f.state, f.reason, f.since, f.call_id, f.device) == (
        AgentState.NOT_READY, "busy", 3, None, DeviceState.IN_USE)
    assert f.counters == AgentCounters(offered=1, answered=0, missed=1, talk_time=0.0)
    with pytest.raises(UnknownAgent):
        e.agent_figures("ghost")
    with pytest.raises(UnknownQueue):
        e.queue_figures("ghost")


def test_take_changes_names_what_changed_once():
    e = _floor()
    first = e.take_changes()
    assert first.queues == {"s", "t"} and first.agents == {"a", "b", "c"}
    assert not e.take_changes()
    e.queue_figures("s"), e.agent_figures("a"), e.stats(5)   # reading changes nothing
    assert e.take_changes() == Changes()
    e.handle(AgentNotReady("a", "lunch"), 6)
    assert e.take_changes() == Changes(queues=frozenset({"s"}), agents=frozenset({"a"}))
    e.handle(AgentLoggedIn("c", ready=True), 7)
    assert e.take_changes() == Changes(queues=frozenset({"t"}), agents=frozenset({"c"}))
    e.handle(CallArrived("c1", "t"), 8)                    # rings on c
    assert e.take_changes() == Changes(queues=frozenset({"t"}), agents=frozenset({"c"}))


def test_take_changes_reports_removed_queues_and_agents():
    e = _floor()
    e.take_changes()
    e.reconfigure([QueueSpec("s")], [AgentSpec("a"), AgentSpec("b")], 1)
    changes = e.take_changes()
    assert changes.removed_queues == {"t"} and changes.removed_agents == {"c"}
    assert "t" not in changes.queues and "c" not in changes.agents
    assert set(e.all_queue_figures()) == {"s"} and set(e.all_agent_figures()) == {"a", "b"}


def test_reset_starts_the_day_again_without_touching_routing():
    def run(reset: bool):
        e = _floor()
        decisions = [e.handle(CallArrived("c1", "s"), 0), e.handle(OfferAnswered("c1", "a"), 5)]
        if reset:
            e.reset_counters(50)
        decisions += [e.handle(CallEnded("c1"), 60), e.handle(CallArrived("c2", "s"), 61),
                      e.handle(WrapUpDone("a"), 70)]
        return e, decisions

    e, with_reset = run(True)
    assert with_reset == run(False)[1]
    f = e.queue_figures("s")
    assert f.counted_since == 50
    # The talk and the wrap-up ended after the reset: counted whole, in the new day.
    assert f.counters == QueueCounters(offered=1, talks=1, talk_time=55, wrap_ups=1, wrap_time=10)
    assert e.agent_figures("a").counters == AgentCounters(offered=1, talk_time=55)
    a = e.stats(80).agents["a"]
    assert {s: t for s, t in a.time_in.items() if t} == pytest.approx(
        {AgentState.ON_CALL: 10, AgentState.WRAP_UP: 10, AgentState.RESERVED: 10})
    assert e.stats(80).queues["s"].occupancy == pytest.approx(100 * 20 / 30)
    assert e.stats(80).queues["s"].asa == 5                 # the rolling window is not reset


def test_reset_marks_everything_changed():
    e = _floor()
    e.take_changes()
    e.reset_counters(10)
    changes = e.take_changes()
    assert changes.queues == {"s", "t"} and changes.agents == {"a", "b", "c"}


def test_seeded_counters_carry_on_counting():
    e = _floor()
    e.take_changes()
    e.seed_counters("s", QueueCounters(offered=40, answered=30, answered_in_sl=25, wait_time=300))
    e.seed_agent_counters("a", AgentCounters(offered=12, answered=10, missed=2, talk_time=900))
    assert e.take_changes() == Changes(queues=frozenset({"s"}), agents=frozenset({"a"}))
    e.handle(CallArrived("c1", "s"), 100)
    e.handle(OfferAnswered("c1", "a"), 130)
    f = e.queue_figures("s").counters
    assert (f.offered, f.answered, f.answered_in_sl, f.wait_time) == (41, 31, 25, 330)
    assert e.agent_figures("a").counters == AgentCounters(13, 11, 2, 900)
    assert e.stats(131).queues["s"].offered == 41


@pytest.mark.parametrize(("seed", "words"), [
    (lambda e: e.seed_counters("s", {"offered": 1}), "got dict; pass a QueueCounters"),
    (lambda e: e.seed_counters("s", QueueCounters(answered=-1)), "answered = -1; use an integer"),
    (lambda e: e.seed_counters("s", QueueCounters(talks=1.5)), "talks = 1.5"),
    (lambda e: e.seed_counters("s", QueueCounters(wait_time=-2.0)), "number of seconds >= 0"),
    (lambda e: e.seed_counters("s", QueueCounters(answered=1, answered_in_sl=2)),
     "answered_in_sl = 2 is more than answered = 1"),
    (lambda e: e.seed_agent_counters("a", QueueCounters()), "pass a AgentCounters"),
    (lambda e: e.seed_agent_counters("a", AgentCounters(missed=True)), "missed = True"),
])
def test_bad_seeds_are_refused_and_change_nothing(seed, words):
    e = _floor()
    before = (e.all_queue_figures(), e.all_agent_figures())
    with pytest.raises(InvalidEvent, match=words):
        seed(e)
    assert (e.all_queue_figures(), e.all_agent_figures()) == before
    with pytest.raises(UnknownQueue):
        e.seed_counters("ghost", QueueCounters())


def test_mutable_counts_mirror_the_public_counters():
    assert [f.name for f in fields(DayCounts)] == [f.name for f in fields(QueueCounters)]
    distinct = QueueCounters(*range(1, len(fields(QueueCounters)) + 1))
    assert DayCounts.of(distinct).snapshot() == distinct


def test_a_restart_resets_to_midnight_seeds_and_counts_on():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a"), AgentSpec("b")])
    e.restore_agent("a", AgentState.ON_CALL, 1000)
    e.restore_call("c1", "s", 1000, arrived_at=900, agent_id="a", answered_at=950)
    e.restore_agent("b", AgentState.NOT_READY, 1000, reason="lunch", since=100)
    e.reset_counters(600)                                  # midnight was 400 s ago
    e.seed_counters("s", QueueCounters(offered=9, answered=8, talks=7, talk_time=700))
    e.resume(1000)
    e.handle(CallEnded("c1"), 1100)
    f = e.queue_figures("s")
    assert (f.counted_since, f.counters.talks, f.counters.talk_time) == (600, 8, 850)
    assert e.stats(1100).agents["b"].time_in[AgentState.NOT_READY] == 500   # from midnight
    assert e.agent_figures("b").since == 100
