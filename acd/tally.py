"""Live figures per queue (internal), kept up to date as things happen.

Calls: the engine updates a queue's figures where a call enters or leaves a
waiting list, starts or stops ringing, is answered, abandoned, ... (O(1), a
bisect for the oldest waiting call).

Agents: a state change only *notes* the agent (O(1): the routing path stays
as fast as before). The next read (``fold``: figures, ``stats``,
``take_changes``) folds each noted agent into the queues it serves, once,
however many moves it made since: O(queues it serves) per noted agent. Each
agent remembers the ``share`` it last added to each of its queues, so folding
is "take the old share out, put the new one in".

Occupancy needs the member-seconds spent busy (ON_CALL, WRAP_UP) and staffed
(busy, READY, RESERVED), which grow with the clock. Per queue and class two
numbers carry them: ``n`` members in the class and ``acc``, so that the
class's member-seconds at ``now`` are ``acc + n * (now - since)``. An agent's
share of ``acc`` is its closed seconds in the class minus, while in the
class, when its current state started (relative to ``since``, the reset
point, to keep the numbers small).

So reading a queue costs O(1) plus the agents noted since the last read,
and the dirty sets tell a publisher which queues and agents to read again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING

from .errors import InvalidEvent
from .states import AgentState
from .views import AgentCounters, QueueCounters
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


#: An agent's share of each of its queues' figures: (state index, in busy, busy
#: acc, in staffed, staffed acc); None once the agent is forgotten.
Share = tuple[int, int, float, int, float]


def _add(t: QueueTally, share: Share, sign: int) -> None:
    i, in_busy, busy_acc, in_staffed, staffed_acc = share
    t.by_state[i] += sign
    if in_busy:
        t.busy_n += sign
    if in_staffed:
        t.staffed_n += sign
    t.busy_acc += sign * busy_acc
    t.staffed_acc += sign * staffed_acc


class QueueTally:
    """One queue's live figures."""

    __slots__ = ("busy_acc", "busy_n", "by_state", "counts", "entered", "name", "ringing",
                 "staffed_acc", "staffed_n", "window")

    def __init__(self, name: str, sl_seconds: float) -> None:
        self.name = name
        self.counts = DayCounts()
        self.window = RollingWindow(sl_seconds)
        #: (entered_at, call_id) of the calls waiting in the queue, oldest first; the
        #: engine keeps it sorted (``insort`` / ``bisect``) as calls come and go
        self.entered: list[tuple[float, str]] = []
        self.ringing = 0
        self.by_state = [0] * len(STATES)         # members by state, indexed by IX
        self.busy_n = self.staffed_n = 0
        self.busy_acc = self.staffed_acc = 0.0

    def busy_seconds(self, rel_now: float) -> float:
        return self.busy_acc + self.busy_n * rel_now

    def staffed_seconds(self, rel_now: float) -> float:
        return self.staffed_acc + self.staffed_n * rel_now


class Tally:
    """Every queue's tally, the floor's state counts, the noted agents and the
    dirty sets. ``by_state`` (and each queue's agent figures) are as of the last
    ``fold``."""

    __slots__ = ("by_state", "changed_queues", "noted", "queues", "since", "touched",
                 "waiting_calls", "window")

    def __init__(self, window: float, now: float) -> None:
        self.window = window
        self.since = now                          # the reset point
        self.queues: dict[str, QueueTally] = {}   # kept after a queue goes (its counters too)
        self.by_state = [0] * len(STATES)
        self.waiting_calls = 0
        self.changed_queues: set[str] = set()
        #: agents whose figures may have changed since the last take_changes, and
        #: agents whose state changed since the last fold; each agent's flag
        #: (``touched``, ``noted``) says whether it is in the list already
        self.touched: list[AgentRec] = []
        self.noted: list[AgentRec] = []

    def q(self, name: str, sl_seconds: float) -> QueueTally:
        t = self.queues.get(name)
        if t is None:
            t = self.queues[name] = QueueTally(name, sl_seconds)
        return t

    # ------------------------------------------------------------ agents

    def counted_from(self, a: AgentRec) -> float:
        """When the agent's current state started counting (state_since, or the reset)."""
        return a.state_since if a.state_since > self.since else self.since

    def share(self, a: AgentRec) -> Share:
        """What the agent adds to each of its queues now (see the module docstring)."""
        i = IX[a.state]
        rel_start = self.counted_from(a) - self.since
        times = a.state_time
        busy = times.get(AgentState.ON_CALL, 0.0) + times.get(AgentState.WRAP_UP, 0.0)
        staffed = busy + times.get(AgentState.READY, 0.0) + times.get(AgentState.RESERVED, 0.0)
        in_busy, in_staffed = _IN_BUSY[i], _IN_STAFFED[i]
        return (i, in_busy, busy - in_busy * rel_start,
                in_staffed, staffed - in_staffed * rel_start)

    def touch(self, a: AgentRec) -> None:
        if not a.touched:
            a.touched = True
            self.touched.append(a)

    def note(self, a: AgentRec) -> None:
        if not a.noted:
            a.noted = True
            self.noted.append(a)
        self.touch(a)

    def take_touched(self) -> set[str]:
        """The ids of the agents touched since the last call (some may be gone)."""
        touched, self.touched = self.touched, []
        for a in touched:
            a.touched = False
        return {a.agent_id for a in touched}

    def fold(self) -> None:
        """Fold the agents noted since the last fold into their queues' figures."""
        if not self.noted:
            return
        noted, self.noted = self.noted, []
        for a in noted:
            a.noted = False
            old = a.share
            if old is None:                           # forgotten since
                continue
            new = self.share(a)
            if new == old:
                continue
            a.share = new
            for t in a.tallies:
                _add(t, old, -1)
                _add(t, new, 1)
            if new[0] != old[0]:
                self.by_state[old[0]] -= 1
                self.by_state[new[0]] += 1
                self.changed_queues.update(a.queues)

    def left(self, a: AgentRec) -> None:
        """The agent is forgotten (removed by a reconfigure, now logged out)."""
        share = a.share
        if share is None:
            return
        for t in a.tallies:
            _add(t, share, -1)
        self.by_state[share[0]] -= 1
        a.share, a.tallies = None, ()
        self.changed_queues.update(a.queues)
        self.touch(a)

    def rebuild(self, agents: Iterable[AgentRec], sl_seconds: dict[str, float]) -> None:
        """Agent figures of every queue from scratch (construction, reconfigure,
        reset); gives each agent its ``tallies`` and ``share``."""
        for name, sl in sl_seconds.items():
            t = self.q(name, sl)
            if t.window.sl_seconds != sl:
                t.window.set_sl_seconds(sl)
        for t in self.queues.values():
            t.by_state = [0] * len(STATES)
            t.busy_n = t.staffed_n = 0
            t.busy_acc = t.staffed_acc = 0.0
        self.by_state = [0] * len(STATES)
        for a in self.noted:
            a.noted = False
        self.noted = []
        for a in agents:
            a.tallies = tuple(self.queues[q] for q in a.queues)
            share = a.share = self.share(a)
            for t in a.tallies:
                _add(t, share, 1)
            self.by_state[share[0]] += 1
            self.touch(a)
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

    # ---------------------------------------------------------- counters
    # (waiting and ringing calls are counted by the engine itself, in
    # Floor._enqueue / _unqueue / _offer, to keep those paths lean)

    def counts(self, queue: str) -> DayCounts:
        """The queue's counters, marked changed (the caller is about to bump one)."""
        self.changed_queues.add(queue)
        return self.queues[queue].counts

    def answered(self, queue: str, now: float, wait: float) -> None:
        t = self.queues[queue]
        c = t.counts
        c.answered += 1
        c.wait_time += wait
        if wait <= t.window.sl_seconds:
            c.answered_in_sl += 1
        t.window.answered(now, wait, now - self.window)
        self.changed_queues.add(queue)

    def abandoned(self, queue: str, now: float, wait: float) -> None:
        t = self.queues[queue]
        t.counts.abandoned += 1
        if wait > t.window.sl_seconds:
            t.counts.abandoned_after_sl += 1
        t.window.abandoned(now, wait, now - self.window)
        self.changed_queues.add(queue)

    def talked(self, queue: str, now: float, seconds: float) -> None:
        t = self.queues[queue]
        t.counts.talks += 1
        t.counts.talk_time += seconds
        t.window.talked(now, seconds, now - self.window)
        self.changed_queues.add(queue)

    def wrapped(self, queue: str, now: float, seconds: float) -> None:
        t = self.queues.get(queue)
        if t is None:                  # a restored wrap-up without its queue
            return
        t.counts.wrap_ups += 1
        t.counts.wrap_time += seconds
        t.window.wrapped(now, seconds, now - self.window)
        self.changed_queues.add(queue)
