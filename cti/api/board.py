"""What desktops are shown of the live state: agents, queues, calls and the options
of the config, as JSON-ready dicts. Reads only (the engine's figures, the live
calls); runs in the event loop between two routing steps, so it sees a
consistent state. Times are wall-clock epoch seconds (the engine counts on the
loop's clock)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from acd.states import AgentState
from acd.views import AgentFigures, QueueFigures
from cti.api.policy import CallParties, Policy, Principal
from cti.calls import LiveCall, Phase
from cti.config import Config

if TYPE_CHECKING:
    from cti.routing import Router

_BUSY = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)


class Board:
    def __init__(self, router: Callable[[], Router | None], calls: Iterable[LiveCall],
                 config: Callable[[], Config],
                 desktops: Callable[[str], int] = lambda _a: 0,
                 centre: Callable[[], dict[str, Any]] | None = None) -> None:
        self._router = router
        self._centre = centre
        self._calls = calls
        self._config = config
        self.desktops_of = desktops

    @property
    def router(self) -> Router:
        router = self._router()
        if router is None:
            raise RuntimeError("the routing loop is not running")
        return router

    def wall(self, mono: float) -> float:
        return time.time() - (asyncio.get_running_loop().time() - mono)

    # --- agents ------------------------------------------------------------------------

    def agent_ids(self) -> list[str]:
        return sorted(self._config().agents)

    def agent(self, agent_id: str) -> dict[str, Any]:
        router = self.router
        engine = router.engine
        snap = engine.agent(agent_id)
        fig: AgentFigures = engine.agent_figures(agent_id)
        config = self._config()
        view: dict[str, Any] = {
            "agent_id": agent_id, "name": config.agents[agent_id].name,
            "state": snap.state.value, "reason": snap.reason,
            "pending": snap.presence.value
            if snap.presence is not snap.state and snap.state in _BUSY else None,
            "since": round(self.wall(fig.since), 3),
            "endpoint": router.endpoint_of(agent_id), "device": fig.device.value,
            "desktops": self.desktops_of(agent_id), "queues": list(fig.queues),
            "call_id": fig.call_id, "offered": fig.counters.offered,
            "answered": fig.counters.answered, "missed": fig.counters.missed,
            "talk_time": round(fig.counters.talk_time, 1)}
        pause = config.pause_reasons.get(snap.reason or "") \
            if snap.state is AgentState.NOT_READY else None
        if pause is not None:
            view["pause"] = {"code": pause.code, "label": pause.label, "paid": pause.paid,
                             "max_minutes": pause.max_minutes}
        return view

    def agents(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        known = self._config().agents
        return [self.agent(a) for a in sorted(ids) if a in known]

    # --- queues ------------------------------------------------------------------------

    def queue(self, name: str) -> dict[str, Any]:
        return self.queue_view(self.router.engine.queue_figures(name))

    def queue_view(self, f: QueueFigures) -> dict[str, Any]:
        c = f.counters
        return {
            "name": f.queue, "waiting": f.waiting, "ringing": f.ringing,
            "oldest_since": None if f.oldest_entered_at is None
            else round(self.wall(f.oldest_entered_at), 3),
            "members": f.members, "logged_in": f.logged_in, "ready": f.ready,
            "reserved": f.reserved, "on_call": f.on_call, "wrap_up": f.wrap_up,
            "not_ready": f.not_ready, "offered": c.offered, "answered": c.answered,
            "abandoned": c.abandoned, "answered_in_sl": c.answered_in_sl,
            "service_level": _round(c.service_level), "asa": _round(c.asa),
            "aht": _round(c.aht), "sl_seconds": f.sl_seconds, "sl_percent": f.sl_percent,
            "draining": f.draining}

    def queues(self, names: Iterable[str]) -> list[dict[str, Any]]:
        known = self._config().queues
        return [self.queue(q) for q in sorted(names) if q in known]

    # --- calls -------------------------------------------------------------------------

    def calls(self, p: Principal, policy: Policy) -> list[dict[str, Any]]:
        """The live calls ``p`` may see, oldest first; the screen-pop of calls ringing or
        talking at an agent."""
        now = time.time()
        out = []
        for call in sorted(self._calls, key=lambda c: c.created_at):
            parties = CallParties(call.interaction_id,
                                  frozenset({call.agent_id} if call.agent_id else ()),
                                  frozenset({call.queue} if call.queue else ()))
            if policy.sees_call(p, parties):
                out.append(self.call_view(call, now))
        return out

    def call_view(self, call: LiveCall, now: float) -> dict[str, Any]:
        view = {
            "interaction_id": call.interaction_id, "phase": call.phase.value,
            "queue": call.queue, "agent_id": call.agent_id,
            "caller_number": call.caller_number, "caller_name": call.caller_name or None,
            "case_id": call.case_id,
            "customer_id": (call.customer or {}).get("customer_id"),
            "held": call.held_at is not None, "callback": call.is_callback,
            "age": round(now - call.created_at, 1),
            "waited": None if call.queued_at is None else round(now - call.queued_at, 1)}
        if call.agent_id is not None and call.phase in (Phase.RINGING, Phase.TALKING):
            view["screen_pop"] = call.screen_pop(now)
        return view

    def centre(self) -> dict[str, Any]:
        """The centre's mode and closed queues (call control), or normal without it."""
        if self._centre is None:
            return {"mode": "normal", "message": None, "closed_queues": []}
        return self._centre()

    # --- what desktops may choose ------------------------------------------------------

    def options(self) -> dict[str, Any]:
        config = self._config()
        return {
            "pause_reasons": [r.model_dump() for r in config.pause_reasons.values()],
            "desks": list(config.desks),
            "dispositions": {q.name: [d.model_dump() for d in q.dispositions]
                             for q in config.queues.values()},
            "units": [{"id": u.id, "name": u.name, "kind": u.kind}
                      for u in config.units.values()],
            "review_forms": [f.model_dump() for f in config.service.quality.forms],
            "timezone": config.hours.timezone}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
