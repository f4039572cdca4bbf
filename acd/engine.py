"""The ACD engine: events in, decisions out, time passed in.

Everything that changes routing lives here. The rules, in one place:

- A call waits in the waiting lists of its queues (its own queue, plus queues
  added by an overflow escalation step), one list per (queue, channel), ordered
  by priority, original arrival, call_id.
- An agent is *routable* on a channel when its presence is READY, no offer
  rings on it, it is not in wrap-up, its load on the channel is below capacity
  and, for voice, its phone is AVAILABLE. Routable agents sit in one index per
  (queue, channel), so matching never scans the whole floor.
- Work conserving: after every event and tick the engine re-matches whatever
  changed (dirty agents first: each takes the best call it can serve; then
  dirty calls in routing order: each takes the best agent by its queue's
  strategy). So no call waits while a routable agent could take it.
- One offer at a time: an agent holds at most one ringing offer (of any
  channel); a call rings on one agent at a time.
- A failed offer puts the call back in its place (its key is its original
  arrival) and skips that agent for that call during ``reoffer_delay``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from . import explain as _explain
from . import report as _report
from .decisions import (
    AgentStateChanged,
    CallQueued,
    Decision,
    Escalated,
    Offer,
    OfferTimedOut,
    QueueExit,
)
from .errors import (
    AcdError,
    ConfigInvalid,
    DuplicateCall,
    InvalidCallState,
    InvalidEvent,
    InvalidTransition,
    NoSuchOffer,
    UnknownAgent,
    UnknownCall,
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
from .model import AgentRec, CallRec, merge_levels
from .specs import (
    CHANNELS,
    AgentSpec,
    ExitAction,
    QueueSpec,
    StepAction,
    Strategy,
    _freeze_levels,
)
from .states import CALL_HINTS, CALL_MOVES, PRESENCE_MOVES, AgentState, CallState, DeviceState
from .stats import Recorder
from .strategies import choose, rank_key
from .timers import Entry, TimerHeap
from .views import AgentSnapshot, CallSnapshot, Stats, Verdict
from .waiting import WaitingList

Out = list[Decision]


class Engine:
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
        self._margin = offer_margin
        self._rng = random.Random(seed)
        self._stats = Recorder(stats_window)
        self._timers = TimerHeap()
        self._queues: dict[str, QueueSpec] = {}
        self._draining: set[str] = set()
        self._agents: dict[str, AgentRec] = {}
        self._calls: dict[str, CallRec] = {}
        self._waiting: dict[tuple[str, str], WaitingList] = {}
        self._members: dict[str, dict[str, int]] = {}        # queue -> agent_id -> position
        self._routable: dict[tuple[str, str], dict[str, None]] = {}
        self._rr_last: dict[str, int] = {}
        self._dirty_agents: dict[str, None] = {}
        self._dirty_calls: dict[str, None] = {}
        self._held = False
        qs, ags = _check_config(queues, agents)
        self._queues = qs
        for spec in ags.values():
            self._agents[spec.agent_id] = AgentRec(spec, now)
        self._rebuild_indexes()
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

    def tick(self, now: float) -> list[Decision]:
        """Run every deadline due at ``now``: offer safety timeouts, wrap-up
        ends, escalation steps, maximum waits."""
        out: Out = []
        timers = self._timers
        while (entry := timers.pop_due(now, self._is_live)) is not None:
            self._fire(entry, now, out)
        self._dispatch(now, out)
        return out

    on_timer = tick

    def next_deadline(self) -> float | None:
        """When ``tick`` has something to do next (None: nothing armed)."""
        return self._timers.next_at(self._is_live)

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
        channel = _check_channel(e.call_id, e.channel)
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
        self._stats.answered(c.queue, now, now - c.entered_at)
        self._touch(a, now, out)

    def _on_failed(self, e: OfferFailed, now: float, out: Out) -> None:
        c, a = self._offer_of(e, e.call_id, e.agent_id)
        if e.reason not in FAIL_REASONS:
            raise InvalidEvent(f"call {e.call_id}: OfferFailed reason {e.reason!r}; use one of "
                               f"{', '.join(sorted(FAIL_REASONS))}")
        self._fail_offer(c, a, e.reason, now, out)

    def _on_abandoned(self, e: CallAbandoned, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        self._stats.abandoned(c.queue, now, now - c.entered_at)
        self._drop_call(c, now, out)

    def _on_removed(self, e: CallRemoved, now: float, out: Out) -> None:
        c = self._call_in_state(e, e.call_id)
        self._stats.q(c.queue).removed += 1
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
        self._stats.q(c.queue).transferred_out += 1
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

    # ------------------------------------------------------------ helpers

    def _agent(self, agent_id: str) -> AgentRec:
        a = self._agents.get(agent_id)
        if a is None:
            raise UnknownAgent(agent_id)
        return a

    def _call(self, call_id: str) -> CallRec:
        c = self._calls.get(call_id)
        if c is None:
            raise UnknownCall(call_id)
        return c

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

    def _requirements(self, call_id: str, spec: QueueSpec, skills: Mapping[str, int] | None,
                      extra: Mapping[str, int]) -> dict[str, int]:
        try:
            base = spec.skills if skills is None else _freeze_levels(call_id, "skills", skills)
            extra = _freeze_levels(call_id, "extra_skills", extra)
        except ConfigInvalid as exc:
            raise InvalidEvent(f"call {exc}") from None
        return merge_levels(base, extra)

    def _wl(self, queue: str, channel: str) -> WaitingList:
        wl = self._waiting.get((queue, channel))
        if wl is None:
            wl = self._waiting[(queue, channel)] = WaitingList()
        return wl

    def queue_length(self, queue: str) -> int:
        """Calls waiting (not ringing) in ``queue``, all channels, visitors included."""
        return sum(len(wl) for (q, _), wl in self._waiting.items() if q == queue)

    # ---------------------------------------------------- queue admission

    def _admit(self, c: CallRec, queue: str, now: float, out: Out, seen: set[str]) -> None:
        """Enter ``queue`` (already c.queue) or take its exit when full."""
        spec = self._queues[queue]
        counters = self._stats.q(queue)
        counters.offered += 1
        full = (spec.max_length is not None and not self._held
                and self.queue_length(queue) >= spec.max_length)
        if not full:
            self._calls[c.call_id] = c
            self._enqueue(c, now, out)
            self._arm_call_timer(c)
            return
        counters.exited += 1
        self._take_exit(c, spec, "full", now, out, seen | {queue})

    def _take_exit(self, c: CallRec, spec: QueueSpec, reason: str, now: float, out: Out,
                   seen: set[str]) -> None:
        action, target = spec.exit_action, spec.exit_target
        if action is ExitAction.OVERFLOW and (target in seen or target in self._draining
                                              or target not in self._queues):
            action, target = ExitAction.NONE, None      # overflow loop: nowhere left to go
        out.append(QueueExit(c.call_id, spec.name, action.value, target, reason))
        if action is ExitAction.CALLBACK:
            c.callback = True
            self._calls[c.call_id] = c
            self._enqueue(c, now, out)                  # the caller of _take_exit unqueued it
            self._arm_call_timer(c)
        elif action is ExitAction.OVERFLOW and target is not None:
            tspec = self._queues[target]
            self._calls.pop(c.call_id, None)
            c.queue, c.queues = target, [target]
            c.reqs = {target: merge_levels(tspec.skills, c.extra)}
            c.entered_at, c.step_index, c.timer_due = now, 0, None
            self._admit(c, target, now, out, seen)
        else:
            self._calls.pop(c.call_id, None)

    def _enqueue(self, c: CallRec, now: float, out: Out) -> None:
        c.state = CallState.WAITING
        position = 0
        for q in c.queues:
            pos = self._wl(q, c.channel).add(c.key)
            if q == c.queue:
                position = pos
        out.append(CallQueued(c.call_id, c.queue, position))
        self._dirty_calls[c.call_id] = None

    def _unqueue(self, c: CallRec) -> None:
        for q in c.queues:
            wl = self._waiting.get((q, c.channel))
            if wl is not None:
                wl.remove(c.key)

    def _drop_call(self, c: CallRec, now: float, out: Out) -> None:
        """Forget a waiting or ringing call (abandoned, removed)."""
        if c.state is CallState.OFFERED:
            a = self._agents[c.agent or ""]
            a.offer = None
            self._touch(a, now, out)
        else:
            self._unqueue(c)
        del self._calls[c.call_id]

    # ------------------------------------------------------------ offers

    def _offer(self, c: CallRec, a: AgentRec, via: str, now: float, out: Out) -> None:
        self._unqueue(c)
        spec = self._queues[c.queue]
        c.state, c.agent, c.offer_queue, c.offered_at = CallState.OFFERED, a.agent_id, via, now
        c.attempts += 1
        c.offer_deadline = now + spec.ring_timeout + self._margin
        c.offer_timer = self._timers.push(c.offer_deadline, "offer", c.call_id)
        a.offer = c.call_id
        a.offered += 1
        if self._queues[via].strategy is Strategy.ROUND_ROBIN:
            self._rr_last[via] = self._members[via].get(a.agent_id, -1)
        out.append(Offer(c.call_id, a.agent_id, spec.ring_timeout, c.channel, c.queue,
                         c.callback, c.attempts, c.attributes))
        self._touch(a, now, out)

    def _fail_offer(self, c: CallRec, a: AgentRec, reason: str, now: float, out: Out) -> None:
        policy = self._queues[c.queue].no_answer
        a.offer = None
        a.failed += 1
        if policy.not_ready and a.presence is AgentState.READY:
            a.presence, a.reason = AgentState.NOT_READY, reason
        if policy.reoffer_delay > 0:
            until = now + policy.reoffer_delay
            c.excluded[a.agent_id] = until
            self._timers.push(until, "exclude", c.call_id)
        c.agent = c.offer_queue = None
        self._enqueue(c, now, out)
        if c.timer_due is not None and c.timer_due <= now:
            c.timer_due = None                          # fired while ringing: re-arm now
        self._arm_call_timer(c)
        self._touch(a, now, out)

    def _release(self, a: AgentRec, c: CallRec, now: float, out: Out) -> None:
        """The agent's part in a talking call is over: count it, start wrap-up."""
        del a.active[c.call_id]
        a.load[c.channel] -= 1
        talk = now - c.answered_at
        a.talk_time += talk
        self._stats.talked(c.queue, now, talk)
        wrap = self._queues[c.queue].wrapup_time
        if wrap != 0:
            until = None if wrap is None else now + wrap
            if not a.wrapping:
                a.wrapping, a.wrap_started_at, a.wrap_queue = True, now, c.queue
                a.wrap_until = until
            elif until is None or a.wrap_until is None:
                a.wrap_until = None
            else:
                a.wrap_until = max(a.wrap_until, until)
            a.wrap_timer = (0 if a.wrap_until is None
                            else self._timers.push(a.wrap_until, "wrap", a.agent_id))
        self._touch(a, now, out)

    def _end_wrap(self, a: AgentRec, now: float, disposition: str | None, out: Out) -> None:
        a.wrapping, a.wrap_until, a.wrap_timer = False, None, 0
        self._stats.wrapped(a.wrap_queue or "", now, now - a.wrap_started_at)
        a.disposition = disposition
        self._touch(a, now, out)

    # ------------------------------------------------------- agent index

    def _touch(self, a: AgentRec, now: float, out: Out) -> None:
        """Recompute the agent's derived state and routable channels after a change."""
        state, reason, call_id = a.derive()
        if state is not a.state or reason != a.state_reason:
            a.state_time[a.state] = a.state_time.get(a.state, 0.0) + (now - a.state_since)
            out.append(AgentStateChanged(a.agent_id, a.state, state, reason, now, call_id))
            if state is AgentState.READY:
                a.idle_since = now
            a.state, a.state_reason, a.state_call, a.state_since = state, reason, call_id, now
        old = a.routable
        new = a.compute_routable()
        if new != old:
            routable = self._routable
            for ch in old:
                if ch not in new:
                    for q in a.queues:
                        routable[(q, ch)].pop(a.agent_id, None)
            gained = False
            for ch in new:
                if ch not in old:
                    gained = True
                    for q in a.queues:
                        idx = routable.get((q, ch))
                        if idx is None:
                            idx = routable[(q, ch)] = {}
                        idx[a.agent_id] = None
            a.routable = new
            if gained:
                self._dirty_agents[a.agent_id] = None
        if a.retiring and state is AgentState.LOGGED_OUT:
            self._forget_agent(a)

    def _forget_agent(self, a: AgentRec) -> None:
        for q in a.queues:
            members = self._members.get(q)
            if members is not None:
                members.pop(a.agent_id, None)
            for ch in a.routable:
                self._routable.get((q, ch), {}).pop(a.agent_id, None)
        del self._agents[a.agent_id]
        self._dirty_agents.pop(a.agent_id, None)

    def _rebuild_indexes(self) -> None:
        """Membership and routable indexes from scratch (construction, reconfigure)."""
        floors = {name: spec.floor_skills() for name, spec in self._queues.items()}
        by_key: dict[str, list[str]] = {}
        anyone: list[str] = []
        for name, floor in floors.items():
            if name in self._draining:
                continue
            if floor:
                by_key.setdefault(min(floor), []).append(name)
            else:
                anyone.append(name)
        order = {name: i for i, name in enumerate(self._queues)}
        old_members = self._members
        self._members = {name: {} for name in self._queues}
        self._routable = {}
        for a in self._agents.values():
            if a.spec.queues:
                queues = list(a.spec.queues)
            else:
                candidates = list(anyone)
                for skill in a.skills:
                    candidates.extend(by_key.get(skill, ()))
                queues = sorted({q for q in candidates if a.meets(floors[q])},
                                key=order.__getitem__)
            for q in self._draining:
                if a.agent_id in old_members.get(q, {}):
                    queues.append(q)
            a.queues = tuple(queues)
            for q in queues:
                members = self._members[q]
                members[a.agent_id] = len(members)
            a.routable = a.compute_routable()
            for ch in a.routable:
                for q in a.queues:
                    self._routable.setdefault((q, ch), {})[a.agent_id] = None

    # ---------------------------------------------------------- matching

    def _dispatch(self, now: float, out: Out) -> None:
        if self._held:
            return
        agents, self._dirty_agents = self._dirty_agents, {}
        calls, self._dirty_calls = self._dirty_calls, {}
        for agent_id in agents:
            a = self._agents.get(agent_id)
            if a is not None and a.routable:
                c, via = self._best_call(a, now)
                if c is not None:
                    self._offer(c, a, via, now, out)
        pending = [c for call_id in calls
                   if (c := self._calls.get(call_id)) is not None and c.state is CallState.WAITING]
        pending.sort(key=lambda c: c.key)
        for c in pending:
            if c.state is CallState.WAITING:
                a, via = self._best_agent(c, now)
                if a is not None:
                    self._offer(c, a, via, now, out)

    def _best_call(self, a: AgentRec, now: float) -> tuple[CallRec | None, str]:
        """The first call in routing order, over the agent's queues and free channels,
        that the agent is skilled for and not skipped for."""
        best: CallRec | None = None
        best_via = ""
        calls, waiting, agent_id = self._calls, self._waiting, a.agent_id
        for ch in a.routable:
            for q in a.queues:
                wl = waiting.get((q, ch))
                if not wl:
                    continue
                for key in wl:
                    if best is not None and key >= best.key:
                        break
                    c = calls[key[2]]
                    if c.excluded and c.excluded.get(agent_id, now) > now:
                        continue
                    if a.meets(c.reqs[q]):
                        best, best_via = c, q
                        break
        return best, best_via

    def _candidates(self, c: CallRec, q: str, now: float) -> list[AgentRec]:
        idx = self._routable.get((q, c.channel))
        if not idx:
            return []
        reqs, agents, excluded = c.reqs[q], self._agents, c.excluded
        out = []
        for agent_id in idx:
            a = agents[agent_id]
            if a.meets(reqs) and not (excluded and excluded.get(agent_id, now) > now):
                out.append(a)
        return out

    def _rank(self, c: CallRec, q: str) -> Callable[[AgentRec], tuple]:
        spec = self._queues[q]
        return rank_key(spec.strategy, q, c.reqs[q], self._members.get(q, {}),
                        self._rr_last.get(q, -1))

    def _best_agent(self, c: CallRec, now: float) -> tuple[AgentRec | None, str]:
        """By the strategy of the first of the call's queues with an eligible agent
        (its own queue first, then overflow queues in the order they were added)."""
        for q in c.queues:
            cands = self._candidates(c, q, now)
            if cands:
                return choose(self._queues[q].strategy, cands, self._rank(c, q), self._rng), q
        return None, ""

    # ------------------------------------------------------------ timers

    def _is_live(self, entry: Entry) -> bool:
        _, seq, kind, ident = entry
        if kind == "offer":
            c = self._calls.get(ident)
            return c is not None and c.state is CallState.OFFERED and c.offer_timer == seq
        if kind == "wrap":
            a = self._agents.get(ident)
            return a is not None and a.wrapping and a.wrap_timer == seq
        if kind == "call":
            c = self._calls.get(ident)
            return c is not None and c.timer_seq == seq and c.timer_due is not None
        c = self._calls.get(ident)                    # "exclude", whatever the call's state
        return c is not None and entry[0] in c.excluded.values()

    def _fire(self, entry: Entry, now: float, out: Out) -> None:
        _, _, kind, ident = entry
        if kind == "offer":
            c = self._calls[ident]
            a = self._agents[c.agent or ""]
            out.append(OfferTimedOut(c.call_id, a.agent_id))
            self._fail_offer(c, a, "no-answer", now, out)
        elif kind == "wrap":
            self._end_wrap(self._agents[ident], now, None, out)
        elif kind == "call":
            c = self._calls[ident]
            if c.state is CallState.WAITING:
                c.timer_due = None
                self._call_deadline(c, now, out)
        else:
            c = self._calls[ident]
            c.excluded = {k: v for k, v in c.excluded.items() if v > now}
            self._dirty_calls[c.call_id] = None

    def _arm_call_timer(self, c: CallRec) -> None:
        """Arm the next escalation step or the max-wait of a call (one deadline a call)."""
        spec = self._queues[c.queue]
        due = None
        if c.step_index < len(spec.escalation):
            due = c.entered_at + spec.escalation[c.step_index].after
        if spec.max_wait is not None and not c.callback:
            limit = c.entered_at + spec.max_wait
            due = limit if due is None else min(due, limit)
        if due == c.timer_due:
            return
        c.timer_due = due
        c.timer_seq = 0 if due is None else self._timers.push(due, "call", c.call_id)

    def _call_deadline(self, c: CallRec, now: float, out: Out) -> None:
        spec = self._queues[c.queue]
        steps = spec.escalation
        while c.step_index < len(steps) and c.entered_at + steps[c.step_index].after <= now:
            self._escalate(c, spec, steps[c.step_index], now, out)
            c.step_index += 1
        if (spec.max_wait is not None and not c.callback
                and c.entered_at + spec.max_wait <= now):
            self._unqueue(c)
            self._stats.q(spec.name).exited += 1
            self._take_exit(c, spec, "max-wait", now, out, {spec.name})
            return
        self._arm_call_timer(c)

    def _escalate(self, c: CallRec, spec: QueueSpec, step: Any, now: float, out: Out) -> None:
        reqs = c.reqs[c.queue]
        if step.action is StepAction.LOWER:
            if step.skill in reqs and reqs[step.skill] > step.level:
                reqs[step.skill] = step.level
        elif step.action is StepAction.DROP:
            reqs.pop(step.skill, None)
        elif step.action is StepAction.PRIORITY:
            self._unqueue(c)
            c.set_priority(c.priority + step.priority)
            for q in c.queues:
                self._wl(q, c.channel).add(c.key)
        elif (step.queue not in c.queues and step.queue in self._queues
              and step.queue not in self._draining):
            target = self._queues[step.queue]
            c.queues.append(target.name)
            c.reqs[target.name] = merge_levels(target.skills, c.extra)
            self._wl(target.name, c.channel).add(c.key)
        out.append(Escalated(c.call_id, spec.name, step.describe(), now))
        self._dirty_calls[c.call_id] = None

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
        """Real-time statistics per queue and per agent (see QueueStats).

        ``include_agents=False`` skips the per-agent figures (a wallboard that
        shows queues only: about twice as fast on a large floor)."""
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
        keys = sorted(k for (q, _), wl in self._waiting.items() if q == queue for k in wl)
        return [k[2] for k in keys]

    def agents_by_state(self) -> dict[AgentState, int]:
        counts = dict.fromkeys(AgentState, 0)
        for a in self._agents.values():
            counts[a.state] += 1
        return counts

    def queue_specs(self) -> dict[str, QueueSpec]:
        return dict(self._queues)

    # ---------------------------------------------- reconfigure / restore

    def reconfigure(self, queues: Iterable[QueueSpec], agents: Iterable[AgentSpec],
                    now: float) -> list[Decision]:
        """Swap the configuration live, keeping calls, offers and agent states.

        - A removed queue *drains*: no new calls (CallArrived raises
          UnknownQueue), its waiting calls keep their place and are served by
          its former members; it is dropped by a later reconfigure once empty.
        - A removed agent that is idle is logged out and forgotten; one that is
          ringing, on a call or in wrap-up finishes first, then is forgotten.
        - Waiting calls keep the requirements they were given; new escalation
          steps of their queue apply from their next step on.

        Raises:
            ConfigInvalid: the new configuration is inconsistent; nothing changed.
        """
        qs, ags = _check_config(queues, agents)
        used = {q for c in self._calls.values() for q in c.queues}
        used |= {c.queue for c in self._calls.values()}
        used |= {a.wrap_queue for a in self._agents.values() if a.wrapping and a.wrap_queue}
        out: Out = []
        self._draining = {name for name in self._queues if name not in qs and name in used}
        merged = dict(qs)
        for name in self._draining:
            merged[name] = self._queues[name]
        self._queues = merged
        for key in [k for k in self._waiting if k[0] not in merged]:
            del self._waiting[key]
        for spec in ags.values():
            a = self._agents.get(spec.agent_id)
            if a is None:
                self._agents[spec.agent_id] = AgentRec(spec, now)
            else:
                a.spec, a.skills, a.capacity, a.retiring = spec, spec.skills, spec.capacity, False
        self._rebuild_indexes()
        for a in list(self._agents.values()):
            if a.agent_id not in ags:
                a.retiring = True
                a.presence, a.reason = AgentState.LOGGED_OUT, None
                self._touch(a, now, out)
        for a in self._agents.values():
            self._dirty_agents[a.agent_id] = None
        for c in self._calls.values():
            if c.state is CallState.WAITING:
                self._dirty_calls[c.call_id] = None
                self._arm_call_timer(c)
        self._dispatch(now, out)
        return out

    def restore_agent(self, agent_id: str, state: AgentState, now: float, *,
                      reason: str | None = None, device: DeviceState = DeviceState.AVAILABLE,
                      wrap_until: float | None = None, wrap_queue: str | None = None,
                      since: float | None = None) -> None:
        """Put an agent back as it was before a restart. No decision, no offer
        until ``resume``.

        ``state``: LOGGED_OUT, READY, NOT_READY (with ``reason``), WRAP_UP
        (``wrap_until``: None = until the disposition; ``wrap_queue`` for the
        statistics) or ON_CALL (presence READY; attach its calls with
        ``restore_call(..., agent_id=...)``). RESERVED cannot be restored: a
        ringing offer does not survive a restart; restore the agent READY and
        the call waiting.
        """
        a = self._agent(agent_id)
        try:
            state, device = AgentState(state), DeviceState(device)
        except ValueError as exc:
            raise InvalidEvent(f"agent {agent_id}: restore_agent {exc}") from None
        if state is AgentState.RESERVED:
            raise InvalidTransition(agent_id, "restore_agent", "RESERVED (restore it READY and "
                                    "its call waiting: a ringing offer does not survive)")
        self._held = True
        sink: Out = []
        a.presence = state if state in (AgentState.LOGGED_OUT, AgentState.NOT_READY) \
            else AgentState.READY
        a.reason = reason if state is AgentState.NOT_READY else None
        a.device = device
        a.logged_in_at = None if state is AgentState.LOGGED_OUT else (since or now)
        if state is AgentState.WRAP_UP:
            a.wrapping, a.wrap_until, a.wrap_started_at = True, wrap_until, since or now
            a.wrap_queue = wrap_queue
            a.wrap_timer = 0 if wrap_until is None else self._timers.push(
                wrap_until, "wrap", agent_id)
        self._touch(a, now, sink)
        a.state_since = since if since is not None else now

    def restore_call(self, call_id: str, queue: str, now: float, *, arrived_at: float,
                     priority: int = 0, channel: str = "voice",
                     skills: Mapping[str, int] | None = None,
                     extra_skills: Mapping[str, int] | None = None,
                     attributes: Mapping[str, str] | None = None, callback: bool = False,
                     entered_at: float | None = None, agent_id: str | None = None,
                     answered_at: float | None = None) -> None:
        """Put a call back after a restart: waiting (keeps its original arrival,
        hence its place) or, with ``agent_id``, talking with that agent. No
        decision, no offer until ``resume``."""
        if call_id in self._calls:
            raise DuplicateCall(call_id, self._calls[call_id].state.value)
        spec = self._queues.get(queue)
        if spec is None:
            raise UnknownQueue(queue)
        a = self._agent(agent_id) if agent_id is not None else None
        channel = _check_channel(call_id, channel)
        extra = dict(extra_skills or {})
        reqs = self._requirements(call_id, spec, skills, extra)
        c = CallRec(call_id, queue, int(priority), channel, reqs, extra, arrived_at,
                    arrived_at if entered_at is None else entered_at,
                    MappingProxyType(dict(attributes or {})), callback)
        self._held = True
        sink: Out = []
        self._calls[call_id] = c
        if a is None:
            self._enqueue(c, now, sink)
            self._arm_call_timer(c)
            return
        c.state, c.agent, c.offer_queue = CallState.TALKING, a.agent_id, queue
        c.answered_at = now if answered_at is None else answered_at
        a.active[call_id] = channel
        a.load[channel] = a.load.get(channel, 0) + 1
        self._touch(a, now, sink)

    def resume(self, now: float) -> list[Decision]:
        """End a restore: run overdue deadlines, then match everything."""
        self._held = False
        for a in self._agents.values():
            self._dirty_agents[a.agent_id] = None
        for c in self._calls.values():
            if c.state is CallState.WAITING:
                self._dirty_calls[c.call_id] = None
        return self.tick(now)


def _state_text(state: AgentState, reason: str | None) -> str:
    return f"{state.value}({reason})" if reason else state.value


def _check_channel(call_id: str, channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidEvent(f"call {call_id}: channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel


def _check_config(queues: Iterable[QueueSpec],
                  agents: Iterable[AgentSpec]) -> tuple[dict[str, QueueSpec], dict[str, AgentSpec]]:
    qs: dict[str, QueueSpec] = {}
    for spec in queues:
        if not isinstance(spec, QueueSpec):
            raise ConfigInvalid(f"queues holds {type(spec).__name__}; pass QueueSpec values")
        if spec.name in qs:
            raise ConfigInvalid(f"queue {spec.name!r} is defined twice")
        qs[spec.name] = spec
    for spec in qs.values():
        target = spec.exit_target
        if target is not None and (target not in qs or target == spec.name):
            raise ConfigInvalid(f"queue {spec.name!r}: exit overflow:{target} names "
                                f"{'itself' if target == spec.name else 'no defined queue'}")
        for step in spec.escalation:
            if step.action is StepAction.OVERFLOW and (step.queue not in qs
                                                      or step.queue == spec.name):
                raise ConfigInvalid(f"queue {spec.name!r}: escalation '{step.describe()}' "
                                    "names no other defined queue")
    ags: dict[str, AgentSpec] = {}
    for spec in agents:
        if not isinstance(spec, AgentSpec):
            raise ConfigInvalid(f"agents holds {type(spec).__name__}; pass AgentSpec values")
        if spec.agent_id in ags:
            raise ConfigInvalid(f"agent {spec.agent_id!r} is defined twice")
        for q in spec.queues:
            if q not in qs:
                raise ConfigInvalid(f"agent {spec.agent_id!r} serves queue {q!r}, "
                                    "which is not defined")
        ags[spec.agent_id] = spec
    return qs, ags


__all__ = ["AcdError", "Engine"]
