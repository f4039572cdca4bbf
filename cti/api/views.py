"""The JSON shapes of the API: service status, live calls, explain. Keys are API."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from acd.states import AgentState
from cti.calls import CallRegistry, LiveCall, Phase
from cti.reports import live

if TYPE_CHECKING:
    from cti.actions import Actions
    from cti.app import Service
    from cti.routing import Now, Router


def status(service: Service, router: Router, actions: Actions, now: float) -> dict[str, Any]:
    """What ``GET /api/v1/status`` and ``cti status`` show; ``now`` is the loop clock."""
    stats = router.engine.stats(now, include_agents=True)
    recorder, agi, calls = service.recorder, service.agi, service.calls
    queues = live.queues_now(router.engine, service.tally, now)
    return {
        "uptime_seconds": round(service.uptime, 1),
        "draining": router.draining,
        "database": "up" if recorder is None or recorder.database_up else "down",
        "pending_writes": (0 if recorder is None else recorder.pending)
        + (0 if service.journal is None else service.journal.backlog),
        "refused_writes": 0 if recorder is None else len(recorder.rejected),
        "catch_up_worker": None if recorder is None else {
            "running": recorder.worker_pid is not None, "stored": recorder.worker_stored},
        "journal": None if service.journal is None else {
            "bytes": service.journal.size, "max_bytes": service.journal.max_bytes,
            "full": service.journal.full},
        "ami": [{"name": node.name, "address": f"{node.host}:{node.port}",
                 "link": "up" if service.link_up(node.name) else "down"}
                for node in service.config.service.ami],
        "agi": {"port": agi.port if agi else None,
                "active_sessions": agi.active_sessions if agi else 0},
        "calls": {"ivr": calls.count(Phase.IVR), "waiting": calls.count(Phase.WAITING),
                  "ringing": calls.count(Phase.RINGING), "talking": calls.count(Phase.TALKING),
                  "callbacks": calls.count(Phase.CALLBACK)},
        "routing_latency_ms": percentiles(actions.routing_latency),
        "agents_by_state": {s.value: n for s, n in stats.agents_by_state.items()},
        "agents": [
            {"agent_id": a.agent_id, "state": a.state.value, "reason": a.reason,
             "in_state_for": round(a.in_state_for, 1), "answered": a.answered,
             "pending": _pending(router, a.agent_id, a.state)}
            for a in stats.agents.values()
        ],
        # Today's figures (cti/reports/definitions.py): the same as cti report's.
        "queues": [
            {"name": q["name"], "waiting": q["waiting"], "longest_wait": q["longest_wait"],
             **{k: q["today"][k] for k in ("offered", "answered", "abandoned",
                                           "short_abandoned", "service_level", "asa", "aht")}}
            for q in queues
        ],
        "centre": live.centre_now(router.engine, service.tally, now),
    }


def _pending(router: Router, agent_id: str, state: AgentState) -> str | None:
    """The state an agent in a call goes to when it ends, if it asked for another."""
    if state not in _BUSY:
        return None
    presence = router.engine.agent(agent_id).presence
    return None if presence is state else presence.value


_BUSY = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)


def live_calls(calls: CallRegistry, wall_now: float) -> list[dict[str, Any]]:
    """The live calls, oldest first."""
    return [
        {"interaction_id": c.interaction_id, "phase": c.phase.value, "queue": c.queue,
         "agent_id": c.agent_id, "caller_number": c.caller_number,
         "caller_name": c.caller_name or None, "node": c.node,
         "channel": c.channel, "priority": c.priority,
         "age": round(wall_now - c.created_at, 1), "waited": _waited(c, wall_now)}
        for c in sorted(calls, key=lambda c: c.created_at)
    ]


def _waited(call: LiveCall, wall_now: float) -> float | None:
    """Seconds from queueing to the answer (to now while it still waits)."""
    if call.queued_at is None:
        return None
    answered = call.answered_at if call.phase in (Phase.TALKING, Phase.AFTER_AGENT) else None
    return round((answered or wall_now) - call.queued_at, 1)


#: "until 1234.5" in the engine's explanations: an instant of the loop's clock.
_LOOP_INSTANT = re.compile(r"until (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$")


def explain(engine: Any, interaction_id: str, now: Now, zone: ZoneInfo,
            live: LiveCall | None = None) -> dict[str, Any]:
    """Why each agent is, or is not, a candidate for a waiting call (``Engine.explain``).

    Instants are wall-clock times in the centre's time zone (hours.yaml), never the
    loop's clock; the wait stops at the answer.
    """
    call = engine.call(interaction_id)
    verdicts = sorted(engine.explain(interaction_id, now.mono),
                      key=lambda v: (v.rank is None, v.rank or 0, v.agent_id))
    waited = _waited(live, now.wall) if live is not None else None
    if waited is None:
        waited = round(now.mono - call.arrived_at, 1)

    def clock(mono: float) -> str:
        return datetime.fromtimestamp(now.wall + (mono - now.mono), zone).strftime("%H:%M:%S")

    def detail(text: str) -> str:
        return _LOOP_INSTANT.sub(lambda m: f"until {clock(float(m.group(1)))}", text)

    return {
        "interaction_id": interaction_id, "queue": call.queue, "state": call.state.value,
        "priority": call.priority, "requirements": dict(call.requirements),
        "position": engine.position(interaction_id),
        "waited": waited, "arrived": clock(call.arrived_at),
        "agents": [{"agent_id": v.agent_id, "eligible": v.eligible, "rank": v.rank,
                    "reasons": [{"code": r.code, "detail": detail(r.detail)}
                                for r in v.reasons]}
                   for v in verdicts],
    }


def percentiles(samples: Iterable[float]) -> dict[str, float | int | None]:
    """p50/p99 in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    if not ordered:
        return {"count": 0, "p50": None, "p99": None}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"count": len(ordered), "p50": at(0.50), "p99": at(0.99)}
