"""Live figures per queue, kept up to date on every transition (internal).

The engine calls a hook here whenever something a figure depends on moves:
an agent changes state (O(queues it serves)), a call enters or leaves a
waiting list, starts or stops ringing, is answered, abandoned, ... (O(1), a
bisect for the oldest waiting call). So reading a queue costs O(1) and the
dirty sets tell a publisher which queues and agents to read again.

Occupancy needs the time members spent busy and staffed, which grows with the
clock. Per queue and per class of states (busy: ON_CALL, WRAP_UP; staffed:
busy, READY, RESERVED) two numbers carry it: ``n`` members in the class now
and ``acc``, so that the class's member-seconds at ``now`` are
``acc + n * (now - since)``. A member entering the class subtracts its
(relative) entry time from ``acc``, leaving adds the time it left, and a move
inside the class changes nothing. Times are relative to ``since``, the reset
point, to keep the numbers small.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING

from .errors import InvalidEvent
from .states import AgentState
from .views import AgentCounters, QueueCounters
from .waiting import WaitingList
from .window import RollingWindow

if TYPE_CHECKING:
    from .model import AgentRec

STATES: tuple[AgentState, ...] = tuple(AgentState)
IX: dict[AgentState, int] = {s: i for i, s in enumerate(STATES)}
BUSY = frozenset({AgentState.ON_CALL, AgentState.WRAP_UP})
STAFFED = BUSY | {AgentState.READY, AgentState.RESERVED}
_IN_BUSY = tuple(int(s in BUSY) for s in STATES)
_IN_STAFFED = tuple(int(s in STAFFED) for s in STATES)


@dataclass(slots=True)
class DayCounts:
    """The mutable twin of ``QueueCounters`` (same fields)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    exited: int = 0
    removed: int = 0
    transferred_out: int = 0
    answered_in_sl: int = 0
    abandoned_after_sl: int = 0
    wait_time: float = 0.0
    talks: int = 0
    talk_time: float = 0.0
    wrap_ups: int = 0
    wrap_time: float = 0.0

    def snapshot(self) -> QueueCounters:
        return QueueCounters(*_counter_values(self))

    @classmethod
    def of(cls, counters: QueueCounters) -> DayCounts:
        return cls(*_counter_values(counters))


COUNTER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(QueueCounters))
_counter_values = attrgetter(*COUNTER_FIELDS)


#: Seeded counters that cannot both hold: (part, whole).
_PARTS = (("answered_in_sl", "answered"), ("abandoned_after_sl", "abandoned"))


def check_counters(where: str, counters: object,
                   kind: type[QueueCounters] | type[AgentCounters]) -> None:
    """Raise InvalidEvent unless ``counters`` is a ``kind`` of sane values."""
    if not isinstance(counters, kind):
        raise InvalidEvent(f"{where}: got {type(counters).__name__}; pass a {kind.__name__}")
    for f in fields(kind):
        value = getattr(counters, f.name)
        counts = f.type in ("int", int)
        ok = (isinstance(value, int) if counts else isinstance(value, int | float)) \
            and not isinstance(value, bool) and value >= 0
        if not ok:
            want = "an integer >= 0" if counts else "a number of seconds >= 0"
            raise InvalidEvent(f"{where}: {f.name} = {value!r}; use {want}")
    for part, whole in _PARTS:
        if hasattr(counters, part) and getattr(counters, part) > getattr(counters, whole):
            raise InvalidEvent(f"{where}: {part} = {getattr(counters, part)} is more than "
                               f"{whole} = {getattr(counters, whole)}")


class QueueTally:
    """One queue's live figures."""

    __slots__ = ("busy_acc", "busy_n", "by_state", "counts", "entered", "name", "ringing",
                 "staffed_acc", "staffed_n", "window")

    def __init__(self, name: str, sl_seconds: float) -> None:
        self.name = name
        self.counts = DayCounts()
        self.window = RollingWindow(sl_seconds)
        self.entered: WaitingList[tuple[float, str]] = WaitingList()   # (entered_at, call_id)
        self.ringing = 0
        self.by_state = [0] * len(STATES)         # members by state, indexed by IX
        self.busy_n = self.staffed_n = 0
        self.busy_acc = self.staffed_acc = 0.0

    def busy_seconds(self, rel_now: float) -> float:
        return self.busy_acc + self.busy_n * rel_now

    def staffed_seconds(self, rel_now: float) -> float:
        return self.staffed_acc + self.staffed_n * rel_now


class Tally:
    """Every queue's tally, the floor's state counts and the dirty sets."""

    __slots__ = ("by_state", "changed_agents", "changed_queues", "queues", "since",
                 "waiting_calls", "window")

    def __init__(self, window: float, now: float) -> None:
        self.window = window
        self.since = now                          # the reset point
        self.queues: dict[str, QueueTally] = {}   # kept after a queue goes (its counters too)
        self.by_state = [0] * len(STATES)
        self.waiting_calls = 0
        self.changed_queues: set[str] = set()
        self.changed_agents: set[str] = set()

    def q(self, name: str, sl_seconds: float = 20.0) -> QueueTally:
        t = self.queues.get(name)
        if t is None:
            t = self.queues[name] = QueueTally(name, sl_seconds)
        return t

    # ------------------------------------------------------------ agents

    def counted_from(self, a: AgentRec) -> float:
        """When the agent's current state started counting (state_since, or the reset)."""
        return a.state_since if a.state_since > self.since else self.since

    def moved(self, a: AgentRec, old: AgentState, new: AgentState, now: float) -> None:
        """The agent went from ``old`` to ``new`` (two different states) at ``now``."""
        o, s = IX[old], IX[new]
        by_state = self.by_state
        by_state[o] -= 1
        by_state[s] += 1
        d_busy = _IN_BUSY[s] - _IN_BUSY[o]
        d_staffed = _IN_STAFFED[s] - _IN_STAFFED[o]
        rel = now - self.since
        for t in a.tallies:
            counts = t.by_state
            counts[o] -= 1
            counts[s] += 1
            if d_busy:
                t.busy_n += d_busy
                t.busy_acc -= d_busy * rel
            if d_staffed:
                t.staffed_n += d_staffed
                t.staffed_acc -= d_staffed * rel
        self.changed_queues.update(a.queues)

    def _join(self, a: AgentRec, t: QueueTally, sign: int, rel_start: float) -> None:
        """Add (sign 1) or take out (sign -1) the agent's share of a queue's figures."""
        i = IX[a.state]
        t.by_state[i] += sign
        times = a.state_time
        if _IN_BUSY[i]:
            t.busy_n += sign
            t.busy_acc -= sign * rel_start
        if _IN_STAFFED[i]:
            t.staffed_n += sign
            t.staffed_acc -= sign * rel_start
        busy = times.get(AgentState.ON_CALL, 0.0) + times.get(AgentState.WRAP_UP, 0.0)
        t.busy_acc += sign * busy
        t.staffed_acc += sign * (busy + times.get(AgentState.READY, 0.0)
                                 + times.get(AgentState.RESERVED, 0.0))

    def left(self, a: AgentRec) -> None:
        """The agent is forgotten (removed by a reconfigure, now logged out)."""
        rel_start = self.counted_from(a) - self.since
        for t in a.tallies:
            self._join(a, t, -1, rel_start)
        self.by_state[IX[a.state]] -= 1
        self.changed_queues.update(a.queues)
        self.changed_agents.add(a.agent_id)

    def retimed(self, a: AgentRec, old_since: float) -> None:
        """A restore moved the agent's ``state_since`` from ``old_since``."""
        old = (old_since if old_since > self.since else self.since)
        shift = self.counted_from(a) - old
        i = IX[a.state]
        for t in a.tallies:
            if _IN_BUSY[i]:
                t.busy_acc -= shift
            if _IN_STAFFED[i]:
                t.staffed_acc -= shift
        self.changed_agents.add(a.agent_id)

    def rebuild(self, agents: Iterable[AgentRec], sl_seconds: dict[str, float]) -> None:
        """Agent figures of every queue from scratch (construction, reconfigure,
        reset); gives each agent its ``tallies``."""
        for name, sl in sl_seconds.items():
            t = self.q(name, sl)
            if t.window.sl_seconds != sl:
                t.window.set_sl_seconds(sl)
        for t in self.queues.values():
            t.by_state = [0] * len(STATES)
            t.busy_n = t.staffed_n = 0
            t.busy_acc = t.staffed_acc = 0.0
        self.by_state = [0] * len(STATES)
        for a in agents:
            a.tallies = tuple(self.queues[q] for q in a.queues)
            rel_start = self.counted_from(a) - self.since
            for t in a.tallies:
                self._join(a, t, 1, rel_start)
            self.by_state[IX[a.state]] += 1
            self.changed_agents.add(a.agent_id)
        self.changed_queues.update(self.queues)

    def reset(self, now: float, agents: Iterable[AgentRec], sl_seconds: dict[str, float]) -> None:
        """Counters start again at ``now`` (the rolling windows are left alone)."""
        self.since = now
        for t in self.queues.values():
            t.counts = DayCounts()
        agents = list(agents)
        for a in agents:
            a.state_time = {}
            a.offered = a.answered = a.failed = 0
            a.talk_time = 0.0
        self.rebuild(agents, sl_seconds)

    # ------------------------------------------------------------- calls

    def wait_in(self, queue: str, entered_at: float, call_id: str) -> None:
        self.queues[queue].entered.add((entered_at, call_id))
        self.changed_queues.add(queue)

    def wait_out(self, queue: str, entered_at: float, call_id: str) -> None:
        self.queues[queue].entered.remove((entered_at, call_id))
        self.changed_queues.add(queue)

    def ring(self, queue: str, delta: int) -> None:
        self.queues[queue].ringing += delta
        self.changed_queues.add(queue)

    # ---------------------------------------------------------- counters

    def counts(self, queue: str) -> DayCounts:
        """The queue's counters, marked changed (the caller is about to bump one)."""
        self.changed_queues.add(queue)
        return self.q(queue).counts

    def answered(self, queue: str, now: float, wait: float) -> None:
        t = self.q(queue)
        c = t.counts
        c.answered += 1
        c.wait_time += wait
        if wait <= t.window.sl_seconds:
            c.answered_in_sl += 1
        t.window.answered(now, wait)
        t.window.prune(now - self.window)
        self.changed_queues.add(queue)

    def abandoned(self, queue: str, now: float, wait: float) -> None:
        t = self.q(queue)
        t.counts.abandoned += 1
        if wait > t.window.sl_seconds:
            t.counts.abandoned_after_sl += 1
        t.window.abandoned(now, wait)
        t.window.prune(now - self.window)
        self.changed_queues.add(queue)

    def talked(self, queue: str, now: float, seconds: float) -> None:
        t = self.q(queue)
        t.counts.talks += 1
        t.counts.talk_time += seconds
        t.window.talked(now, seconds)
        t.window.prune(now - self.window)
        self.changed_queues.add(queue)

    def wrapped(self, queue: str, now: float, seconds: float) -> None:
        t = self.queues.get(queue)
        if t is None:                  # a restored wrap-up without its queue
            return
        t.counts.wrap_ups += 1
        t.counts.wrap_time += seconds
        t.window.wrapped(now, seconds)
        t.window.prune(now - self.window)
        self.changed_queues.add(queue)
