"""Read side: statistics, estimated wait, position, explain, snapshots."""

from __future__ import annotations

import pytest
from acd_helpers import build

from acd import (
    AgentNotReady,
    AgentSpec,
    AgentState,
    CallAbandoned,
    CallArrived,
    CallEnded,
    DeviceStateChanged,
    OfferAnswered,
    OfferFailed,
    QueueSpec,
    UnknownCall,
    WrapUpDone,
)


def serve(e, call_id, agent_id, arrive, answer, end, done):
    e.handle(CallArrived(call_id, "s"), arrive)
    e.handle(OfferAnswered(call_id, agent_id), answer)
    e.handle(CallEnded(call_id), end)
    e.handle(WrapUpDone(agent_id), done)


def test_queue_counters_service_level_asa_aht():
    q = QueueSpec("s", sl_seconds=20, sl_percent=80, wrapup_time=None)
    e = build([q], [AgentSpec("a"), AgentSpec("b")], ready=["a"])
    serve(e, "c1", "a", 0, 10, 70, 80)             # answered in 10 s, talk 60, wrap 10
    serve(e, "c2", "a", 100, 130, 150, 170)        # answered in 30 s (late), talk 20, wrap 20
    e.handle(AgentNotReady("a"), 171)
    e.handle(CallArrived("c3", "s"), 200)
    e.handle(CallAbandoned("c3"), 205)             # abandoned inside 20 s: not counted
    e.handle(CallArrived("c4", "s"), 210)
    e.handle(CallAbandoned("c4"), 240)             # abandoned after 20 s: counts against
    e.handle(CallArrived("c5", "s"), 250)
    st = e.stats(260).queues["s"]
    assert (st.offered, st.answered, st.abandoned, st.waiting) == (5, 2, 2, 1)
    assert st.longest_wait == 10
    assert st.service_level == pytest.approx(100 / 3)
    assert st.asa == pytest.approx(20)
    assert st.aht == pytest.approx(40 + 15)
    assert st.agents[AgentState.NOT_READY] == 1 and st.agents[AgentState.LOGGED_OUT] == 1


def test_rolling_window_forgets_old_calls():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a")], ready=["a"], stats_window=100)
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 50)
    e.handle(CallEnded("c1"), 60)
    assert e.stats(100).queues["s"].asa == 50
    st = e.stats(200).queues["s"]
    assert st.asa is None and st.service_level is None and st.answered == 1


def test_agent_occupancy_and_time_in_state():
    e = build([QueueSpec("s", wrapup_time=10)], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 10)
    e.handle(CallEnded("c1"), 40)
    e.tick(50)
    a = e.stats(100).agents["a"]
    assert a.time_in[AgentState.ON_CALL] == 30 and a.time_in[AgentState.WRAP_UP] == 10
    assert a.occupancy == pytest.approx(40.0)
    assert (a.offered, a.answered, a.state) == (1, 1, AgentState.READY)
    assert e.stats(100).queues["s"].occupancy == pytest.approx(40.0)


def test_estimated_wait_uses_position_handle_time_and_staffed_agents():
    q = QueueSpec("s", default_handle_time=120)
    e = build([q], [AgentSpec("a"), AgentSpec("b"), AgentSpec("c")], ready=["a", "b"])
    for i in range(4):
        e.handle(CallArrived(f"c{i}", "s"), i)
    assert e.position("c2") == 1 and e.position("c0") is None
    assert e.estimated_wait("c2", 10) == pytest.approx(1 * 120 / 2)
    assert e.estimated_wait("c3", 10) == pytest.approx(2 * 120 / 2)
    assert e.estimated_wait("c0", 10) == 0.0


def test_estimated_wait_is_unknown_when_nobody_can_serve():
    e = build([QueueSpec("s")], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s"), 0)
    assert e.estimated_wait("c1", 1) is None


def test_estimated_wait_follows_live_handle_time():
    e = build([QueueSpec("s", wrapup_time=0, default_handle_time=999)], [AgentSpec("a")],
              ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 0)
    e.handle(CallArrived("c2", "s"), 1)
    e.handle(CallEnded("c1"), 60)
    e.handle(OfferAnswered("c2", "a"), 61)
    e.handle(CallArrived("c3", "s"), 62)
    assert e.estimated_wait("c3", 62) == pytest.approx(60)


def test_explain_names_every_reason_and_ranks_eligible_agents():
    q = QueueSpec("b", {"billing": 3})
    agents = [AgentSpec("short", {"billing": 1}, queues=("b",)),
              AgentSpec("away", {"billing": 5}, queues=("b",)),
              AgentSpec("phone", {"billing": 5}, queues=("b",)),
              AgentSpec("busy", {"billing": 5}, queues=("b",)),
              AgentSpec("other", {"tech": 5})]
    e = build([q, QueueSpec("t", {"tech": 1})], agents,
              ready=["short", "away", "phone", "busy"])
    e.handle(AgentNotReady("away", "lunch"), 1)
    e.handle(DeviceStateChanged("phone", "unavailable"), 1)
    e.handle(CallArrived("c0", "b"), 2)                  # goes to busy
    e.handle(CallArrived("c1", "b"), 3)
    v = {x.agent_id: x for x in e.explain("c1", 3)}
    assert [r.code for r in v["short"].reasons] == ["skill-short"]
    assert v["short"].reasons[0].detail == "billing 1 < 3"
    assert [r.code for r in v["away"].reasons] == ["not-ready"]
    assert "lunch" in v["away"].reasons[0].detail
    assert [r.code for r in v["phone"].reasons] == ["device"]
    assert [r.code for r in v["busy"].reasons] == ["reserved"]
    assert v["other"].reasons[0].code == "not-member"
    assert not any(x.eligible for x in v.values())
    # Held by a restore, eligible agents show up ranked by the strategy.
    e2 = build([q], [AgentSpec("x", {"billing": 4}), AgentSpec("y", {"billing": 4})])
    e2.restore_agent("y", AgentState.READY, 0, since=0)
    e2.restore_agent("x", AgentState.READY, 5, since=5)
    e2.restore_call("c9", "b", 6, arrived_at=6)
    ranked = {x.agent_id: x.rank for x in e2.explain("c9", 6)}
    assert ranked == {"x": 2, "y": 1}


def test_explain_shows_capacity_excluded_and_offered():
    e = build([QueueSpec("s")], [AgentSpec("a"), AgentSpec("b")], ready=["a", "b"])
    e.handle(CallArrived("c1", "s"), 0)          # -> a
    e.handle(CallArrived("c2", "s"), 0)          # -> b
    e.handle(OfferAnswered("c2", "b"), 1)
    v = {x.agent_id: x for x in e.explain("c1", 1)}
    assert v["a"].reasons[0].code == "offered"
    assert [r.code for r in v["b"].reasons] == ["capacity"]
    e.handle(OfferFailed("c1", "a"), 2)
    v = {x.agent_id: x for x in e.explain("c1", 2)}
    assert {r.code for r in v["a"].reasons} == {"not-ready", "excluded"}


def test_snapshots_and_counts():
    e = build([QueueSpec("s")], [AgentSpec("a"), AgentSpec("b")], ready=["a"])
    e.handle(CallArrived("c1", "s", priority=3, attributes={"k": "v"}), 5)
    c = e.call("c1")
    assert (c.agent_id, c.priority, c.state.value, c.attributes["k"]) == ("a", 3, "OFFERED", "v")
    a = e.agent("a")
    assert (a.state, a.offer, a.since) == (AgentState.RESERVED, "c1", 5)
    counts = e.agents_by_state()
    assert counts[AgentState.RESERVED] == 1 and counts[AgentState.LOGGED_OUT] == 1
    assert e.stats(6).waiting_calls == 0 and e.stats(6).queues["s"].ringing == 1
    with pytest.raises(UnknownCall):
        e.call("nope")


def test_agent_stats_count_failed_offers():
    e = build([QueueSpec("s")], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferFailed("c1", "a", "busy"), 1)
    st = e.stats(3).agents["a"]
    assert (st.offered, st.failed, st.reason) == (1, 1, "busy")
