"""The live figures: the centre's current local day, from the engine's own counters.

The engine keeps its day counters up to date as things happen (acd/tally.py):
reading a queue is O(1) and nothing is recounted in the routing loop. This
module adds what the engine does not count (short abandons, from the event
stream), turns the counters into figures with cti/reports/definitions.py (the
ones the reports use), and keeps the day right:

- at start, ``read_seed`` reads today's counts from the records (the report
  queries) and ``apply_seed`` gives them to the engine, so a restart neither
  zeroes the day nor counts the previous run twice;
- at each local midnight (hours.yaml time zone) ``roll_day`` starts them again.

``queues_now``, ``queue_calls``, ``agents_now`` and ``centre_now`` are the
JSON shapes of ``cti watch``, ``cti queues``, ``cti queue show``,
``cti agents``, the status line and /metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import asyncpg

from acd.states import AgentState
from cti import events as ev
from cti.reports import definitions as d
from cti.reports import queries as q

if TYPE_CHECKING:
    from acd.engine import Engine
    from cti.calls import CallRegistry
    from cti.config import Config


class DayTally:
    """What the service counts from the event stream itself: each queue's short
    abandons today, and every event processed (for /metrics). A stream consumer:
    ``accept`` only updates dicts, it never blocks."""

    def __init__(self, short_abandon_seconds: float) -> None:
        self.short_abandon_seconds = short_abandon_seconds
        self.short_abandons: dict[str, int] = {}
        #: event type -> events processed since the start
        self.processed: dict[str, int] = {}
        self._entered: dict[str, tuple[int, float]] = {}   # interaction -> (segment, at)

    def accept(self, events: Sequence[ev.DomainEvent]) -> None:
        for e in events:
            self.processed[e.TYPE] = self.processed.get(e.TYPE, 0) + 1
            if isinstance(e, ev.CallQueued):
                iid = e.interaction_id or ""
                known = self._entered.get(iid)
                if known is None or known[0] != e.segment:
                    entered = e.arrived_at if e.cause == "restore" and e.arrived_at else e.at
                    self._entered[iid] = (e.segment, entered)
            elif isinstance(e, ev.CallEnded):
                known = self._entered.pop(e.interaction_id or "", None)
                if (known is not None and e.outcome == "abandoned" and e.queue
                        and e.at - known[1] < self.short_abandon_seconds):
                    self.short_abandons[e.queue] = self.short_abandons.get(e.queue, 0) + 1

    def reset(self, seed: Mapping[str, int] | None = None) -> None:
        """A new day: short abandons from ``seed`` (today's records) or zero."""
        self.short_abandons = dict(seed or {})


@dataclass(frozen=True, slots=True)
class Seed:
    """Today so far, read from the records: per queue and per agent."""

    day: date
    queues: Mapping[str, d.CallCounts] = field(default_factory=dict)
    agents: Mapping[str, d.AgentCounts] = field(default_factory=dict)


def local_midnight(wall: float, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    return datetime.combine(datetime.fromtimestamp(wall, zone).date(), time(0), zone)


def next_midnight(wall: float, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    day = datetime.fromtimestamp(wall, zone).date() + timedelta(days=1)
    return datetime.combine(day, time(0), zone)


async def read_seed(pool: asyncpg.Pool, config: Config, wall: float) -> Seed:
    """Today's counts per queue and per agent, with the report queries."""
    from cti.reports.run import call_params

    timezone = config.hours.timezone
    since = local_midnight(wall, timezone)
    until = next_midnight(wall, timezone)
    window = q.Window(since, until, timezone)
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        calls = await q.call_counts(conn, window, call_params(config))
        agents = await q.agent_counts(conn, window, None,
                                      datetime.fromtimestamp(wall, since.tzinfo))
    return Seed(since.date(), {queue: c for (_, queue), c in calls.items()},
                {agent: a for (_, agent), a in agents.counts.items()})


def apply_seed(engine: Engine, tally: DayTally, seed: Seed, *, mono: float,
               wall: float, timezone: str) -> None:
    """Start the engine's day at the last local midnight with ``seed`` (before
    ``resume``: nothing has been counted yet)."""
    midnight = local_midnight(wall, timezone).timestamp()
    engine.reset_counters(mono - (wall - midnight))
    queues = set(engine.queue_specs())
    for queue, counts in seed.queues.items():
        if queue in queues:
            engine.seed_counters(queue, d.engine_counters(counts))
    agents = set(engine.agent_ids())
    for agent, counts in seed.agents.items():
        if agent in agents:
            engine.seed_agent_counters(agent, d.engine_agent_counters(counts))
    tally.reset({queue: c.short_abandoned for queue, c in seed.queues.items()})


def roll_day(engine: Engine, tally: DayTally, mono: float) -> None:
    """Local midnight: the day's counters start again."""
    engine.reset_counters(mono)
    tally.reset()


# --- the JSON shapes ------------------------------------------------------------------------


def queue_counts(engine: Engine, tally: DayTally) -> dict[str, d.CallCounts]:
    return {name: d.live_call_counts(f.counters, tally.short_abandons.get(name, 0))
            for name, f in engine.all_queue_figures().items()}


def queues_now(engine: Engine, tally: DayTally, mono: float) -> list[dict[str, Any]]:
    """Each queue now (waiting, ringing, longest wait, agents) and today's figures."""
    out = []
    for name, f in sorted(engine.all_queue_figures().items()):
        counts = d.live_call_counts(f.counters, tally.short_abandons.get(name, 0))
        out.append({
            "name": name, "waiting": f.waiting, "ringing": f.ringing,
            "longest_wait": 0.0 if f.oldest_entered_at is None
            else round(max(0.0, mono - f.oldest_entered_at), 1),
            "agents": {"logged_in": f.logged_in, "ready": f.ready, "reserved": f.reserved,
                       "on_call": f.on_call, "wrap_up": f.wrap_up, "not_ready": f.not_ready},
            "sl_target": f.sl_percent, "sl_seconds": f.sl_seconds, "draining": f.draining,
            "today": _rounded(d.call_figures(counts)),
        })
    return out


def centre_now(engine: Engine, tally: DayTally, mono: float) -> dict[str, Any]:
    """The whole centre: the queues' counts added, then the figures (a weighted
    service level, never a mean of the queues' levels)."""
    figures = engine.all_queue_figures()
    total = d.CallCounts.total(d.live_call_counts(f.counters, tally.short_abandons.get(n, 0))
                               for n, f in figures.items())
    oldest = [f.oldest_entered_at for f in figures.values() if f.oldest_entered_at is not None]
    return {"waiting": sum(f.waiting for f in figures.values()),
            "longest_wait": round(max(0.0, mono - min(oldest)), 1) if oldest else 0.0,
            "today": _rounded(d.call_figures(total))}


def queue_calls(engine: Engine, calls: CallRegistry, queue: str,
                mono: float) -> list[dict[str, Any]]:
    """The calls waiting in ``queue``, in the order they will be offered."""
    out = []
    for call_id in engine.waiting(queue):
        snapshot = engine.call(call_id)
        live = calls.get(call_id)
        estimate = engine.estimated_wait(call_id, mono)
        out.append({
            "interaction_id": call_id, "position": engine.position(call_id),
            "waited": round(mono - snapshot.entered_at, 1), "priority": snapshot.priority,
            "estimated_wait": None if estimate is None else round(estimate, 1),
            "callback": snapshot.callback, "attempts": snapshot.attempts,
            "caller_number": None if live is None else live.caller_number or None,
        })
    return out


def agents_now(engine: Engine, config: Config, mono: float) -> list[dict[str, Any]]:
    """Each agent now, with today's counters and occupancy."""
    stats = engine.stats(mono).agents
    out = []
    for agent_id, f in sorted(engine.all_agent_figures().items()):
        s = stats.get(agent_id)
        times = {} if s is None else {k.value: v for k, v in s.time_in.items()}
        busy = sum(times.get(x, 0.0) for x in d.BUSY_STATES)
        staffed = sum(times.get(x, 0.0) for x in d.STAFFED_STATES)
        agent = config.agents.get(agent_id)
        out.append({
            "agent_id": agent_id, "name": agent.name if agent else "",
            "state": f.state.value, "reason": f.reason,
            "for": round(max(0.0, mono - f.since), 1), "call": f.call_id,
            "queues": list(f.queues), "offered": f.counters.offered,
            "answered": f.counters.answered, "missed": f.counters.missed,
            "talk_time": round(f.counters.talk_time, 1),
            "occupancy": _round(d.occupancy(busy, staffed)),
        })
    return out


def agents_by_state(engine: Engine) -> dict[str, int]:
    return {s.value: n for s, n in engine.agents_by_state().items()}


def logged_in(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["state"] != AgentState.LOGGED_OUT.value]


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: _round(v) for k, v in figures.items()}
