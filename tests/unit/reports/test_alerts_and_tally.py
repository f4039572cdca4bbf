"""Alerts (pure, clock passed in) and the service's own day tally (short abandons)."""

from __future__ import annotations

from acd.states import AgentState, DeviceState
from acd.views import AgentCounters, AgentFigures
from cti import events as ev
from cti.config import Alerts
from cti.reports import definitions as d
from cti.reports.alerts import AlertWatch, QueueLevel
from cti.reports.live import DayTally


def agent(agent_id: str, state: AgentState, since: float, reason: str | None = None
          ) -> AgentFigures:
    return AgentFigures(agent_id, state, reason, since, None, DeviceState.AVAILABLE, ("q",),
                        AgentCounters())


def test_a_pause_past_its_limit_raises_once_and_clears_when_it_ends() -> None:
    watch = AlertWatch(Alerts(pause_seconds=600, pause_reasons={"lunch": 3600}))
    paused = [agent("a1", AgentState.NOT_READY, 0.0, "break"),
              agent("a2", AgentState.NOT_READY, 0.0, "lunch")]
    assert watch.check({}, paused, now=500.0) == ([], [])
    raised, cleared = watch.check({}, paused, now=700.0)
    assert [(a.kind, a.subject) for a in raised] == [("pause", "a1")] and cleared == []
    assert "break" in raised[0].detail and raised[0].limit == 600
    assert watch.check({}, paused, now=800.0) == ([], [])        # still on: nothing new
    raised, cleared = watch.check({}, [agent("a1", AgentState.READY, 750.0), paused[1]],
                                  now=800.0)
    assert raised == [] and [a.subject for a in cleared] == ["a1"]


def test_a_long_wrap_up_raises() -> None:
    watch = AlertWatch(Alerts(wrap_up_seconds=60))
    raised, _ = watch.check({}, [agent("a1", AgentState.WRAP_UP, 10.0)], now=80.0)
    assert [(a.kind, a.value) for a in raised] == [("wrap-up", 70)]


def test_a_queue_below_its_target_raises_once_it_has_enough_calls() -> None:
    watch = AlertWatch(Alerts(service_level_min_calls=10))
    few = d.CallCounts(entered=5, answered=3, answered_in_sl=1, abandoned=2)
    assert watch.check({"sales": QueueLevel(few, 80.0)}, [], now=1.0) == ([], [])
    many = d.CallCounts(entered=20, answered=15, answered_in_sl=10, abandoned=5)
    raised, _ = watch.check({"sales": QueueLevel(many, 80.0)}, [], now=2.0)
    assert [(a.kind, a.subject, a.value) for a in raised] == [("service-level", "sales", 50.0)]
    good = d.CallCounts(entered=20, answered=20, answered_in_sl=19)
    _, cleared = watch.check({"sales": QueueLevel(good, 80.0)}, [], now=3.0)
    assert [a.subject for a in cleared] == ["sales"]


def _queued(seq: int, iid: str, at: float, segment: int = 0, cause: str = "ivr",
            queue: str = "sales") -> ev.CallQueued:
    return ev.CallQueued(seq=seq, at=at, interaction_id=iid, queue=queue, segment=segment,
                         cause=cause)


def _ended(seq: int, iid: str, at: float, outcome: str = "abandoned",
           queue: str = "sales") -> ev.CallEnded:
    return ev.CallEnded(seq=seq, at=at, interaction_id=iid, queue=queue, outcome=outcome,
                        queued=True)


def test_the_tally_counts_abandons_under_the_short_time_per_queue() -> None:
    tally = DayTally(short_abandon_seconds=5.0)
    tally.accept([_queued(1, "c1", 100.0), _queued(2, "c2", 100.0), _queued(3, "c3", 100.0)])
    tally.accept([_ended(4, "c1", 103.0),                    # 3 s: short
                  _ended(5, "c2", 130.0),                    # 30 s: not short
                  _ended(6, "c3", 101.0, outcome="answered")])
    assert tally.short_abandons == {"sales": 1}
    assert tally.processed == {"call.queued": 3, "call.ended": 3}


def test_a_requeue_keeps_the_entry_and_an_overflow_starts_a_new_visit() -> None:
    tally = DayTally(short_abandon_seconds=5.0)
    tally.accept([_queued(1, "c1", 100.0),
                  _queued(2, "c1", 103.0, cause="offer-failed"),       # same visit
                  _ended(3, "c1", 106.0)])                             # 6 s after entry
    tally.accept([_queued(4, "c2", 100.0),
                  _queued(5, "c2", 200.0, segment=1, cause="overflow", queue="general"),
                  _ended(6, "c2", 202.0, queue="general")])            # 2 s in general
    assert tally.short_abandons == {"general": 1}
    tally.reset({"sales": 4})
    assert tally.short_abandons == {"sales": 4}
    tally.reset()
    assert tally.short_abandons == {}
