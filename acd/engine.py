"""The ACD engine: events in, decisions out, time passed in.

Layers, each a module: ``floor`` (state, indexes, matching), ``deadlines``
(tick, escalation, exits, wrap-up), ``restore`` (reconfigure, crash
recovery, holding offers), ``figures`` (the live figures a supervisor board
reads), and here the event handlers and the read side. The routing rules
are written out at the top of ``acd/floor.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

from . import explain as _explain
from . import report as _report
from .decisions import Decision
from .errors import (
    AcdError,
    DuplicateCall,
    InvalidCallState,
    InvalidEvent,
    InvalidTransition,
    NoSuchOffer,
    UnknownEvent,
    UnknownQueue,
)
from .events import (
    FAIL_REASONS,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    CallAbandoned,
    CallArrived,
    CallbackRequested,
    CallEnded,
    CallRemoved,
    CallTransferred,
    DeviceStateChanged,
    Event,
    OfferAnswered,
    OfferFailed,
    WrapUpDone,
)
from .figures import Figures
from .floor import Out, check_channel
from .model import AgentRec, CallRec
from .specs import CHANNELS, AgentSpec, QueueSpec
from .states import CALL_HINTS, CALL_MOVES, PRESENCE_MOVES, AgentState, CallState, DeviceState
from .views import AgentSnapshot, CallSnapshot, Stats, Verdict


class Engine(Figures):
    """Skills-based routing for one contact centre.

    Args:
        queues, agents: the configuration (see QueueSpec, AgentSpec).
        seed: seeds the RANDOM strategy.
        offer_margin: seconds after ``ring_timeout`` the engine waits for
            OfferAnswered / OfferFailed before it fails the offer itself.
        stats_window: seconds of the rolling window of service level, ASA, AHT.
        now: the clock at construction (agents' state clocks start there).

    Raises:
        ConfigInvalid: duplicate names, an exit or escalation naming an unknown
            queue, an agent serving an unknown queue.
    """

    def __init__(self, queues: Iterable[QueueSpec], agents: Iterable[AgentSpec], seed: int = 0,
                 *, offer_margin: float = 5.0, stats_window: float = 900.0,
                 now: float = 0.0) -> None:
        super().__init__(queues, agents, seed, offer_margin, stats_window, now)
        self._handlers: dict[type, Callable[[Any, float, Out], None]] = {
            AgentLoggedIn: self._on_logged_in,
            AgentLoggedOut: self._on_logged_out,
            AgentReady: self._on_ready,
            AgentNotReady: self._on_not_ready,
            DeviceStateChanged: self._on_device,
            CallArrived: self._on_arrived,
            OfferAnswered: self._on_answered,
            OfferFailed: self._on_failed,
            CallAbandoned: self._on_abandoned,
            CallEnded: self._on_ended,
            WrapUpDone: self._on_wrapup_done,
            CallTransferred: self._on_transferred,
            CallbackRequested: self._on_callback,
            CallRemoved: self._on_removed,
        }

    # ------------------------------------------------------------------ API

    def handle(self, event: Event, now: float) -> list[Decision]:
        """Apply one event; returns the decisions it causes, in order.

        Raises:
            AcdError (a subclass naming the id and the state): the event does
            not fit; the engine is unchanged.
        """
        handler = self._handlers.get(type(event))
        if handler is None:
            raise UnknownEvent(event)
        out: Out = []
        handler(event, now, out)
        self._dispatch(now, out)
        return out

    # ------------------------------------------------------- agent events

    def _presence_move(self, event: Any, now: float, out: Out,
                       presence: AgentState, reason: str | None) -> None:
        a = self._agent(event.agent_id)
        name = type(event).__name__
        if a.retiring:
            raise InvalidTransition(a.agent_id, name, "RETIRING (removed from the configuration)")
        if a.presence not in PRESENCE_MOVES[name]:
            raise InvalidTransition(a.agent_id, name, _state_text(a.presence, a.reason))
        if a.presence is AgentState.LOGGED_OUT:
            a.logged_in_at = now
        a.presence, a.reason = presence, reason
        self._touch(a, now, out)

    def _on_logged_in(self, e: AgentLoggedIn, now: float, out: Out) -> None:
        if e.ready:
            self._presence_move(e, now, out, AgentState.READY, None)
        else:
            self._presence_move(e, now, out, AgentState.NOT_READY, e.reason)

    def _on_logged_out(self, e: AgentLoggedOut, now: float, out: Out) -> None:
        self._presence_move(e, now, out, AgentState.LOGGED_OUT, None)

    def _on_ready(self, e: AgentReady, now: float, out: Out) -> None:
        self._presence_move(e, now, out, AgentState.READY, None)

    def _on_not_ready(self, e: AgentNotReady, now: float, out: Out) -> None:
        self._presence_move(e, now, out, AgentState.NOT_READY, e.reason)

    def _on_device(self, e: DeviceStateChanged, now: float, out: Out) -> None:
        a = self._agent(e.agent_id)
        try:
            device = DeviceState(e.device)
        except ValueError:
            raise InvalidEvent(f"agent {e.agent_id}: device state {e.device!r}; use one of "
                               f"{', '.join(d.value for d in DeviceState)}") from None
        a.device = device
        self._touch(a, now, out)

    def _on_wrapup_done(self, e: WrapUpDone, now: float, out: Out) -> None:
        a = self._agent(e.agent_id)
        if not a.wrapping:
            raise InvalidTransition(a.agent_id, "WrapUpDone", _state_text(a.state, a.state_reason))
        self._end_wrap(a, now, e.disposition, out)

    # -------------------------------------------------------- call events

    def _on_arrived(self, e: CallArrived, now: float, out: Out) -> None:
        old = self._calls.get(e.call_id)
        if old is not None:
            raise DuplicateCall(e.call_id, old.state.value)
        spec = self._open_queue(e.queue)
        channel = check_channel(e.call_id, e.channel)
        reqs = self._requirements(e.call_id, spec, e.skills, e.extra_skills)
        arrived = now if e.arrived_at is None else e.arrived_at
        call = CallRec(e.call_id, e.queue, int(e.priority), channel, reqs,
                       dict(e.extra_skills), arrived, arrived,
                       MappingProxyType(dict(e.attributes)), e.callback)
        self._admit(call, e.queue, now, out, set())

    def _on_answered(self, e: OfferAnswered, now: float, out: Out) -> None:
        c, a = self._offer_of(e, e.call_id, e.agent_id)
        a.offer = None
        a.active[c.call_id] = c.channel
        a.load[c.channel] = a.load.get(c.channel, 0) + 1
        a.answered += 1
        via = c.offer_queue or c.queue
        a.calls_by_queue[via] = a.calls_by_queue.get(via, 0) + 1
        c.state = CallState.TALKING
        c.answered_at = now
        self._tally.queues[c.queue].ringing -= 1      # (marked changed by answered)
        self._tally.answered(c.queue, now, now - c.entered_at)
        self._touch(a, now, out)

    def _on_failed(self, e: OfferFailed, now: float, out: Out) -> None:
        c, a = self._offer_of(e, e.call_id, e.agent_id)
        if e.reason not in FAIL_REASONS:
            raise InvalidEvent(f"call {e.call_id}: OfferFailed reason {e.reason!r}; use one of "
                               f"{', '.join(sorted(FAIL_REASONS))}")
        self._fail_offer(c, a, e.reason, now, out)

    def _on_abandoned(self, e: CallAbandoned, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        self._tally.abandoned(c.queue, now, now - c.entered_at)
        self._drop_call(c, now, out)

    def _on_removed(self, e: CallRemoved, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        self._tally.counts(c.queue).removed += 1
        self._drop_call(c, now, out)

    def _on_ended(self, e: CallEnded, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        a = self._agents[c.agent or ""]
        del self._calls[c.call_id]
        self._release(a, c, now, out)

    def _on_transferred(self, e: CallTransferred, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        spec = self._open_queue(e.queue)
        reqs = self._requirements(e.call_id, spec, e.skills, e.extra_skills)
        a = self._agents[c.agent or ""]
        del self._calls[c.call_id]
        self._release(a, c, now, out)
        self._tally.counts(c.queue).transferred_out += 1
        c.queue, c.queues, c.reqs = e.queue, [e.queue], {e.queue: reqs}
        c.extra = dict(e.extra_skills)
        c.arrived_at = c.entered_at = now
        c.set_priority(c.priority if e.priority is None else int(e.priority))
        c.state, c.agent, c.offer_queue = CallState.WAITING, None, None
        c.step_index, c.excluded = 0, {}
        c.timer_due = None
        self._admit(c, e.queue, now, out, set())

    def _on_callback(self, e: CallbackRequested, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        c.callback = True
        self._arm_call_timer(c)

    # ---------------------------------------------------------- checking

    def _call_in_state(self, event: Any, call_id: str) -> CallRec:
        c = self._call(call_id)
        name = type(event).__name__
        if c.state not in CALL_MOVES[name]:
            hint = CALL_HINTS.get((name, c.state), "")
            raise InvalidCallState(call_id, name, c.state.value, hint)
        return c

    def _offer_of(self, event: Any, call_id: str, agent_id: str) -> tuple[CallRec, AgentRec]:
        name = type(event).__name__
        c = self._calls.get(call_id)
        if c is None:
            raise NoSuchOffer(call_id, agent_id, "the call is not in the engine")
        if c.state is not CallState.OFFERED:
            raise NoSuchOffer(call_id, agent_id, f"{name} but the call is {c.state.value}")
        if c.agent != agent_id:
            raise NoSuchOffer(call_id, agent_id, f"it rings on agent {c.agent!r}")
        return c, self._agents[agent_id]

    def _open_queue(self, name: str) -> QueueSpec:
        spec = self._queues.get(name)
        if spec is None:
            raise UnknownQueue(name)
        if name in self._draining:
            raise UnknownQueue(name, " (removed from the configuration, draining)")
        return spec

    def _drop_call(self, c: CallRec, now: float, out: Out) -> None:
        """Forget a waiting or ringing call (abandoned, removed)."""
        if c.state is CallState.OFFERED:
            a = self._agents[c.agent or ""]
            self._tally.queues[c.queue].ringing -= 1
            self._tally.changed_queues.add(c.queue)
            a.offer = None
            self._touch(a, now, out)
        else:
            self._unqueue(c)
        del self._calls[c.call_id]

    # ------------------------------------------------------------ reading

    def position(self, call_id: str) -> int | None:
        """1-based place of a waiting call in its queue (its channel); None if not waiting."""
        c = self._call(call_id)
        if c.state is not CallState.WAITING:
            return None
        return self._wl(c.queue, c.channel).position(c.key)

    def estimated_wait(self, call_id: str, now: float) -> float | None:
        """Seconds until an offer, estimated as position x handle time / agents.

        Handle time is the queue's live average (talk + wrap-up) over the
        statistics window, else the queue's ``default_handle_time``; agents are
        the queue's members, logged in and not paused, skilled for the call.
        0 when ringing or talking; None when nobody can serve it now.
        """
        return _report.estimated_wait(self, self._call(call_id), now)

    def stats(self, now: float, include_agents: bool = True) -> Stats:
        """Real-time statistics per queue and per agent (see QueueStats), read
        from the live figures: O(queues), plus O(agents) for the per-agent
        part, which ``include_agents=False`` skips. A board that pushes
        changes reads ``queue_figures`` / ``take_changes`` instead."""
        return _report.stats(self, now, include_agents)

    def explain(self, call_id: str, now: float) -> list[Verdict]:
        """For every agent, why it is or is not a candidate for the call."""
        return _explain.explain(self, self._call(call_id), now)

    def agent(self, agent_id: str) -> AgentSnapshot:
        return _report.agent_snapshot(self._agent(agent_id))

    def call(self, call_id: str) -> CallSnapshot:
        return _report.call_snapshot(self._call(call_id))

    def agent_ids(self) -> list[str]:
        return list(self._agents)

    def call_ids(self) -> list[str]:
        return list(self._calls)

    def waiting(self, queue: str) -> list[str]:
        """Call ids waiting in ``queue`` in routing order (all channels merged)."""
        if queue not in self._queues:
            raise UnknownQueue(queue)
        keys = sorted(k for ch in CHANNELS for k in self._waiting.get((queue, ch), ()))
        return [k[2] for k in keys]

    def agents_by_state(self) -> dict[AgentState, int]:
        return _report.agents_by_state(self)

    def queue_specs(self) -> dict[str, QueueSpec]:
        return dict(self._queues)


def _state_text(state: AgentState, reason: str | None) -> str:
    return f"{state.value}({reason})" if reason else state.value


__all__ = ["AcdError", "Engine"]
