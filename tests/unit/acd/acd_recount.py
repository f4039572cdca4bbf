"""The statistics recounted without the engine's tallies, for the property tests.

``Recount`` folds the history a harness records (events, decisions, resets,
seeds, and which agents were wrapping after each step) one step at a time,
and ``expected_*`` combine it with a full scan of the engine's public
snapshots: what the incremental figures must equal after every step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields

import pytest

from acd import (
    AgentCounters,
    AgentFigures,
    AgentSnapshot,
    AgentState,
    AgentStateChanged,
    CallAbandoned,
    CallArrived,
    CallEnded,
    CallRemoved,
    CallSnapshot,
    CallState,
    CallTransferred,
    Engine,
    Offer,
    OfferAnswered,
    OfferFailed,
    OfferTimedOut,
    QueueCounters,
    QueueExit,
    QueueFigures,
    QueueSpec,
)

BUSY = (AgentState.ON_CALL, AgentState.WRAP_UP)
STAFFED = (*BUSY, AgentState.READY, AgentState.RESERVED)


class Scan:
    """Every call and agent snapshot of the engine, taken once per check."""

    def __init__(self, e: Engine) -> None:
        self.calls: dict[str, CallSnapshot] = {c: e.call(c) for c in e.call_ids()}
        self.agents: dict[str, AgentSnapshot] = {a: e.agent(a) for a in e.agent_ids()}


class AgentBook:
    """One agent as the recount sees it, from its birth (or the reset point)."""

    def __init__(self, now: float) -> None:
        self.counts: Counter = Counter()          # offered, answered, missed, talk_time
        self.times: Counter = Counter()           # closed seconds by state since the reset
        self.state, self.reason, self.since = AgentState.LOGGED_OUT, None, now
        self.wrap: tuple[float, str] | None = None   # (started at, queue)

    def time_in(self, now: float, reset_at: float) -> dict[AgentState, float]:
        times = dict(self.times)
        times[self.state] = times.get(self.state, 0.0) + max(0.0, now - max(self.since,
                                                                           reset_at))
        return times


class Recount:
    def __init__(self, queues: list[QueueSpec]) -> None:
        self.specs = {q.name: q for q in queues}
        self.reset_at = 0.0
        self.day = {q: Counter() for q in self.specs}       # QueueCounters fields
        self.agents: dict[str, AgentBook] = {}
        self.queue_of: dict[str, str] = {}
        self.entered: dict[str, float] = {}
        self.answered: dict[str, tuple[str, float]] = {}    # call -> (agent, answered at)
        self.answer_waits = {q: [] for q in self.specs}     # the whole run (rolling window)
        self.abandon_waits = {q: [] for q in self.specs}

    # ---- folding one step

    def fold(self, step: object, decisions: list, now: float, present: list[str],
             wrapping: dict[str, bool]) -> None:
        for agent_id in present:
            if agent_id not in self.agents:                 # born (or back) in this step
                self.agents[agent_id] = AgentBook(now)
        if isinstance(step, tuple) and step[0] == "reset":
            self.reset_at = now
            self.day = {q: Counter() for q in self.specs}
            for book in self.agents.values():
                book.counts, book.times = Counter(), Counter()
        elif isinstance(step, tuple) and step[0] == "seed":
            self.day[step[1]] = Counter({f.name: getattr(step[2], f.name)
                                         for f in fields(QueueCounters)})
        elif isinstance(step, tuple) and step[0] == "seed_agent":
            self.agents[step[1]].counts = Counter({f.name: getattr(step[2], f.name)
                                                   for f in fields(AgentCounters)})
        else:
            self._event(step, now, wrapping)
        for d in decisions:
            self._decision(d, now)
        for agent_id, book in self.agents.items():          # wrap-ups that ended
            if book.wrap is not None and not wrapping.get(agent_id, False):
                started, queue = book.wrap
                book.wrap = None
                self.day[queue]["wrap_ups"] += 1
                self.day[queue]["wrap_time"] += now - started
        for agent_id in [a for a in self.agents if a not in present]:
            del self.agents[agent_id]                       # forgotten: counts start again

    def _event(self, event: object, now: float, wrapping: dict[str, bool]) -> None:
        day, specs = self.day, self.specs
        if isinstance(event, CallArrived):
            self.queue_of[event.call_id] = event.queue
            self.entered[event.call_id] = now if event.arrived_at is None else event.arrived_at
            day[event.queue]["offered"] += 1
        elif isinstance(event, CallEnded | CallTransferred):
            q = self.queue_of[event.call_id]
            agent_id, answered_at = self.answered.pop(event.call_id)
            day[q]["talks"] += 1
            day[q]["talk_time"] += now - answered_at
            book = self.agents.get(agent_id)
            if book is not None:
                book.counts["talk_time"] += now - answered_at
                if book.wrap is None and wrapping.get(agent_id, False):
                    book.wrap = (now, q)
            if isinstance(event, CallTransferred):
                day[q]["transferred_out"] += 1
                self.queue_of[event.call_id] = event.queue
                self.entered[event.call_id] = now
                day[event.queue]["offered"] += 1
        elif isinstance(event, OfferAnswered):
            q = self.queue_of[event.call_id]
            wait = now - self.entered[event.call_id]
            day[q]["answered"] += 1
            day[q]["wait_time"] += wait
            day[q]["answered_in_sl"] += wait <= specs[q].sl_seconds
            self.answer_waits[q].append(wait)
            self.answered[event.call_id] = (event.agent_id, now)
            self.agents[event.agent_id].counts["answered"] += 1
        elif isinstance(event, OfferFailed):
            self.agents[event.agent_id].counts["missed"] += 1
        elif isinstance(event, CallAbandoned):
            q = self.queue_of[event.call_id]
            wait = now - self.entered[event.call_id]
            day[q]["abandoned"] += 1
            day[q]["abandoned_after_sl"] += wait > specs[q].sl_seconds
            self.abandon_waits[q].append(wait)
        elif isinstance(event, CallRemoved):
            day[self.queue_of[event.call_id]]["removed"] += 1

    def _decision(self, d: object, now: float) -> None:
        if isinstance(d, QueueExit):
            self.day[d.queue]["exited"] += 1
            if d.action == "overflow":
                self.queue_of[d.call_id] = d.target
                self.entered[d.call_id] = now
                self.day[d.target]["offered"] += 1
        elif isinstance(d, Offer):
            self.agents[d.agent_id].counts["offered"] += 1
        elif isinstance(d, OfferTimedOut):
            self.agents[d.agent_id].counts["missed"] += 1
        elif isinstance(d, AgentStateChanged):
            book = self.agents[d.agent_id]
            book.times[d.old] += d.at - max(book.since, self.reset_at)
            book.state, book.reason, book.since = d.new, d.reason, d.at

    # ---- what the engine must answer

    def expected_queue(self, scan: Scan, name: str) -> QueueFigures:
        """A full scan of the engine's calls and agents, plus the folded counters."""
        calls = scan.calls.values()
        waiting = [c for c in calls if c.state is CallState.WAITING and name in c.queues]
        members = [a for a in scan.agents.values() if name in a.queues]
        by_state = Counter(a.state for a in members)
        spec = self.specs[name]
        return QueueFigures(
            queue=name, waiting=len(waiting),
            ringing=sum(1 for c in calls if c.state is CallState.OFFERED and c.queue == name),
            oldest_entered_at=min((c.entered_at for c in waiting), default=None),
            members=len(members), logged_in=len(members) - by_state[AgentState.LOGGED_OUT],
            ready=by_state[AgentState.READY], reserved=by_state[AgentState.RESERVED],
            on_call=by_state[AgentState.ON_CALL], wrap_up=by_state[AgentState.WRAP_UP],
            not_ready=by_state[AgentState.NOT_READY],
            counters=QueueCounters(**self.day[name]), counted_since=self.reset_at,
            sl_seconds=spec.sl_seconds, sl_percent=spec.sl_percent, draining=False,
        )

    def expected_agent(self, scan: Scan, agent_id: str) -> AgentFigures:
        snap, book = scan.agents[agent_id], self.agents[agent_id]
        call_id = snap.offer if snap.offer is not None else (snap.calls[0] if snap.calls
                                                             else None)
        return AgentFigures(agent_id, book.state, book.reason, book.since, call_id, snap.device,
                            snap.queues, AgentCounters(**book.counts))

    def check_stats(self, e: Engine, scan: Scan, now: float) -> None:
        """``stats()``: the figures, the rolling window (the whole run here) and the
        time-based figures recounted from the state changes."""
        stats = e.stats(now)
        times = {a: self.agents[a].time_in(now, self.reset_at) for a in scan.agents}
        for name in self.specs:
            got, fig = stats.queues[name], self.expected_queue(scan, name)
            counters = fig.counters
            assert (got.waiting, got.ringing) == (fig.waiting, fig.ringing)
            assert got.longest_wait == (0.0 if fig.oldest_entered_at is None
                                        else now - fig.oldest_entered_at)
            for field in ("offered", "answered", "abandoned", "exited", "removed",
                          "transferred_out"):
                assert getattr(got, field) == getattr(counters, field), (name, field)
            assert sum(got.agents.values()) == fig.members
            assert got.agents[AgentState.READY] == fig.ready
            waits, sl = self.answer_waits[name], got.sl_seconds
            assert got.asa == (pytest.approx(sum(waits) / len(waits)) if waits else None)
            late = sum(1 for w in self.abandon_waits[name] if w > sl)
            inside = sum(1 for w in waits if w <= sl)
            level = 100 * inside / (len(waits) + late) if waits or late else None
            assert got.service_level == (None if level is None else pytest.approx(level)), name
            members = [a.agent_id for a in scan.agents.values() if name in a.queues]
            busy = sum(times[a].get(s, 0.0) for a in members for s in BUSY)
            staffed = sum(times[a].get(s, 0.0) for a in members for s in STAFFED)
            assert got.occupancy == (pytest.approx(100 * busy / staffed, abs=1e-6)
                                     if staffed > 0 else None), name
        for agent_id in scan.agents:
            got, book = stats.agents[agent_id], self.agents[agent_id]
            assert (got.offered, got.answered, got.failed) == (
                book.counts["offered"], book.counts["answered"], book.counts["missed"])
            assert got.talk_time == pytest.approx(book.counts["talk_time"])
            want = {s: t for s, t in times[agent_id].items() if t}
            assert {s: t for s, t in got.time_in.items() if t} == pytest.approx(want), agent_id
        assert dict(stats.agents_by_state) == {
            s: sum(1 for a in scan.agents.values() if a.state is s) for s in AgentState}
        assert stats.waiting_calls == sum(1 for c in scan.calls.values()
                                          if c.state is CallState.WAITING)
