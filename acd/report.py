"""Read side of the engine: snapshots, figures, statistics, estimated wait.
No mutation except pruning the rolling windows; everything is read from the
live tallies (``acd/tally.py``), so a read costs O(what it returns)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from .model import AgentRec, CallRec
from .states import AgentState, CallState
from .tally import IX, STATES, QueueTally
from .views import (
    AgentCounters,
    AgentFigures,
    AgentSnapshot,
    AgentStats,
    CallSnapshot,
    QueueFigures,
    QueueStats,
    Stats,
)

if TYPE_CHECKING:
    from .engine import Engine

_BUSY = (AgentState.ON_CALL, AgentState.WRAP_UP)
_STAFFED = (AgentState.READY, AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)
_LOGGED_OUT, _READY, _RESERVED = IX[AgentState.LOGGED_OUT], IX[AgentState.READY], \
    IX[AgentState.RESERVED]
_ON_CALL, _WRAP_UP, _NOT_READY = IX[AgentState.ON_CALL], IX[AgentState.WRAP_UP], \
    IX[AgentState.NOT_READY]


def agent_snapshot(a: AgentRec) -> AgentSnapshot:
    return AgentSnapshot(
        agent_id=a.agent_id, state=a.state, reason=a.state_reason, since=a.state_since,
        presence=a.presence, device=a.device, offer=a.offer, calls=tuple(a.active),
        wrapping=a.wrapping, wrap_until=a.wrap_until if a.wrapping else None, queues=a.queues,
        load=MappingProxyType(dict(a.load)), capacity=a.capacity, retiring=a.retiring,
    )


def call_snapshot(c: CallRec) -> CallSnapshot:
    return CallSnapshot(
        call_id=c.call_id, queue=c.queue, queues=tuple(c.queues), state=c.state,
        priority=c.priority, channel=c.channel, arrived_at=c.arrived_at,
        entered_at=c.entered_at, requirements=MappingProxyType(dict(c.reqs[c.queue])),
        agent_id=c.agent, callback=c.callback, attempts=c.attempts,
        attributes=c.attributes,
    )


def current_call(a: AgentRec) -> str | None:
    if a.offer is not None:
        return a.offer
    return next(iter(a.active), None)


def agent_counters(a: AgentRec) -> AgentCounters:
    return AgentCounters(a.offered, a.answered, a.failed, a.talk_time)


def agent_figures(a: AgentRec) -> AgentFigures:
    return AgentFigures(a.agent_id, a.state, a.state_reason, a.state_since, current_call(a),
                        a.device, a.queues, agent_counters(a))


def queue_figures(engine: Engine, name: str) -> QueueFigures:
    """(Fold the noted agents first: ``engine._tally.fold()``.)"""
    t = engine._tally.queues[name]
    spec = engine._queues[name]
    n = t.by_state
    oldest = t.entered[0] if t.entered else None
    members = sum(n)
    return QueueFigures(
        queue=name, waiting=len(t.entered), ringing=t.ringing,
        oldest_entered_at=None if oldest is None else oldest[0],
        members=members, logged_in=members - n[_LOGGED_OUT], ready=n[_READY],
        reserved=n[_RESERVED], on_call=n[_ON_CALL], wrap_up=n[_WRAP_UP],
        not_ready=n[_NOT_READY], counters=t.counts.snapshot(),
        counted_since=engine._tally.since, sl_seconds=spec.sl_seconds,
        sl_percent=spec.sl_percent, draining=name in engine._draining,
    )


def _time_in(a: AgentRec, now: float, counted_since: float) -> dict[AgentState, float]:
    """Seconds in each state since the reset point, the current state up to ``now``."""
    times = dict(a.state_time)
    start = a.state_since if a.state_since > counted_since else counted_since
    times[a.state] = times.get(a.state, 0.0) + max(0.0, now - start)
    return times


def _occupancy(times: dict[AgentState, float]) -> float | None:
    staffed = sum(times.get(s, 0.0) for s in _STAFFED)
    if staffed <= 0:
        return None
    return 100.0 * sum(times.get(s, 0.0) for s in _BUSY) / staffed


def estimated_wait(engine: Engine, c: CallRec, now: float) -> float | None:
    if c.state is not CallState.WAITING:
        return 0.0
    position = engine._wl(c.queue, c.channel).position(c.key) or 1
    spec = engine._queues[c.queue]
    window = engine._tally.queues[c.queue].window
    window.prune(now - engine._tally.window)
    aht = window.aht() or spec.default_handle_time
    slots = 0
    seen: set[str] = set()
    for q in c.queues:
        reqs = c.reqs[q]
        for agent_id in engine._members.get(q, {}):
            if agent_id in seen:
                continue
            seen.add(agent_id)
            a = engine._agents[agent_id]
            if a.presence is AgentState.READY and not a.retiring and a.meets(reqs):
                slots += a.capacity.get(c.channel, 0)
    if slots == 0:
        return None
    return position * aht / slots


def queue_stats(engine: Engine, t: QueueTally, now: float) -> QueueStats:
    name = t.name
    spec = engine._queues[name]
    tally = engine._tally
    window = t.window
    window.prune(now - tally.window)
    counts = t.counts
    rel = now - tally.since
    staffed = t.staffed_seconds(rel)
    oldest = t.entered[0] if t.entered else None
    return QueueStats(
        queue=name, waiting=len(t.entered), ringing=t.ringing,
        longest_wait=0.0 if oldest is None else now - oldest[0],
        agents=MappingProxyType(dict(zip(STATES, t.by_state, strict=True))),
        offered=counts.offered, answered=counts.answered, abandoned=counts.abandoned,
        exited=counts.exited, removed=counts.removed, transferred_out=counts.transferred_out,
        service_level=window.service_level(), sl_target=spec.sl_percent,
        sl_seconds=spec.sl_seconds, asa=window.asa(), aht=window.aht(),
        occupancy=(100.0 * t.busy_seconds(rel) / staffed) if staffed > 0 else None,
        window=tally.window, draining=name in engine._draining,
    )


def agent_stats(a: AgentRec, now: float, counted_since: float) -> AgentStats:
    times = _time_in(a, now, counted_since)
    return AgentStats(
        agent_id=a.agent_id, state=a.state, reason=a.state_reason,
        in_state_for=now - a.state_since, offered=a.offered, answered=a.answered,
        failed=a.failed, talk_time=a.talk_time, occupancy=_occupancy(times),
        time_in=MappingProxyType(times),
    )


def stats(engine: Engine, now: float, include_agents: bool = True) -> Stats:
    tally = engine._tally
    tally.fold()
    queues = {name: queue_stats(engine, tally.queues[name], now) for name in engine._queues}
    agents = {} if not include_agents else {
        agent_id: agent_stats(a, now, tally.since) for agent_id, a in engine._agents.items()
    }
    return Stats(at=now, queues=MappingProxyType(queues), agents=MappingProxyType(agents),
                 agents_by_state=MappingProxyType(agents_by_state(engine)),
                 waiting_calls=tally.waiting_calls)


def agents_by_state(engine: Engine) -> dict[AgentState, int]:
    engine._tally.fold()
    return dict(zip(STATES, engine._tally.by_state, strict=True))
