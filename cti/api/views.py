"""The JSON shapes of the API: service status, live calls, explain. Keys are API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cti.calls import CallRegistry, Phase
from cti.reports import live

if TYPE_CHECKING:
    from cti.actions import Actions
    from cti.app import Service
    from cti.routing import Router


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
             "in_state_for": round(a.in_state_for, 1), "answered": a.answered}
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


def live_calls(calls: CallRegistry, wall_now: float) -> list[dict[str, Any]]:
    """The live calls, oldest first."""
    return [
        {"interaction_id": c.interaction_id, "phase": c.phase.value, "queue": c.queue,
         "agent_id": c.agent_id, "caller_number": c.caller_number, "node": c.node,
         "channel": c.channel, "priority": c.priority,
         "age": round(wall_now - c.created_at, 1),
         "waited": None if c.queued_at is None else round(wall_now - c.queued_at, 1)}
        for c in sorted(calls, key=lambda c: c.created_at)
    ]


def explain(engine: Any, interaction_id: str, now: float) -> dict[str, Any]:
    """Why each agent is, or is not, a candidate for a waiting call (``Engine.explain``)."""
    call = engine.call(interaction_id)
    verdicts = sorted(engine.explain(interaction_id, now),
                      key=lambda v: (v.rank is None, v.rank or 0, v.agent_id))
    return {
        "interaction_id": interaction_id, "queue": call.queue, "state": call.state.value,
        "priority": call.priority, "requirements": dict(call.requirements),
        "position": engine.position(interaction_id),
        "waited": round(now - call.arrived_at, 1),
        "agents": [{"agent_id": v.agent_id, "eligible": v.eligible, "rank": v.rank,
                    "reasons": [{"code": r.code, "detail": r.detail} for r in v.reasons]}
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
