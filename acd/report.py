"""Read side of the engine: snapshots, statistics, estimated wait. No mutation
except pruning the rolling windows."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from .model import AgentRec, CallRec
from .states import AgentState, CallState
from .views import AgentSnapshot, AgentStats, CallSnapshot, QueueStats, Stats

if TYPE_CHECKING:
    from .engine import Engine

_BUSY = (AgentState.ON_CALL, AgentState.WRAP_UP)
_STAFFED = (AgentState.READY, AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)


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


def _time_in(a: AgentRec, now: float) -> dict[AgentState, float]:
    times = dict(a.state_time)
    times[a.state] = times.get(a.state, 0.0) + max(0.0, now - a.state_since)
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
    counters = engine._stats.q(c.queue)
    counters.prune(now, engine._stats.window)
    aht = counters.aht() or spec.default_handle_time
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


def stats(engine: Engine, now: float, include_agents: bool = True) -> Stats:
    window = engine._stats.window
    waiting: dict[str, list[CallRec]] = {q: [] for q in engine._queues}
    calls = engine._calls
    for (q, _), wl in engine._waiting.items():
        if q in waiting:
            waiting[q].extend(calls[k[2]] for k in wl)
    ringing = dict.fromkeys(engine._queues, 0)
    for c in calls.values():
        if c.state is CallState.OFFERED:
            ringing[c.queue] = ringing.get(c.queue, 0) + 1
    times: dict[str, dict[AgentState, float]] = {}
    work: dict[str, tuple[AgentState, float, float]] = {}      # state, busy, staffed seconds
    for agent_id, a in engine._agents.items():
        t = times[agent_id] = _time_in(a, now)
        busy = t.get(AgentState.ON_CALL, 0.0) + t.get(AgentState.WRAP_UP, 0.0)
        work[agent_id] = (a.state, busy, busy + t.get(AgentState.READY, 0.0)
                          + t.get(AgentState.RESERVED, 0.0))
    queues: dict[str, QueueStats] = {}
    for name, spec in engine._queues.items():
        counters = engine._stats.q(name)
        counters.prune(now, window)
        by_state = dict.fromkeys(AgentState, 0)
        busy = staffed = 0.0
        for agent_id in engine._members.get(name, {}):
            state, b, s = work[agent_id]
            by_state[state] += 1
            busy += b
            staffed += s
        waiting_here = waiting[name]
        queues[name] = QueueStats(
            queue=name, waiting=len(waiting_here), ringing=ringing.get(name, 0),
            longest_wait=max((now - c.entered_at for c in waiting_here), default=0.0),
            agents=MappingProxyType(by_state), offered=counters.offered,
            answered=counters.answered, abandoned=counters.abandoned, exited=counters.exited,
            removed=counters.removed, transferred_out=counters.transferred_out,
            service_level=counters.service_level(spec.sl_seconds), sl_target=spec.sl_percent,
            sl_seconds=spec.sl_seconds, asa=counters.asa(), aht=counters.aht(),
            occupancy=(100.0 * busy / staffed) if staffed > 0 else None, window=window,
            draining=name in engine._draining,
        )
    agents = {} if not include_agents else {
        agent_id: AgentStats(
            agent_id=agent_id, state=a.state, reason=a.state_reason,
            in_state_for=now - a.state_since, offered=a.offered, answered=a.answered,
            failed=a.failed, talk_time=a.talk_time, occupancy=_occupancy(times[agent_id]),
            time_in=MappingProxyType(times[agent_id]),
        )
        for agent_id, a in engine._agents.items()
    }
    return Stats(at=now, queues=MappingProxyType(queues), agents=MappingProxyType(agents),
                 agents_by_state=MappingProxyType(engine.agents_by_state()),
                 waiting_calls=sum(1 for c in calls.values() if c.state is CallState.WAITING))
